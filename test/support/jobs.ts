import type { AgentSession } from './http.js';

export interface JobAnswer {
  id: number;
  state: string;
  step: string | null;
  progress: number;
  // Test bodies read fields of whatever the job answered; the tests assert their shapes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result: any;
  error: string | null;
}

/**
 * Polls a job through the API until it ends, and returns its final state. A 503 (the metabase
 * unreachable for a moment) is waited out like a job still running.
 */
export async function waitForJob(session: AgentSession, jobId: number, timeoutMs = 60_000): Promise<JobAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    const res = await session.get(`/api/jobs/${jobId}`);
    if (res.status === 200) {
      if (res.body.state === 'completed' || res.body.state === 'failed') return res.body;
      last = `${res.body.state} (${res.body.step})`;
    } else if (res.status === 503) {
      last = 'unreadable: the API answered 503';
    } else {
      throw new Error(`job ${jobId}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${last} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
