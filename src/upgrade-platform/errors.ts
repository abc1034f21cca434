import { DomainError } from '../errors.js';

/**
 * The exceptions the upgrade platform answers with, named as Odoo names them in a JSON-RPC
 * error's `data.name` (the protocol in docs/upgrade-protocol.md). The HTTP status is only used
 * by the two endpoints that are not JSON-RPC (upload, download); JSON-RPC answers 200.
 */
export type PlatformErrorName = 'ContractError' | 'ValidationError' | 'AccessDenied' | 'NotFound' | 'StateError';

const STATUS: Record<PlatformErrorName, number> = {
  ContractError: 422,
  ValidationError: 422,
  AccessDenied: 403,
  NotFound: 404,
  StateError: 409,
};

export class PlatformError extends DomainError {
  constructor(
    readonly odooName: PlatformErrorName,
    message: string,
  ) {
    super(odooName, STATUS[odooName], message);
  }
}

/** The error body, as Odoo's JSON-RPC dispatcher writes one. */
export function errorBody(e: PlatformError): { code: number; message: string; data: { name: string; message: string } } {
  return { code: 200, message: 'Odoo Server Error', data: { name: e.odooName, message: e.message } };
}
