import type { App } from '../app.js';
import { TooManyRequests } from '../errors.js';

/**
 * The live tails this process is serving. Each one holds an HTTP connection and reads its log
 * file five times a second, so they are bounded per agent (a few browser tabs) and in total (the
 * server's file reads). Counted in memory on purpose: a tail is a connection of this process and
 * ends with it, so there is nothing a restart would need to find again.
 */
export class TailSlots {
  private readonly byAgent = new Map<number, number>();
  private total = 0;

  constructor(private readonly limits: { perAgent: number; total: number }) {}

  /** Takes a slot for `agentId`, or refuses with 429; the answer gives the slot back (once). */
  take(agentId: number): () => void {
    const mine = this.byAgent.get(agentId) ?? 0;
    if (mine >= this.limits.perAgent) {
      throw new TooManyRequests(
        `You already follow ${mine} live logs, the most one agent may: close one (another tab or window) first.`,
        5,
      );
    }
    if (this.total >= this.limits.total) {
      throw new TooManyRequests(
        `${this.total} live logs are followed already, the most the platform serves at once: try again in a moment, or search the logs instead.`,
        30,
      );
    }
    this.byAgent.set(agentId, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byAgent.get(agentId) ?? 1) - 1;
      if (left > 0) this.byAgent.set(agentId, left);
      else this.byAgent.delete(agentId);
    };
  }
}

const slotsOfApp = new WeakMap<App, TailSlots>();

/** The tail slots of one running app, sized by its configuration. */
export function tailSlots(app: App): TailSlots {
  let slots = slotsOfApp.get(app);
  if (!slots) {
    slots = new TailSlots({ perAgent: app.config.logs.tailsPerAgent, total: app.config.logs.tailsTotal });
    slotsOfApp.set(app, slots);
  }
  return slots;
}
