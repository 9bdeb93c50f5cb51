import t from 'tap';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SECRET_NAMES, ensureSecrets } from '../src/local-secrets.js';

t.test('generates the four secrets once, mode 0600, and reuses them', async (t) => {
  const dir = join(t.testdir(), 'data');
  const first = await ensureSecrets(dir);
  t.equal(first.created, true);
  t.same(Object.keys(first.secrets).sort(), [...SECRET_NAMES].sort());
  for (const name of SECRET_NAMES) t.match(first.secrets[name], /^[A-Za-z0-9_-]{64}$/, `${name}: 48 random bytes, base64url`);
  t.equal(new Set(Object.values(first.secrets)).size, 4, 'all different');
  t.equal((await stat(first.file)).mode & 0o777, 0o600);
  t.equal((await stat(dir)).mode & 0o777, 0o700);
  const second = await ensureSecrets(dir);
  t.equal(second.created, false);
  t.same(second.secrets, first.secrets);
});

t.test('adds a missing key without touching the others, and tightens loose rights', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'secrets.json');
  const kept = 'k'.repeat(40);
  await writeFile(file, JSON.stringify({ serviceKey: kept, sessionSecret: 'too-short' }), { mode: 0o644 });
  const { secrets, created } = await ensureSecrets(dir);
  t.equal(created, false);
  t.equal(secrets.serviceKey, kept);
  t.not(secrets.sessionSecret, 'too-short', 'a key too short to be safe is replaced');
  t.ok(secrets.mercurePublisherJwtKey.length >= 32);
  t.same(JSON.parse(await readFile(file, 'utf8')), secrets);
  t.equal((await stat(file)).mode & 0o777, 0o600);
});

t.test('a file that is not JSON is refused, not overwritten', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'secrets.json');
  await writeFile(file, '{ not json');
  await t.rejects(ensureSecrets(dir), { name: 'LocalSecretsError', code: 'secrets_unreadable', message: /secrets\.json is not a JSON object/ });
  t.equal(await readFile(file, 'utf8'), '{ not json');
});
