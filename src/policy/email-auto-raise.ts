import { z } from 'zod';
import type { BadgeColor } from './email-badge.js';

/**
 * The nightly automatic change of the daily e-mail limit: a green database goes one step up the
 * ladder (times `factor`, up to its plan's cap), a red one one step down (divided by `factor`,
 * not below `floor`), an orange one stays. Policy file key `emailAutoRaise`.
 */
export const emailAutoRaiseSchema = z
  .object({
    /** Crontab fields (UTC) of the nightly run. */
    cron: z.string().min(9),
    factor: z.number().min(1),
    floor: z.number().int().min(0),
    caps: z.object({ trial: z.number().int().min(0), paid: z.number().int().min(0) }).strict(),
  })
  .strict();

export type EmailAutoRaisePolicy = z.infer<typeof emailAutoRaiseSchema>;

export const DEFAULT_EMAIL_AUTO_RAISE: EmailAutoRaisePolicy = {
  cron: '30 2 * * *',
  factor: 2,
  floor: 20,
  caps: { trial: 200, paid: 10_000 },
};

export const emailAutoRaiseFileSchema = emailAutoRaiseSchema
  .extend({ caps: emailAutoRaiseSchema.shape.caps.partial() })
  .partial();

/** The limit the nightly job would set (the same limit when it leaves the database alone). */
export function nextAutomaticLimit(
  color: BadgeColor,
  current: number,
  mode: 'trial' | 'paid' | 'drop',
  policy: EmailAutoRaisePolicy,
): number {
  const cap = mode === 'paid' ? policy.caps.paid : policy.caps.trial;
  if (color === 'green')
    return Math.max(current, Math.min(cap, Math.round(Math.max(current, 1) * policy.factor)));
  if (color === 'red') return Math.min(current, Math.max(policy.floor, Math.floor(current / policy.factor)));
  return current;
}
