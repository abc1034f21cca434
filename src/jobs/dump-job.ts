import { mkdir, rm } from 'node:fs/promises';
import { buildOdooZip } from '../dumps/build-zip.js';
import { dumpFile, dumpsDir } from '../dumps/files.js';
import { dumpDownloadUrl } from '../dumps/link.js';
import { NotFound } from '../errors.js';
import { sendMail } from '../mail/mailer.js';
import { findDatabase } from '../metabase/repositories/databases.js';
import { findDump, updateDump } from '../metabase/repositories/dumps.js';
import { z } from 'zod';
import { defineJob, noStepData } from './define.js';

/**
 * `prepare-dump`: the zip in Odoo's format, then the mail with its signed link. The row turns
 * `ready` only once the zip has its final name, so nothing half-made is ever offered.
 */
export const prepareDumpJob = defineJob({
  kind: 'prepare-dump',
  label: 'Dump',
  payload: z.object({ dump: z.coerce.number().int().positive() }),
  data: noStepData,
  steps: [
    {
      name: 'build-zip',
      label: 'Building the zip',
      weight: 10,
      async run({ app, job, payload, progress }) {
        const dumpId = payload.dump;
        const database = await findDatabase(app.metabase, job.database_name!);
        if (!database || database.state !== 'active')
          throw new NotFound(`The database ${job.database_name} no longer exists.`);
        await mkdir(dumpsDir(app), { recursive: true });
        const file = dumpFile(app, database.name, dumpId);
        await rm(file, { force: true });
        let last = 0;
        const size = await buildOdooZip(app, database, file, (f) => {
          if (f - last >= 0.05 || f === 1) {
            last = f;
            void progress(f).catch(() => undefined);
          }
        });
        const expires = new Date(app.now().getTime() + app.config.dumpLinkHours * 3_600_000);
        await updateDump(app.metabase, dumpId, {
          state: 'ready',
          path: file,
          size,
          ready_at: app.now(),
          expires_at: expires,
        });
      },
    },
    {
      name: 'notify',
      label: 'Sending the e-mail',
      weight: 1,
      async run({ app, job, payload }) {
        const dump = await findDump(app.metabase, payload.dump);
        if (!dump?.expires_at) throw new NotFound('The dump disappeared before its mail was sent.');
        const url = dumpDownloadUrl(app, dump.id, dump.expires_at);
        const mb = ((dump.size ?? 0) / 1024 / 1024).toFixed(1);
        await sendMail(app, {
          to: dump.email,
          subject: `Your dump of ${job.database_name} is ready`,
          text:
            `The dump of the database ${job.database_name} (${mb} MB, Odoo database manager format) is ready.\n\n` +
            `Download it here until ${dump.expires_at.toISOString().slice(0, 16).replace('T', ' ')} UTC:\n${url}\n\n` +
            `It restores with Odoo's database manager (Restore Database) or with psql.\n`,
          html:
            `<p>The dump of the database <b>${job.database_name}</b> (${mb} MB, Odoo database manager format) is ready.</p>` +
            `<p><a href="${url}">Download it</a> until ${dump.expires_at.toISOString().slice(0, 16).replace('T', ' ')} UTC.</p>`,
        });
      },
    },
  ],
  result: async ({ app, payload }) => {
    const dump = await findDump(app.metabase, payload.dump);
    return { dump: dump?.id, size: dump?.size, email: dump?.email };
  },
  async rollback({ app, job, payload }, error) {
    const dumpId = payload.dump;
    const dump = await findDump(app.metabase, dumpId);
    // A zip that is whole but whose mail failed stays offered on the Tools page.
    if (dump?.state === 'ready') return;
    const file = dumpFile(app, job.database_name!, dumpId);
    await rm(file, { force: true });
    await rm(`${file}.partial`, { force: true });
    await updateDump(app.metabase, dumpId, {
      state: 'failed',
      error: error instanceof Error ? error.message.slice(0, 500) : 'failed',
    });
  },
});
