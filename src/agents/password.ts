import argon2 from 'argon2';

/**
 * How an agent's console password is stored (agent.password_hash): argon2id. Here rather than
 * in api/auth.ts because the CLI (agent create/passwd) and the demo seed hash passwords too.
 */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}
