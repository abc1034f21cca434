import { z } from 'zod';
import { Conflict, NotFound } from '../errors.js';
import { iapBalances, insertIapCredits } from '../metabase/repositories/iap-credits.js';
import { ledgerToken } from '../tenant/iap-token.js';
import { listIapAccounts } from '../tenant/iap.js';
import { defineOperation } from './define.js';
import { int4Id, wholeNumber } from './inputs.js';

/** The most one grant may add: larger amounts are a sale, not a support gesture. */
export const MAX_IAP_GRANT = 10_000;

export const grantIapCredits = defineOperation({
  name: 'grant-iap-credits',
  access: 'iap_credits',
  title: 'Grant IAP credits',
  summary: `Adds credits to one of the database's IAP accounts (at most ${MAX_IAP_GRANT.toLocaleString('en')} per grant).`,
  input: z.object({
    account: int4Id().describe('The IAP account (iap_account id)'),
    credits: wholeNumber(1, MAX_IAP_GRANT).describe('Credits to add'),
    reason: z.string().trim().min(3).max(500).describe('Why (kept in the ledger and the support log)'),
  }),
  async run({ app, tx, database, agent, input, now }) {
    const [account] = await app.tenants.withTenant(database, (client) =>
      listIapAccounts(client, input.account),
    );
    if (!account) throw new NotFound(`There is no IAP account #${input.account} in ${database.name}.`);
    if (!account.accountToken || !account.service) {
      throw new Conflict(
        `IAP account #${account.id} has no token or service: Odoo has not registered it yet.`,
      );
    }
    const token = ledgerToken(account.accountToken);
    await insertIapCredits(tx, [
      {
        account_token: token,
        service_name: account.service,
        database_name: database.name,
        credits: input.credits,
        reason: input.reason,
        agent_login: agent.login,
        at: now,
      },
    ]);
    const balance = (await iapBalances(tx, [token])).get(token) ?? 0;
    return { account: account.id, service: account.service, credits: input.credits, balance };
  },
});
