import { createHash, randomBytes } from 'node:crypto';

/**
 * Keys are 32 random bytes, so a fast hash is enough: there is nothing to brute-force that a slow hash would
 * protect. The prefix is stored in clear so people can tell their keys apart.
 */
export function generateApiKey(): string {
  return `wm_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export function keyPrefix(key: string): string {
  return key.slice(0, 10);
}
