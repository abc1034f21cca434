/** Support levels, lowest first. A check is always `level >= accessMap[key]`. */
export const DEFAULT_LEVELS: Record<number, string> = {
  0: 'Viewer',
  1: 'Helpdesk',
  2: 'Functional Support',
  3: 'Technical Support',
  4: 'SaaS Office',
  5: 'Infrastructure',
};

/** Operation key → minimum level. */
export const DEFAULT_ACCESS_MAP: Record<string, number> = {
  support_logs: 1,
  company_users: 1,
  ping: 1,
  /** The hosting servers' list with their load and health (GET /api/servers, the Servers page). */
  servers: 1,
  expire_date: 2,
  toggle_free: 2,
  duplicate: 2,
  drop: 2,
  email_limit: 2,
  oauth_admin: 2,
  admin_rights: 2,
  dump: 2,
  migration: 2,
  custom_domain: 2,
  impersonation: 3,
  duplicate_limit: 3,
  security_features: 3,
  restore: 3,
  tech_logs: 3,
  iap_accounts: 3,
  lock: 4,
  /** Impersonating a tenant administrator (base.group_system). */
  impersonation_admin: 4,
  iap_credits: 4,
  /** Restoring a dropped (or removed) database from its backups. */
  restore_dropped: 4,
  import_dump: 4,
  /** The local SMTP catcher's messages (embedded default only). */
  outbox: 4,
  /** The whole support history as a file (GET /api/support-logs/export). */
  support_logs_export: 4,
  /** Seeing and rotating the password of the technical log files. */
  tech_logs_password: 4,
};

export interface LevelLimits {
  /** A trial may be extended up to today + this many days. */
  trialDays: number;
  /** Highest daily e-mail limit this level may set. */
  emailLimit: number;
  /** Highest duplicates limit this level may set; null: none. */
  duplicateLimit: number | null;
  /** A duplicate's life may be extended up to now + this many days. */
  duplicateExtensionDays: number;
}

/** Limits grow with the level; a level absent here has none (everything bounded to 0). */
export const DEFAULT_LIMITS: Record<number, LevelLimits> = {
  2: { trialDays: 30, emailLimit: 1_000, duplicateLimit: null, duplicateExtensionDays: 2 },
  3: { trialDays: 90, emailLimit: 5_000, duplicateLimit: 10, duplicateExtensionDays: 7 },
  4: { trialDays: 365, emailLimit: 50_000, duplicateLimit: 50, duplicateExtensionDays: 30 },
  5: { trialDays: 3_650, emailLimit: 1_000_000, duplicateLimit: 500, duplicateExtensionDays: 90 },
};
