import type pg from 'pg';
import type { App } from '../src/app.js';
import type { HostingServerRow } from '../src/metabase/schema.js';

/** What every benchmark case is given: the bench's own platform, seeded with the demo, serving HTTP. */
export interface BenchContext {
  app: App;
  server: HostingServerRow;
  baseUrl: string;
  demoPassword: string;
  /** The bench's own folder (removed at the end of the run): scratch files go here. */
  dataDir: string;
  /** How the platform's worker pool connects to the metabase (graphile-worker's schema lives there). */
  metabaseConnection: pg.PoolConfig;
  /** Starts the platform's job worker once per run (the cases that enqueue jobs need it). */
  startWorker(): Promise<void>;
}

/** A p50/p99 line: `n` calls of a subject measured against a raw baseline in the same run. */
export interface TimingRow {
  subject: string;
  n: number;
  p50: number;
  p99: number;
  baseline?: { subject: string; p50: number; p99: number };
}

/** One measured quantity: a duration, a size, or a rate (higher is faster). */
export type Quantity = { ms: number } | { bytes: number } | { rate: number; per: string };

/**
 * A single measurement (one long operation, a peak, a rate), with its raw baseline measured in
 * the same run when there is one (the ratio is ours / baseline), or alone as an extra figure.
 */
export interface SingleRow {
  subject: string;
  value: Quantity;
  /** Context for the figure: what it is made of, the goal. */
  note?: string;
  baseline?: { subject: string; value: Quantity };
}

export type BenchRow = TimingRow | SingleRow;

export function isSingle(row: BenchRow): row is SingleRow {
  return 'value' in row;
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
