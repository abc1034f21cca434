import { PlatformError } from './errors.js';

/** The key types OpenSSH accepts that a client's ssh-keygen makes; DSA and the rest are refused. */
const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/**
 * The caller's public key (the text of its `.pub` file), reduced to `type base64`: the comment
 * and anything else are dropped, so what the caller sent can never add options to the line the
 * platform writes in the SSH server's authorized keys (a `command=` of its own, a newline).
 * The base64 blob must start with the type it claims, as OpenSSH's own encoding does.
 */
export function parsePublicKey(text: unknown): string {
  const line = typeof text === 'string' ? text.trim() : '';
  const m = /^([a-z0-9@.-]{1,64}) ([A-Za-z0-9+/]{40,16384}={0,2})(?: [^\r\n]{0,500})?$/.exec(line);
  if (!m || !KEY_TYPES.has(m[1])) {
    throw new PlatformError('ValidationError', 'ssh_key must be an SSH public key (the text of a .pub file: ssh-ed25519, ssh-rsa or ecdsa).');
  }
  const blob = Buffer.from(m[2], 'base64');
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  if (length !== m[1].length || blob.subarray(4, 4 + length).toString('latin1') !== m[1]) {
    throw new PlatformError('ValidationError', 'ssh_key is not a valid SSH public key: its data does not match its type.');
  }
  return `${m[1]} ${m[2]}`;
}
