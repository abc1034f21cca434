import type { AgentSession } from './http.js';

/** Polls a job through the API until it ends, and returns its final state. */
export async function waitForJob(
  session: AgentSession,
  jobId: number,
  timeoutMs = 60_000,
): Promise<{ state: string; result: Record<string, unknown> | null; error: string | null; progress: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await session.get(`/api/jobs/${jobId}`);
    if (res.body.state === 'completed' || res.body.state === 'failed') return res.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${res.body.state} (${res.body.step})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
