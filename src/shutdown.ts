import type { Logger } from 'pino';

/** One thing to stop, in the order the process stops them. */
export interface StopStep {
  /** Said in the log: "stopped <name>". */
  name: string;
  stop(): Promise<unknown>;
  /**
   * What a forced stop does instead (a second Ctrl-C, or this step outlasting its time):
   * kill outright, PostgreSQL's immediate shutdown. Steps without one simply are not waited for.
   */
  force?(): Promise<unknown>;
  /** How long the clean stop may take before the step is forced; 30 s when not given. */
  timeoutMs?: number;
}

const DEFAULT_STEP_MS = 30_000;
const REPEAT_MS = 1_000;

function within<T>(p: Promise<T>, ms: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then((value) => ({ done: true as const, value })),
    new Promise<{ done: false }>((resolve) => (timer = setTimeout(() => resolve({ done: false }), ms))),
  ]).finally(() => clearTimeout(timer));
}

export interface Stopper {
  /**
   * Called between the steps of the start. Once a stop was asked for, it never resolves: the
   * start ends there and the stop steps run (a start cannot be cut in the middle of a step
   * without leaving that step's half behind).
   */
  checkpoint(): Promise<void>;
  /** The start is over: a signal now stops at once. */
  started(): void;
  /** The start failed: stop what it started, then exit with `code`. */
  failed(code: number): Promise<void>;
}

/**
 * Stops the process's pieces in order on SIGINT, SIGTERM or SIGHUP (a closed terminal), then
 * exits 0. A step that fails is logged and the next one still runs: a stop that gives up half
 * way leaves clusters and child processes behind, which is worse than any error here. A second
 * signal forces what is left (every remaining step's `force`, in order) and exits 130.
 */
export function stopOnSignals(
  log: Logger,
  steps: StopStep[],
  exit: (code: number) => void = (code) => process.exit(code),
): Stopper {
  let stopping: Promise<void> | undefined;
  let forcing = false;
  let next = 0;
  let starting = true;
  let reachedCheckpoint: () => void = () => undefined;
  const checkpointReached = new Promise<void>((resolve) => (reachedCheckpoint = resolve));

  const force = async () => {
    forcing = true;
    log.warn('forcing the stop: killing what is still running');
    for (const step of steps.slice(next)) {
      await step
        .force?.()
        .catch((err: Error) => log.error({ step: step.name, err: err.message }, 'could not force the stop'));
    }
    exit(130);
  };

  const stop = async (reason: string, code: number) => {
    // Pieces being stopped may still fail late (a batch flushed to a metabase that is going
    // away): logged, they must not end the process before the clusters are stopped.
    process.on('unhandledRejection', (err) =>
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'while stopping'),
    );
    if (starting) {
      log.info({ reason }, 'stopping once the current start step is done (press Ctrl-C again to force)');
      await checkpointReached;
    } else {
      log.info({ reason }, 'stopping (press Ctrl-C again to force)');
    }
    for (; next < steps.length; next++) {
      if (forcing) return;
      const step = steps[next];
      const started = Date.now();
      const outcome = await within(
        step
          .stop()
          .catch((err: Error) => log.error({ step: step.name, err: err.message }, 'stop step failed')),
        step.timeoutMs ?? DEFAULT_STEP_MS,
      );
      if (forcing) return;
      if (!outcome.done) {
        log.warn({ step: step.name, ms: Date.now() - started }, 'took too long to stop: forcing it');
        await step
          .force?.()
          .catch((err: Error) =>
            log.error({ step: step.name, err: err.message }, 'could not force the stop'),
          );
        log.info({ ms: Date.now() - started, forced: true }, `stopped ${step.name}`);
      } else {
        log.info({ ms: Date.now() - started }, `stopped ${step.name}`);
      }
    }
    log.info('stopped');
    exit(code);
  };

  let firstAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) {
      firstAt = Date.now();
      stopping = stop(signal, 0);
      return;
    }
    // One Ctrl-C reaches this process more than once: from the terminal (the whole foreground
    // process group) and again relayed by npm and tsx. A person's second press comes later.
    if (Date.now() - firstAt < REPEAT_MS) return;
    if (!forcing) void force();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  return {
    checkpoint() {
      if (!stopping) return Promise.resolve();
      reachedCheckpoint();
      return new Promise<void>(() => undefined);
    },
    started() {
      starting = false;
      reachedCheckpoint();
    },
    failed(code) {
      starting = false;
      reachedCheckpoint();
      stopping ??= stop('the start failed', code);
      return stopping;
    },
  };
}
