import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { DEMO_PASSWORD } from '../support/env.js';
import { fuzzProperties, fuzzPropertyNames, prepareFuzzTarget, type FuzzProperty } from '../support/fuzz.js';
import { baseUrl, connectTestApp } from '../support/platform.js';

/**
 * Bad input of every kind on every route: whatever arrives in the path, the query or the body,
 * the answer is a 2xx or a 4xx with `{error: {code, message}}`, never a 5xx or a stack trace.
 * The arbitraries live in test/support/fuzz.ts; `npm run bench -- fuzz` runs the same
 * properties with 10,000+ cases. Here a few per property keep the suite fast.
 */
let app: App & { close(): Promise<void> };
let properties: FuzzProperty[] = [];
const NUM_RUNS = 50;

beforeAll(async () => {
  app = await connectTestApp();
  const target = await prepareFuzzTarget(app, baseUrl(), DEMO_PASSWORD);
  properties = fuzzProperties(target, (res, what, problem) => expect(problem, `${what} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`).toBeUndefined());
});
afterAll(() => app.close());


describe('bad input on every route', () => {
  for (const name of fuzzPropertyNames()) {
    it(`${name} answers 2xx or 4xx with {error} to anything`, async () => {
      const found = properties.find((p) => p.name === name);
      expect(found, name).toBeDefined();
      await fc.assert(found!.property, { numRuns: NUM_RUNS });
    });
  }
});
