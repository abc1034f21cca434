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
