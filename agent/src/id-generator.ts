import { randomBytes } from 'node:crypto';

let lastTime = 0;
let counter = 0;

/**
 * A new id that sorts by creation time within this process: 9 base36 chars
 * of milliseconds, 4 of a counter (so a user message and its reply made in
 * the same millisecond keep their order), then 12 random hex chars.
 * Messages are sorted by id in the table, so the order matters.
 * Only [0-9a-z] are used: ids appear in URLs, hub topics and update ids.
 */
export function newId(): string {
  const now = Date.now();
  if (now > lastTime) {
    lastTime = now;
    counter = 0;
  } else {
    counter += 1;
  }
  return (
    lastTime.toString(36).padStart(9, '0') +
    counter.toString(36).padStart(4, '0') +
    randomBytes(6).toString('hex')
  );
}

/** An unguessable secret token (invite codes, session ids): 32 bytes, base64url. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
