/**
 * Hub JWTs a hostile client might present: signed with a wrong key, signed
 * with the right key but expired, unsigned (`alg: none`), or not a JWT at
 * all; and the real thing, for tests that need a valid one.
 */
import { SignJWT } from 'jose';

export type TokenKind = 'valid' | 'wrong-key' | 'expired' | 'alg-none' | 'garbage' | 'empty';

export const TOKEN_KINDS: readonly TokenKind[] = ['valid', 'wrong-key', 'expired', 'alg-none', 'garbage', 'empty'];

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token claiming `claims.mercure`, made the way `kind` says, for the hub keyed with `key`. */
export async function hubToken(kind: TokenKind, key: string, mercure: { subscribe?: string[]; publish?: string[] }): Promise<string> {
  const sign = (secret: string, expiresAt: number) =>
    new SignJWT({ mercure }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(expiresAt).sign(new TextEncoder().encode(secret));
  const now = Math.floor(Date.now() / 1000);
  switch (kind) {
    case 'valid':
      return sign(key, now + 600);
    case 'wrong-key':
      return sign(`${key}-but-not-quite`, now + 600);
    case 'expired':
      return sign(key, now - 600);
    case 'alg-none':
      return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ mercure, exp: now + 600 })}.`;
    case 'garbage':
      return 'not.a.jwt';
    case 'empty':
      return '';
  }
}
