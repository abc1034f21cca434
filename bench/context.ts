import type { App } from '../src/app.js';
import type { HostingServerRow } from '../src/metabase/schema.js';

/** What every benchmark case is given: the bench's own platform, seeded with the demo, serving HTTP. */
export interface BenchContext {
  app: App;
  server: HostingServerRow;
  baseUrl: string;
  demoPassword: string;
}

/** One line of the result table: a subject measured against a raw baseline in the same run. */
export interface BenchRow {
  subject: string;
  n: number;
  p50: number;
  p99: number;
  baseline?: { subject: string; p50: number; p99: number };
}

export interface BenchCase {
  name: string;
  /** One line: what is measured against what. */
  description: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

export function defineBenchCase(c: BenchCase): BenchCase {
  return c;
}
