import { defineConfig } from 'vitest/config';

// One real platform (clusters, seeded demo, nginx, HTTP server) for the whole run: both projects
// that need it name it, and it boots once per run however many of them run (see global-setup.ts).
const globalSetup = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Pages and jobs answer within a second on an idle machine, not on a loaded 2-core one: a poll
    // waits up to 10 s for what must happen (it still fails when it never does).
    expect: { poll: { timeout: 10_000 } },
    projects: [
      // Boots nothing: `npx vitest run --project unit` answers in seconds.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup } },
    ],
  },
});
