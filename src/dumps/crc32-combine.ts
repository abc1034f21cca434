/**
 * CRC-32 (the zip one, reflected polynomial 0xEDB88320) of A followed by B, from crc(A), crc(B)
 * and B's length: what lets chunks deflated in parallel each compute their own CRC. Node has
 * zlib.crc32 but not zlib's crc32_combine, so this is that math: appending B to A multiplies
 * crc(A) by x^(8·len(B)) modulo the polynomial, in GF(2), before adding crc(B).
 */

const POLY = 0xedb88320;

/** a·b modulo the CRC polynomial; bit 31 stands for x^0 (the reflected order CRC-32 uses). */
function multiplyModP(a: number, b: number): number {
  let product = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if (a & m) product ^= b;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** POWERS[k] = x^(2^k) modulo the polynomial: squaring the previous one, from x^1. */
const POWERS: number[] = [];
for (let p = 0x40000000, k = 0; k < 64; k++) {
  POWERS.push(p);
  p = multiplyModP(p, p);
}

/** x^(8·bytes) modulo the polynomial, by squaring (bytes may exceed 2^32: no 32-bit shifts on it). */
function shiftByBytes(bytes: number): number {
  let result = 0x80000000;
  let n = bytes;
  for (let k = 3; n > 0; k++, n = Math.floor(n / 2)) {
    if (n % 2) result = multiplyModP(POWERS[k], result);
  }
  return result;
}

export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) throw new RangeError(`invalid length ${lengthB}`);
  return (multiplyModP(shiftByBytes(lengthB), crcA >>> 0) ^ (crcB >>> 0)) >>> 0;
}
