import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { BackendConfigError, readStateBackend } from '../src/state-backend.js';
import { synthesizeStack } from './synthesized-stack.js';

const dir = mkdtempSync(join(tmpdir(), 'homeagent-backend-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};
const bootstrapOutput = { bucket: 'homeagent-tfstate-123456789012', key: 'homeagent/terraform.tfstate', region: 'eu-central-1', encrypt: true, use_lockfile: true };

t.test('without backend.json: a local backend and a warning that says what to do', async (t) => {
  const backend = readStateBackend(join(dir, 'absent.json'));
  t.equal(backend.kind, 'local');
  t.match(backend.kind === 'local' ? backend.warning : '', /run bootstrap\.sh/);
  const { doc } = synthesizeStack({}, backend);
  t.same(doc.terraform?.backend, { local: { path: 'terraform.tfstate' } });
});

t.test('the file bootstrap.sh writes becomes an encrypted, locked S3 backend', async (t) => {
  const backend = readStateBackend(write('backend.json', bootstrapOutput));
  const { doc } = synthesizeStack({}, backend);
  t.same(doc.terraform?.backend, { s3: { bucket: bootstrapOutput.bucket, key: bootstrapOutput.key, region: 'eu-central-1', encrypt: true, use_lockfile: true } });
  t.equal(doc.terraform?.required_version, '>= 1.10.0', 'S3-native locking needs Terraform 1.10');
  const withTable = readStateBackend(write('table.json', { ...bootstrapOutput, use_lockfile: false, dynamodb_table: 'homeagent-tflock' }));
  const s3 = (synthesizeStack({}, withTable).doc.terraform?.backend as { s3: Record<string, unknown> }).s3;
  t.equal(s3.dynamodb_table, 'homeagent-tflock');
  t.notOk('use_lockfile' in s3);
});

t.test('a bad backend.json is refused with the field named', async (t) => {
  const bad: [unknown, RegExp][] = [
    ['{ nope', /is not valid JSON/],
    [[], /must be a JSON object/],
    [{ ...bootstrapOutput, bucket: 'Bad_Bucket' }, /"bucket" must be an S3 bucket name/],
    [{ ...bootstrapOutput, key: 'state' }, /"key" must be an object key ending in \.tfstate/],
    [{ ...bootstrapOutput, region: 'mars' }, /"region" must be an AWS region/],
    [{ ...bootstrapOutput, encrypt: false }, /"encrypt" must be true/],
    [{ ...bootstrapOutput, use_lockfile: 'yes' }, /"use_lockfile" must be true or false/],
    [{ ...bootstrapOutput, use_lockfile: false }, /set "use_lockfile": true or a "dynamodb_table"/],
  ];
  for (const [i, [content, message]] of bad.entries()) {
    let err: unknown;
    try {
      readStateBackend(write(`bad-${i}.json`, content));
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof BackendConfigError, `${JSON.stringify(content)} is refused`);
    t.match((err as Error | undefined)?.message, message);
  }
});
