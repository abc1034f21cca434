import { dumpDownloadUrl } from '../dumps/link.js';
import { latestDumpOf } from '../metabase/repositories/dumps.js';
import { defineTool } from './define.js';

/** `tools.dump`: the latest dump of the database; `url` only while it can be downloaded. */
export const dumpTool = defineTool({
  key: 'dump',
  applies: (database) => database.state === 'active',
  async model({ app, database, now }) {
    const dump = await latestDumpOf(app.metabase, database.name);
    if (!dump) return { state: null, date: null, url: null, size: null };
    const live = dump.state === 'ready' && !!dump.expires_at && dump.expires_at > now;
    return {
      id: dump.id,
      state: dump.state === 'ready' && !live ? 'expired' : dump.state,
      date: dump.ready_at ?? dump.created_at,
      url: live ? dumpDownloadUrl(app, dump.id, dump.expires_at!) : null,
      size: dump.size,
      expiresAt: dump.expires_at,
      email: dump.email,
      error: dump.error,
    };
  },
});
