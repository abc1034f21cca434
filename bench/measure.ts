/** Milliseconds of each of `n` sequential calls, after `warmup` unmeasured ones. */
export async function timings(
  n: number,
  fn: (i: number) => Promise<unknown>,
  warmup = Math.min(50, n),
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return out;
}

/** Nearest-rank percentile. */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summary(samples: number[]): { n: number; p50: number; p99: number } {
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** Runs `fn` once; answers its result and its milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

/**
 * Samples this process's resident set size every 20 ms; `peak()` is the highest since start or
 * reset, `atPeak()` where the memory was at that sample (V8's heap, ArrayBuffers: the rest of
 * RSS is native, threads' heaps and malloc's arenas included).
 */
export function rssSampler() {
  let peakUsage = process.memoryUsage();
  const sample = () => {
    const now = process.memoryUsage();
    if (now.rss > peakUsage.rss) peakUsage = now;
  };
  const timer = setInterval(sample, 20);
  return {
    reset: () => (peakUsage = process.memoryUsage()),
    peak: () => (sample(), peakUsage.rss),
    atPeak: () => peakUsage,
    stop: () => {
      clearInterval(timer);
      sample();
      return peakUsage.rss;
    },
  };
}

/** Milliseconds of each of `n` calls made by `agents` callers at once (each starts its next call when one ends). */
export async function concurrentTimings(
  n: number,
  agents: number,
  fn: (i: number) => Promise<unknown>,
): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  const agent = async () => {
    while (next < n) {
      const i = next++;
      const start = process.hrtime.bigint();
      await fn(i);
      out.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: agents }, agent));
  return out;
}
