import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { App } from '../app.js';
import { Conflict, DomainError, Invalid } from '../errors.js';
import { tenantNameProblem } from '../hosting/database-name.js';
import { enqueueJob, type PublicJob } from '../jobs/enqueue.js';
import { importDumpJob } from '../jobs/import-job.js';
import { claimNewDatabase } from '../provisioning/claim.js';
import { importedRow } from '../provisioning/copy-rules.js';
import { findDatabase } from '../metabase/repositories/databases.js';
import { listServers } from '../metabase/repositories/servers.js';
import { insertSupportLog } from '../metabase/repositories/support-logs.js';
import type { AgentRow } from '../metabase/schema.js';
import { printable, validateOdooZip } from './import-zip.js';

export class TooLarge extends DomainError {
  constructor(message: string) {
    super('too_large', 413, message);
  }
}

/** Copies the upload to disk, counting: past `limit` bytes it stops and removes what it wrote. */
async function receive(body: Readable, file: string, limit: number): Promise<number> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > limit)
        cb(new TooLarge(`The upload is larger than the ${Math.round(limit / 1024 / 1024)} MB allowed.`));
      else cb(null, chunk);
    },
  });
  try {
    await pipeline(body, counter, createWriteStream(file));
  } catch (e) {
    await rm(file, { force: true });
    if (e instanceof DomainError) throw e;
    throw new Invalid(`The upload was interrupted: ${(e as Error).message}`);
  }
  return bytes;
}

/**
 * `import-dump` (level 4): receives an Odoo-format zip, validates it, then queues the job that
 * creates the tenant database. Any refusal leaves nothing behind. Logged in the support log
 * under the new database's name, like an operation.
 */
export async function importDump(
  app: App,
  req: {
    agent: AgentRow;
    name: string;
    server?: string;
    body: Readable;
    contentLength?: number;
    requestId: string;
  },
): Promise<{ job: PublicJob }> {
  const audit = (outcome: 'success' | 'failure', message: string | null) => ({
    agent_id: req.agent.id,
    agent_login: req.agent.login,
    agent_level: req.agent.level,
    operation: 'import-dump',
    database_name: req.name.slice(0, 63),
    inputs: { name: req.name, server: req.server ?? null },
    outcome,
    message: message === null ? null : printable(message),
    request_id: req.requestId,
  });
  let file: string | undefined;
  try {
    const name = req.name.toLowerCase();
    const problem = tenantNameProblem(name);
    if (problem) throw new Invalid(problem);
    if (req.contentLength && req.contentLength > app.config.importMaxBytes) {
      throw new TooLarge(
        `The upload is larger than the ${Math.round(app.config.importMaxBytes / 1024 / 1024)} MB allowed.`,
      );
    }
    const servers = await listServers(app.metabase);
    const server = req.server ? servers.find((s) => s.name === req.server) : servers[0];
    if (!server) throw new Invalid(`There is no hosting server named "${req.server}".`);
    // Checked before receiving the upload, and again when the row is reserved.
    if (await findDatabase(app.metabase, name))
      throw new Conflict(`A database named ${name} already exists.`);
    const dir = path.join(app.config.dataDir, 'imports');
    await mkdir(dir, { recursive: true });
    file = path.join(dir, `${randomUUID()}.zip`);
    const uploadBytes = await receive(req.body, file, app.config.importMaxBytes);
    // The filestore is extracted under the server's filestore root: its disk bounds the expansion.
    await mkdir(server.filestore_root, { recursive: true });
    const disk = await statfs(server.filestore_root);
    const summary = await validateOdooZip(file, { uploadBytes, freeBytes: disk.bavail * disk.bsize });
    const manifestVersion = summary.manifest?.major_version ?? summary.manifest?.version;
    const version =
      typeof manifestVersion === 'string' && /^(saas~)?\d+\.\d+$/.test(manifestVersion)
        ? manifestVersion
        : '17.0';
    const queued = await app.metabase.transaction().execute(async (tx) => {
      await claimNewDatabase(
        app,
        tx,
        importedRow({ name, uuid: randomUUID(), now: app.now(), version, serverId: server.id }),
      );
      const q = await enqueueJob(tx, importDumpJob, {
        database: name,
        agentId: req.agent.id,
        payload: { file, server: server.id, version },
      });
      await insertSupportLog(tx, audit('success', null));
      return q;
    });
    return queued;
  } catch (e) {
    if (file) await rm(file, { force: true });
    // Drain what the client still sends so it reads our answer instead of a reset.
    req.body.resume();
    await insertSupportLog(
      app.metabase,
      audit('failure', e instanceof DomainError ? e.message : 'Internal error'),
    );
    throw e;
  }
}
