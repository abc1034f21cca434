import { z } from 'zod';
import type { App } from '../app.js';
import { Conflict, DomainError, Invalid, NotFound } from '../errors.js';
import { isValidDatabaseName } from '../hosting/database-name.js';
import { findDatabase, lockDatabase } from '../metabase/repositories/databases.js';
import { insertSupportLog } from '../metabase/repositories/support-logs.js';
import type { AgentRow } from '../metabase/schema.js';
import { jobHoldsDatabase } from '../jobs/enqueue.js';
import { activeJobOf } from '../metabase/repositories/jobs.js';
import { isLocked } from '../lifecycle/maintenance-lock.js';
import type { Operation } from './define.js';
import { findOperation } from './registry.js';
import { operationsCounter } from '../observability/metrics.js';

export interface ExecuteRequest {
  agent: AgentRow;
  database: string;
  operation: string;
  input: unknown;
  requestId: string;
}

const MAX_LOGGED_KEYS = 20;
const MAX_LOGGED_CHARS = 500;

/**
 * Keeps secrets (and the validation number) out of the support log, and keeps an entry small
 * whatever the body carried: at most 20 keys, long values cut.
 */
function redact(input: unknown, secrets: string[]): Record<string, unknown> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input).slice(0, MAX_LOGGED_KEYS)) {
    if (secrets.includes(k) || k === 'validation') out[k] = '***';
    else if (v instanceof Date) out[k] = v.toISOString();
    else {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      out[k.slice(0, 100)] =
        text !== undefined && text.length > MAX_LOGGED_CHARS ? `${text.slice(0, MAX_LOGGED_CHARS)}…` : v;
    }
  }
  return out;
}

/** Zod's messages, made readable for agents ("reason is required" rather than "expected string, received undefined"). */
export function formatZodError(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.join('.');
      if (i.code === 'invalid_type' && /received undefined/.test(i.message))
        return `${field || 'a value'} is required`;
      return field ? `${field}: ${i.message}` : i.message;
    })
    .join('; ');
}

/**
 * The one path every support operation takes: find it, check the level against the access
 * map, validate the input, then run it in a metabase transaction that also writes its
 * support-log entry. A failure rolls the change back and leaves a failure entry.
 */
export async function executeOperation(app: App, req: ExecuteRequest): Promise<unknown> {
  const op = findOperation(req.operation);
  if (!op) throw new NotFound(`There is no operation named "${req.operation}".`);
  return executeOperationDef(app, op, req);
}

/**
 * The same path for an operation given as a declaration rather than by its registered name
 * (tests run operations made to fail through it).
 */
export async function executeOperationDef(
  app: App,
  op: Operation,
  req: Omit<ExecuteRequest, 'operation'>,
): Promise<unknown> {
  if (!isValidDatabaseName(req.database) || !(await findDatabase(app.metabase, req.database))) {
    throw new NotFound(`There is no database named "${req.database}".`);
  }
  app.policy.require(req.agent.level, op.access, op.title);
  let inputs = redact(req.input, op.secretInputs ?? []);
  const audit = (outcome: 'success' | 'failure', message: string | null) => ({
    agent_id: req.agent.id,
    agent_login: req.agent.login,
    agent_level: req.agent.level,
    operation: op.name,
    database_name: req.database,
    inputs,
    outcome,
    message,
    request_id: req.requestId,
  });
  try {
    const result = await app.metabase.transaction().execute(async (tx) => {
      const database = await lockDatabase(tx, req.database);
      const reachable =
        database?.state === 'active' || (database?.state === 'removed' && op.allowedWhenRemoved);
      if (!database || !reachable) throw new NotFound(`The database ${req.database} no longer exists.`);
      if (isLocked(database) && !op.allowedWhenLocked) {
        throw new Conflict(
          `The database is locked (${database.status}): no change is possible until it is unlocked.`,
        );
      }
      // A running long job holds the database (the row lock above orders this check with enqueueJob).
      const running = op.readOnly ? undefined : await activeJobOf(tx, database.name);
      if (running) throw jobHoldsDatabase(running);
      const schema = op.needsValidation
        ? z.intersection(op.input, z.object({ validation: z.coerce.string() }))
        : op.input;
      const parsed = schema.safeParse(req.input ?? {});
      if (!parsed.success) throw new Invalid(formatZodError(parsed.error));
      // The entry keeps what the operation understood, not whatever else the body carried.
      inputs = redact(parsed.data, op.secretInputs ?? []);
      const { validation, ...input } = parsed.data as Record<string, unknown>;
      if (
        op.needsValidation &&
        validation !== app.policy.validationNumber(req.agent.id, database.name, op.name, app.now())
      ) {
        throw new Invalid('The validation number is wrong: type the number shown next to this tool.');
      }
      const out = await op.run({
        app,
        tx,
        database,
        agent: req.agent,
        input: op.needsValidation ? input : parsed.data,
        limits: app.policy.limits(req.agent.level),
        now: app.now(),
        requestId: req.requestId,
      });
      await insertSupportLog(tx, audit('success', null));
      return out;
    });
    operationsCounter.inc({ operation: op.name, outcome: 'success' });
    return result;
  } catch (e) {
    const message = e instanceof DomainError ? e.message : 'Internal error';
    if (!(e instanceof DomainError))
      app.log.error({ err: e, operation: op.name, database: req.database }, 'operation failed');
    await insertSupportLog(app.metabase, audit('failure', message));
    operationsCounter.inc({ operation: op.name, outcome: 'failure' });
    throw e;
  }
}
