import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real platform (cluster, seeded demo, HTTP server) for the whole run.
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Pages and jobs answer within a second on an idle machine, not on a loaded 2-core one: a poll
    // waits up to 10 s for what must happen (it still fails when it never does).
    expect: { poll: { timeout: 10_000 } },
  },
});
