import type { App } from '../app.js';
import { NotAllowed, NotFound } from '../errors.js';
import { publicJob, type PublicJob } from './enqueue.js';
import { findJob } from '../metabase/repositories/jobs.js';
import type { AgentRow, JobRow } from '../metabase/schema.js';

/**
 * Who may read a job (its state, result, error, events): the agents whose level allows the tool
 * that starts that kind of job. The one place that maps a kind to its access-map key; a kind
 * missing here is nobody's (the policy fails closed on an unknown key).
 */
const JOB_ACCESS: Record<string, string> = {
  duplicate: 'duplicate',
  drop: 'drop',
  remove: 'drop',
  backup: 'restore',
  'backup-all': 'restore',
  'restore-backup': 'restore',
  'prepare-dump': 'dump',
  'import-dump': 'import_dump',
  'move-database': 'move',
  upgrade: 'migration',
};

export function jobAccessKey(kind: string): string {
  return JOB_ACCESS[kind] ?? `job:${kind}`;
}

/**
 * A job as an agent may see it when they may not read it (the Tools page names the job holding
 * the database to everyone): what runs and how far, without its result or error.
 */
export function jobSeenBy(app: App, agent: AgentRow, job: JobRow): PublicJob & { readable: boolean } {
  const readable = app.policy.allows(agent.level, jobAccessKey(job.kind));
  const seen = publicJob(job);
  return readable ? { ...seen, readable } : { ...seen, result: null, error: null, readable };
}

/** The job, when the agent's level allows the tool that started it. */
export async function readableJob(app: App, agent: AgentRow, id: number): Promise<JobRow> {
  const job = await findJob(app.metabase, id);
  if (!job) throw new NotFound(`There is no job #${id}.`);
  const key = jobAccessKey(job.kind);
  if (!app.policy.allows(agent.level, key)) {
    const needed = app.policy.minimumLevel(key);
    throw new NotAllowed(
      `A ${job.kind} job is visible from the ${Number.isFinite(needed) ? app.policy.levelName(needed) : 'highest'} level; yours is ${app.policy.levelName(agent.level)}.`,
    );
  }
  return job;
}
