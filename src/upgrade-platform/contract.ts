import { PlatformError } from './errors.js';

/** An Odoo Enterprise subscription code, as the platform accepts it. */
const CONTRACT = /^M[0-9A-Za-z]{6,32}$/;

/**
 * Upgrades need an Odoo Enterprise contract: a missing code, one that is not a subscription
 * code, or one the platform revoked is a ContractError (what upgrade.odoo.com answers).
 */
export function checkContract(contract: string | undefined | null, revoked: ReadonlySet<string>): void {
  const code = (contract ?? '').trim();
  if (!code) {
    throw new PlatformError(
      'ContractError',
      'This database has no enterprise subscription code: upgrades need an Odoo Enterprise contract.',
    );
  }
  if (!CONTRACT.test(code)) {
    throw new PlatformError('ContractError', `The contract "${code.slice(0, 40)}" is not valid: it is not an Odoo Enterprise subscription code.`);
  }
  if (revoked.has(code)) {
    throw new PlatformError('ContractError', `The contract ${code} is not valid: it was revoked.`);
  }
}
