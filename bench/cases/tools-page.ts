import { sql } from 'kysely';
import { findAgentByLogin } from '../../src/metabase/repositories/agents.js';
import { toolsPage } from '../../src/tools/page.js';
import { loginOverHttp } from '../agent-session.js';
import { defineBenchCase } from '../context.js';
import { summary, timings } from '../measure.js';

const N = 500;
const DATABASE = 'acme-bakery';

export default defineBenchCase({
  name: 'tools-page',
  description: `Tools page model of ${DATABASE} (level 5: every section) vs a raw single-row metabase SELECT by name`,
  async run({ app, baseUrl, demoPassword }) {
    const agent = (await findAgentByLogin(app.metabase, 'infra'))!;
    const raw = summary(
      await timings(N, () => sql`SELECT * FROM database WHERE name = ${DATABASE}`.execute(app.metabase)),
    );
    const inProcess = summary(await timings(N, () => toolsPage(app, agent, DATABASE)));

    const { cookie } = await loginOverHttp(baseUrl, 'infra', demoPassword);
    const overHttp = summary(
      await timings(N, async () => {
        const res = await fetch(`${baseUrl}/api/databases/${DATABASE}`, { headers: { cookie } });
        if (!res.ok) throw new Error(`tools page: ${res.status}`);
        await res.arrayBuffer();
      }),
    );
    const baseline = { subject: 'raw SELECT by name', p50: raw.p50, p99: raw.p99 };
    return [
      { subject: 'toolsPage() in process', ...inProcess, baseline },
      { subject: 'GET /api/databases/:name (HTTP)', ...overHttp, baseline },
    ];
  },
});
