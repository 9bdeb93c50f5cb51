/**
 * What the table keeps of a secret token (session id, invite code, reset
 * link): its SHA-256, base64url. The tokens carry 144 to 256 random bits, so
 * a fast unsalted hash is enough: nobody can search that space, and a table
 * export, backup or restore then holds no live credential.
 */
import { createHash } from 'node:crypto';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** A SHA-256 in base64url is 43 characters of [A-Za-z0-9_-]. */
export const TOKEN_HASH_PATTERN = '^[A-Za-z0-9_-]{43}$';
