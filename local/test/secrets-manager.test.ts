import t from 'tap';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startSecretsManager } from '../src/secrets-manager.js';

t.setTimeout(60_000);

const secret = JSON.stringify({ serviceKey: 'k'.repeat(40), mercurePublisherJwtKey: 'p'.repeat(40) });
const stand = await startSecretsManager({ secrets: { 'homeagent/agent': secret } });
t.teardown(() => stand.close());

const client = new SecretsManagerClient({
  endpoint: stand.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
});
t.teardown(() => client.destroy());

t.test('the real SDK reads a secret by name and by ARN', async (t) => {
  const byName = await client.send(new GetSecretValueCommand({ SecretId: 'homeagent/agent' }));
  t.equal(byName.SecretString, secret);
  t.equal(byName.Name, 'homeagent/agent');
  t.match(byName.ARN, /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:homeagent\/agent-[A-Za-z0-9]{6}$/);
  t.ok(byName.CreatedDate instanceof Date);
  const byArn = await client.send(new GetSecretValueCommand({ SecretId: byName.ARN! }));
  t.equal(byArn.SecretString, secret);
  t.same(stand.requests.slice(-2), ['homeagent/agent', byName.ARN]);
});

t.test('an unknown secret is the SDK\'s ResourceNotFoundException', async (t) => {
  const error = await client.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e: unknown) => e);
  t.ok(error instanceof ResourceNotFoundException);
  t.equal((error as Error).name, 'ResourceNotFoundException');
  t.match((error as Error).message, /can't find the specified secret/);
});
