import { describe, expect, it } from 'vitest';
import type { OperationInput, OperationName } from '../../src/api/contract.js';
import { operations } from '../../src/operations/index.js';
import { AgentSession } from '../support/http.js';

/** Never called: its body is checked by the compiler only (a wrong call fails `tsc`, not the run). */
function typedCalls(session: AgentSession) {
  void session.run('db', 'extend-trial', { until: '2027-01-31' });
  void session.run('db', 'ping');
  void session.run('db', 'drop', { validation: '1234' });
  // @ts-expect-error an operation that is not registered
  void session.run('db', 'extend-trail', { until: '2027-01-31' });
  // @ts-expect-error a misspelt input field
  void session.run('db', 'set-email-limit', { limt: 10 });
  // @ts-expect-error a required field left out
  void session.run('db', 'impersonate', { user: 2 });
  // @ts-expect-error an input field of the wrong type
  void session.run('db', 'lock', { reason: 42 });
  // Hostile or deliberately wrong input goes through the untyped door.
  void session.runUntyped('db', 'no-such-operation', { anything: true });
}

describe('operation types', () => {
  it('every registered operation is named in the contract, with its input', () => {
    const names: OperationName[] = operations.map((op) => op.name);
    const reason: OperationInput<'lock'>['reason'] = 'maintenance';
    expect(new Set(names).size).toBe(operations.length);
    expect(reason).toBe('maintenance');
    expect(typeof typedCalls).toBe('function');
  });
});
