import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { embeddedServerPaths } from '../../src/platform.js';
import { promisify } from 'node:util';
import { runPgToolAsClusterUser } from '../../src/hosting/backup-pg.js';
import { startCluster } from '../../src/hosting/cluster.js';
import { dropDatabase } from '../../src/hosting/cluster-databases.js';
import { quoteDatabaseName } from '../../src/hosting/database-name.js';
import { freshDumpFolder } from '../../src/hosting/directory-dump.js';
import { findAgentByLogin } from '../../src/metabase/repositories/agents.js';
import { findJob } from '../../src/metabase/repositories/jobs.js';
import { upsertServer } from '../../src/metabase/repositories/servers.js';
import { executeOperation } from '../../src/operations/execute.js';
import { defineBenchCase, type BenchRow } from '../context.js';
import { generatedTenant, sizeLabel } from '../generated-tenant.js';
import { timed } from '../measure.js';

const exec = promisify(execFile);
const JOBS = 2;

/**
 * Moves the generated tenant to a second hosting server (its own PostgreSQL cluster, with
 * PostgreSQL's durability defaults, and its own folders) and compares with doing it by hand in
 * the same run: `pg_dump -Fd -j2` + `pg_restore -j2` + `cp -a` of the filestore. The case runs
 * last: the tenant stays on the second server.
 */
export default defineBenchCase({
  name: 'move',
  description: `move-database of a generated ${sizeLabel()} to a second server vs raw pg_dump -Fd -j2 + pg_restore -j2 + cp -a; the downtime`,
  async run(ctx) {
    const { app, server } = ctx;
    const source = await generatedTenant(ctx);
    const name = source.database.name;
    await ctx.startWorker();

    const cluster = await startCluster({ dir: path.join(ctx.dataDir, 'pg-move-target') });
    try {
      const folders = embeddedServerPaths(ctx.dataDir, 'bench-move-target');
      for (const dir of Object.values(folders)) await mkdir(dir, { recursive: true });
      const target = await upsertServer(app.metabase, {
        name: 'bench-move-target',
        host: cluster.socketDir,
        port: cluster.port,
        superuser: cluster.superuser,
        password: cluster.password,
        ...folders,
      });

      // Raw: the same tools by hand, as the cluster's OS user, into a database and a folder of the target.
      const raw = 'bench-raw-move';
      const dumpDir = path.join(server.backup_root, 'bench-raw-move-dump');
      await freshDumpFolder(dumpDir);
      const [, dumpMs] = await timed(() =>
        runPgToolAsClusterUser(server, 'pg_dump', ['--format=directory', `--jobs=${JOBS}`, '--compress=0', '--file', dumpDir, '--dbname', name]),
      );
      const [, restoreMs] = await timed(async () => {
        await app.tenants.withCluster(target.id, (admin) => admin.query(`CREATE DATABASE ${quoteDatabaseName(raw)} TEMPLATE template0`));
        await runPgToolAsClusterUser(target, 'pg_restore', ['--no-owner', '--no-acl', '--exit-on-error', `--jobs=${JOBS}`, '--dbname', raw, dumpDir]);
      });
      const [, copyMs] = await timed(() => exec('cp', ['-a', source.filestore, path.join(target.filestore_root, raw)]));
      const rawTotal = dumpMs + restoreMs + copyMs;
      await app.tenants.withCluster(target.id, (admin) => dropDatabase(admin, raw));
      await rm(path.join(target.filestore_root, raw), { recursive: true, force: true });
      await rm(dumpDir, { recursive: true, force: true });

      const agent = (await findAgentByLogin(app.metabase, 'system'))!;
      const [job, total] = await timed(async () => {
        const out = (await executeOperation(app, {
          agent,
          database: name,
          operation: 'move-database',
          input: { server: target.name },
          requestId: 'bench',
        })) as { job: { id: number } };
        let row = await findJob(app.metabase, out.job.id);
        while (row && row.state !== 'completed' && row.state !== 'failed') {
          await new Promise((r) => setTimeout(r, 20));
          row = await findJob(app.metabase, out.job.id);
        }
        if (row?.state !== 'completed') throw new Error(`move failed: ${row?.error}`);
        return row;
      });
      const result = job.result as {
        downtimeMs: number;
        dumpMs: number;
        restoreMs: number;
        filestore: { precopy: { copiedBytes: number }; finalSync: { copiedFiles: number } };
      };
      const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      const rows: BenchRow[] = [
        {
          subject: 'move-database job, end to end',
          value: { ms: total },
          note: `dump ${s(result.dumpMs)}, restore ${s(result.restoreMs)}; raw: dump ${s(dumpMs)} + restore ${s(restoreMs)} + cp -a ${s(copyMs)}; goal ≤ 1.3`,
          baseline: { subject: 'pg_dump -Fd -j2 + pg_restore -j2 + cp -a', value: { ms: rawTotal } },
        },
        {
          subject: '  downtime (locked → unlocked)',
          value: { ms: result.downtimeMs },
          note: `dump, restore, final sync (${result.filestore.finalSync.copiedFiles} files), switch; the files were copied before, live`,
          baseline: { subject: 'raw pg_dump + pg_restore', value: { ms: dumpMs + restoreMs } },
        },
      ];
      return rows;
    } finally {
      await cluster.stop();
    }
  },
});
