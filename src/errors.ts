/**
 * Errors are values with a code the API maps to a status. Messages are written for the
 * support agent who will read them on the Tools page.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class BadRequest extends DomainError {
  constructor(message: string) {
    super('bad_request', 400, message);
  }
}
export class Unauthenticated extends DomainError {
  constructor(message = 'You are not logged in, or your session expired.') {
    super('unauthenticated', 401, message);
  }
}
export class NotAllowed extends DomainError {
  constructor(message: string) {
    super('not_allowed', 403, message);
  }
}
export class NotFound extends DomainError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}
export class Conflict extends DomainError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}
export class Invalid extends DomainError {
  constructor(message: string) {
    super('invalid', 422, message);
  }
}
/** An outside service the platform depends on (the upgrade platform) failed or could not be reached. */
export class UpstreamFailed extends DomainError {
  constructor(message: string) {
    super('upstream_failed', 502, message);
  }
}
export class UnsupportedMediaType extends DomainError {
  constructor(message = 'This request needs a JSON body (Content-Type: application/json).') {
    super('unsupported_media_type', 415, message);
  }
}
export class TooManyRequests extends DomainError {
  constructor(
    message: string,
    /** Sent as Retry-After when known. */
    readonly retryAfterSeconds?: number,
  ) {
    super('too_many_requests', 429, message);
  }
}
/**
 * Socket errors and PostgreSQL codes that mean "the database server is not there right now"
 * (stopped, restarting, failing over), as opposed to a query it refused: admin shutdown, crash
 * shutdown, starting up, and the connection-exception class 08.
 */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03']);
const UNREACHABLE_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Connection ended unexpectedly)/;

/** True when `e` says a database server could not be reached, rather than that it refused a query. */
export function isDatabaseUnreachable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e instanceof DomainError) return e.status === 503;
  const { code, syscall } = e as { code?: unknown; syscall?: unknown };
  // A missing unix socket is a stopped server; any other missing file is not an outage.
  if (code === 'ENOENT') return syscall === 'connect';
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return UNREACHABLE_MESSAGES.test(e.message);
}
