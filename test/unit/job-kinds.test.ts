import { describe, expect, test } from 'vitest';
import { jobDefinitions } from '../../src/jobs/kinds.js';
import { JOB_KINDS } from '../../web/src/job-kinds.js';

describe('the console’s words for jobs', () => {
  test('every step of every kind of job has words for agents, and no word is for a step that no longer exists', () => {
    const platform = Object.fromEntries(
      jobDefinitions.map((d) => [d.kind, d.steps.map((s) => s.name).sort()]),
    );
    const console = Object.fromEntries(
      Object.entries(JOB_KINDS).map(([kind, k]) => [kind, Object.keys(k.steps).sort()]),
    );
    expect(console).toEqual(platform);
  });
});
