import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface HostingServerTable {
  id: Generated<number>;
  name: string;
  host: string;
  port: number;
  superuser: string;
  password: string | null;
  filestore_root: string;
  backup_root: string;
  log_dir: string;
  config_dir: string;
  created_at: CreatedAt;
  /** The front end's loopback address (inet, read as text); null when we do not run its nginx. */
  front_address: string | null;
  front_http_port: number | null;
  front_https_port: number | null;
}

export type DatabaseMode = 'trial' | 'paid' | 'drop';
export type DatabaseState = 'creating' | 'active' | 'removing' | 'removed';

export interface DatabaseTable {
  id: Generated<number>;
  name: string;
  uuid: string;
  mode: DatabaseMode;
  extra_apps: boolean;
  status: string;
  expire_date: Timestamp | null;
  version: string;
  subcode: string | null;
  server_id: number;
  create_date: ColumnType<Date, Date | string | undefined, Date | string>;
  duplicate_of: string | null;
  secure: boolean;
  email_daily_count: number;
  email_daily_limit: number;
  ext_email_daily_count: number;
  email_total_count: ColumnType<number, number | undefined, number>;
  duplicate_limit: number;
  /**
   * `creating` (a duplicate being copied), `active`, `removing` (the reaper is dropping it), or
   * `removed`: the row stays as history after the database is gone.
   */
  state: ColumnType<DatabaseState, DatabaseState | undefined, DatabaseState>;
  /** Why the maintenance lock was set (status contains `maintenance`). */
  lock_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** The status the lock replaced, put back by unlock. */
  status_before_lock: ColumnType<string | null, string | null | undefined, string | null>;
  last_ping_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  email_limit_pinned_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  email_limit_pin_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** No rolling release is processed for the database until then (an agent's lock on a trial). */
  rolling_release_locked_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface AgentTable {
  id: Generated<number>;
  login: string;
  name: string;
  level: number;
  password_hash: string | null;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

export interface AgentSessionTable {
  /** sha256 of the cookie value: a leaked table does not leak sessions. */
  id: string;
  agent_id: number;
  csrf_token: string;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
}

export interface ApiTokenTable {
  id: Generated<number>;
  agent_id: number;
  name: string;
  token_hash: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  expires_at: Timestamp;
}

/** Login attempts in the current window, per key (a login, or a login from one address). */
export interface LoginThrottleTable {
  key: string;
  attempts: number;
  window_start: Timestamp;
}

export interface SupportLogTable {
  id: Generated<number>;
  at: CreatedAt;
  agent_id: number | null;
  agent_login: string;
  agent_level: number;
  operation: string;
  database_name: string;
  inputs: ColumnType<Record<string, unknown>, string, string>;
  outcome: 'success' | 'failure';
  message: string | null;
  request_id: string | null;
  /** The hash of the entry before this one (the chain `dbtools audit verify` checks). */
  prev_hash: string;
  /** sha256 of this entry's fields and prev_hash (src/audit/chain.ts). */
  hash: string;
}

export type JobState = 'queued' | 'running' | 'completed' | 'failed';

export interface JobTable {
  id: Generated<number>;
  kind: string;
  database_name: string | null;
  agent_id: number | null;
  state: ColumnType<JobState, JobState | undefined, JobState>;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  done_steps: ColumnType<string[], string[] | undefined, string[]>;
  step: string | null;
  progress: ColumnType<number, number | undefined, number>;
  eta: Timestamp | null;
  attempts: ColumnType<number, number | undefined, number>;
  worker_id: string | null;
  heartbeat_at: Timestamp | null;
  result: ColumnType<unknown, string | null | undefined, string | null>;
  error: string | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface PlatformSettingTable {
  key: string;
  value: string;
}

export interface ImpersonationSessionTable {
  id: Generated<number>;
  database_name: string;
  agent_id: number;
  agent_login: string;
  /** res_users.id in the tenant. */
  user_id: number;
  user_login: string;
  user_name: string | null;
  reason: string;
  /** sha256 of the signed token: the token itself leaves the server once, in the login URL. */
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  stopped_at: Timestamp | null;
}

export interface CentralAccountTable {
  id: Generated<number>;
  login: string;
  name: string | null;
  created_at: CreatedAt;
}

/** What Odoo's publisher-warranty ping reports (addons/mail/models/update.py `_get_message`). */
export interface DatabaseUsage {
  users: number;
  activeUsers: number;
  shareUsers: number;
  activeShareUsers: number;
  apps: string[];
  version: string | null;
  createDate: string | null;
  enterpriseCode: string | null;
}

export interface DatabasePingTable {
  id: Generated<number>;
  database_name: string;
  at: Timestamp;
  status: 'OK' | 'KO';
  usage: ColumnType<DatabaseUsage | null, string | null, string | null>;
  reason: string | null;
}

export interface EmailRelayCredentialTable {
  database_name: string;
  smtp_user: string;
  password_hash: string;
  created_at: CreatedAt;
}

export interface EmailRelayDayTable {
  database_name: string;
  /** The relay day (YYYY-MM-DD), which starts at the configured UTC hour. */
  day: ColumnType<string, string, string>;
  sent: ColumnType<number, number | undefined, number>;
  refused: ColumnType<number, number | undefined, number>;
  hard_bounces: ColumnType<number, number | undefined, number>;
  soft_bounces: ColumnType<number, number | undefined, number>;
  complaints: ColumnType<number, number | undefined, number>;
  daily_limit: number | null;
}

/** A report the bounce endpoint counted: one per signed bounce address and outcome. */
export interface EmailRelayReportTable {
  database_name: string;
  bounce_tag: string;
  outcome: 'hard_bounces' | 'soft_bounces' | 'complaints';
  received_at: CreatedAt;
}

export interface IapCreditLedgerTable {
  id: Generated<number>;
  /** The tenant's iap_account.account_token, without a `+disabled` suffix. */
  account_token: string;
  service_name: string;
  database_name: string;
  credits: number;
  reason: string;
  agent_login: string | null;
  at: CreatedAt;
}

export type BackupKind = 'daily' | 'weekly' | 'monthly' | 'manual' | 'safety';
export type BackupState = 'running' | 'ready' | 'failed';

export interface BackupTable {
  id: Generated<number>;
  database_name: string;
  database_uuid: string;
  server_id: number;
  kind: BackupKind;
  state: ColumnType<BackupState, BackupState | undefined, BackupState>;
  path: string;
  size: ColumnType<number | null, number | null | undefined, number | null>;
  checksum: string | null;
  version: string;
  job_id: number | null;
  agent_id: number | null;
  taken_at: Timestamp;
  finished_at: Timestamp | null;
  error: string | null;
}

export type DumpState = 'preparing' | 'ready' | 'failed' | 'expired';

export interface DumpTable {
  id: Generated<number>;
  database_name: string;
  state: ColumnType<DumpState, DumpState | undefined, DumpState>;
  email: string;
  path: string | null;
  size: ColumnType<number | null, number | null | undefined, number | null>;
  job_id: number | null;
  agent_id: number | null;
  created_at: CreatedAt;
  ready_at: Timestamp | null;
  expires_at: Timestamp | null;
  error: string | null;
}

export interface MoveRollbackCopyTable {
  id: Generated<number>;
  database_name: string;
  server_id: number;
  copy_name: string;
  filestore_path: string;
  job_id: number;
  keep_until: Timestamp;
  created_at: CreatedAt;
  removed_at: Timestamp | null;
}

export type DnsStatus =
  | 'pending'
  | 'ok'
  | 'wrong_target'
  | 'conflicting_records'
  | 'caa_blocked'
  | 'servfail'
  | 'nxdomain'
  | 'cdn_proxy';
export type CertStatus = 'pending' | 'issuing' | 'active' | 'renewing' | 'failed' | 'expired';

type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;
type NullableTime = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface DomainTable {
  id: Generated<number>;
  /** ASCII (IDNA) form, lower case. */
  domain: string;
  database_name: string;
  dns_status: ColumnType<DnsStatus, DnsStatus | undefined, DnsStatus>;
  dns_seen: Nullable<string>;
  cert_status: ColumnType<CertStatus, CertStatus | undefined, CertStatus>;
  reason: Nullable<string>;
  issued_at: NullableTime;
  expires_at: NullableTime;
  renew_at: NullableTime;
  checked_at: NullableTime;
  attempts: ColumnType<number, number | undefined, number>;
  first_attempt_at: NullableTime;
  next_attempt_at: NullableTime;
  created_at: CreatedAt;
}

export type UpgradeMode = 'internal' | 'copy' | 'production' | 'rolling';
/** The upgrade agent's states, as agents read them in the history. */
export const UPGRADE_STATES = [
  'Queued',
  'Running',
  'Sent to Upgrade Platform',
  'To Restore on Cloud',
  'Done',
  'Failed',
  'cancelled (meta)',
] as const;
export type UpgradeState = (typeof UPGRADE_STATES)[number];

export interface UpgradeRequestTable {
  id: Generated<number>;
  database_name: string;
  mode: UpgradeMode;
  source_version: string;
  target: string;
  /** Receives every e-mail of this upgrade; null: the customer. */
  email: string | null;
  state: ColumnType<UpgradeState, UpgradeState | undefined, UpgradeState>;
  platform_request_id: number | null;
  /** The platform's token for this request (a secret: never on the page, only in links we build). */
  platform_key: string | null;
  /** The host the platform assigned to the request (`assigned_host_uri`): later calls go to https://<it>. */
  platform_host: string | null;
  platform_state: string | null;
  platform_archived: ColumnType<boolean, boolean | undefined, boolean>;
  log_tail: string | null;
  log_offset: ColumnType<number, number | undefined, number>;
  reason: string | null;
  result_database: string | null;
  job_id: number | null;
  agent_id: number | null;
  requested_at: Timestamp;
  sent_at: Timestamp | null;
  done_at: Timestamp | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface Metabase {
  hosting_server: HostingServerTable;
  database: DatabaseTable;
  agent: AgentTable;
  agent_session: AgentSessionTable;
  api_token: ApiTokenTable;
  login_throttle: LoginThrottleTable;
  support_log: SupportLogTable;
  platform_setting: PlatformSettingTable;
  job: JobTable;
  impersonation_session: ImpersonationSessionTable;
  central_account: CentralAccountTable;
  database_ping: DatabasePingTable;
  email_relay_credential: EmailRelayCredentialTable;
  email_relay_day: EmailRelayDayTable;
  email_relay_report: EmailRelayReportTable;
  iap_credit_ledger: IapCreditLedgerTable;
  backup: BackupTable;
  dump: DumpTable;
  move_rollback_copy: MoveRollbackCopyTable;
  domain: DomainTable;
  upgrade_request: UpgradeRequestTable;
}

export type DatabaseRow = Selectable<DatabaseTable>;
export type NewDatabase = Insertable<DatabaseTable>;
export type DatabaseUpdate = Updateable<DatabaseTable>;
export type AgentRow = Selectable<AgentTable>;
export type HostingServerRow = Selectable<HostingServerTable>;
export type SupportLogRow = Selectable<SupportLogTable>;
export type JobRow = Selectable<JobTable>;
export type ImpersonationSessionRow = Selectable<ImpersonationSessionTable>;
export type CentralAccountRow = Selectable<CentralAccountTable>;
export type DatabasePingRow = Selectable<DatabasePingTable>;
export type BackupRow = Selectable<BackupTable>;
export type DumpRow = Selectable<DumpTable>;
export type MoveRollbackCopyRow = Selectable<MoveRollbackCopyTable>;
export type DomainRow = Selectable<DomainTable>;
export type UpgradeRequestRow = Selectable<UpgradeRequestTable>;
