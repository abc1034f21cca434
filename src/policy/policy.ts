import { createHmac } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { LevelLimits } from '../config/defaults.js';
import { NotAllowed } from '../errors.js';

const NO_LIMITS: LevelLimits = { trialDays: 0, emailLimit: 0, duplicateLimit: null, duplicateExtensionDays: 0 };

/**
 * Levels, the access map and the per-level limits, read from the configuration once.
 * Every permission decision in the product goes through `allows`.
 */
export class Policy {
  constructor(
    private readonly config: Pick<Config, 'levels' | 'accessMap' | 'limits'>,
    private readonly validationSecret: Buffer,
  ) {}

  levelName(level: number): string {
    return this.config.levels[level] ?? `Level ${level}`;
  }

  levels(): { value: number; name: string }[] {
    return Object.entries(this.config.levels)
      .map(([value, name]) => ({ value: Number(value), name }))
      .sort((a, b) => a.value - b.value);
  }

  minimumLevel(key: string): number {
    // An operation key missing from the access map is nobody's: fail closed.
    return this.config.accessMap[key] ?? Number.POSITIVE_INFINITY;
  }

  allows(level: number, key: string): boolean {
    return level >= this.minimumLevel(key);
  }

  /**
   * The one refusal: operations (the registry) and routes (the server) both check through
   * here, so the rule and its message are the same everywhere.
   */
  require(level: number, key: string, what: string): void {
    if (this.allows(level, key)) return;
    const minimum = this.minimumLevel(key);
    if (!Number.isFinite(minimum)) throw new NotAllowed(`${what} is not in the access map: no level may do it.`);
    throw new NotAllowed(
      `${what} needs the ${this.levelName(minimum)} level; yours is ${this.levelName(level)}.`,
    );
  }

  accessMap(): Record<string, number> {
    return { ...this.config.accessMap };
  }

  /** The limits of the highest configured level at or below this one. */
  limits(level: number): LevelLimits {
    const eligible = Object.keys(this.config.limits)
      .map(Number)
      .filter((l) => l <= level)
      .sort((a, b) => b - a);
    return eligible.length ? this.config.limits[eligible[0]] : NO_LIMITS;
  }

  allLimits(): Record<number, LevelLimits> {
    return { ...this.config.limits };
  }

  /**
   * A number the agent must type back before a destructive operation: it proves they looked
   * at this database's page, for this operation. It changes every day.
   */
  validationNumber(agentId: number, database: string, operation: string, day = new Date()): string {
    const mac = createHmac('sha256', this.validationSecret)
      .update(`${agentId}\0${database}\0${operation}\0${day.toISOString().slice(0, 10)}`)
      .digest();
    return String(mac.readUInt32BE(0) % 900_000 + 100_000);
  }
}
