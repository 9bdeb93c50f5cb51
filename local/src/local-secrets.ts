/**
 * The secrets of a local installation: generated once into
 * `<dataDir>/secrets.json` (mode 0600) and reused, so sessions and invites
 * survive a restart. In AWS they live in Secrets Manager instead.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalSecrets {
  serviceKey: string;
  sessionSecret: string;
  mercurePublisherJwtKey: string;
  mercureSubscriberJwtKey: string;
}

export const SECRET_NAMES = ['serviceKey', 'sessionSecret', 'mercurePublisherJwtKey', 'mercureSubscriberJwtKey'] as const;
const MIN_LENGTH = 32;

export class LocalSecretsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalSecretsError';
    this.code = code;
  }
}

function generate(): string {
  return randomBytes(48).toString('base64url');
}

/**
 * Reads `<dataDir>/secrets.json`, creating it (or adding missing keys) when
 * needed. A file that is not valid JSON is refused rather than overwritten:
 * replacing it would sign everybody out and orphan the data.
 */
export async function ensureSecrets(dataDir: string): Promise<{ secrets: LocalSecrets; created: boolean; file: string }> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'secrets.json');
  let existing: Record<string, unknown> = {};
  let found = false;
  try {
    const text = await readFile(file, 'utf8');
    found = true;
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    existing = parsed as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new LocalSecretsError(
        'secrets_unreadable',
        `${file} is not a JSON object of secrets (${(err as Error).message}); fix or remove it (removing it signs everybody out)`,
        { cause: err },
      );
    }
  }
  const secrets = {} as LocalSecrets;
  let changed = !found;
  for (const name of SECRET_NAMES) {
    const value = existing[name];
    if (typeof value === 'string' && value.length >= MIN_LENGTH) {
      secrets[name] = value;
    } else {
      secrets[name] = generate();
      changed = true;
    }
  }
  if (changed) {
    await writeFile(file, `${JSON.stringify({ ...existing, ...secrets }, null, 2)}\n`, { mode: 0o600 });
  }
  // writeFile's mode applies only when it creates the file; a file copied in with looser rights is tightened.
  await chmod(file, 0o600);
  return { secrets, created: !found, file };
}
