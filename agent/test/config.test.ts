import t from 'tap';
import { ConfigError, DEFAULT_SYSTEM_PROMPT, loadConfig } from '../src/config.js';
import { startSecretsManager } from '../../local/src/secrets-manager.js';

t.setTimeout(60_000);

const KEY = 'k'.repeat(32);
const base = { PUBLIC_URL: 'https://chat.example.com/', AGENT_SERVICE_KEY: KEY, MERCURE_PUBLISHER_JWT_KEY: 'publisher' };

t.test('defaults follow docs/runtime.md', async (t) => {
  const config = await loadConfig(base);
  t.match(config, {
    host: '127.0.0.1',
    port: 8000,
    publicUrl: 'https://chat.example.com',
    awsRegion: 'us-east-1',
    tableName: 'homeagent',
    serviceKey: KEY,
    mercurePublisherJwtKey: 'publisher',
    mercurePublishUrl: 'http://127.0.0.1:3701/.well-known/mercure',
    bedrockModelId: 'us.anthropic.claude-opus-4-6-v1',
    systemPrompt: DEFAULT_SYSTEM_PROMPT,
    streamCoalesceMs: 40,
    streamPiecesPerSecond: 100,
    streamCheckpointMs: 3000,
    contextMessages: 50,
    monthlyBudgetUsd: 20,
    sendMaxInFlight: 8,
    sendMaxEventLoopLagMs: 500,
    sendRetryAfterS: 2,
    secretsSource: 'environment',
  });
});

t.test('values are read and converted', async (t) => {
  const config = await loadConfig({ ...base, PORT: '9000', MONTHLY_BUDGET_USD: '7.5', CONTEXT_MESSAGES: '10', HOST: '0.0.0.0' });
  t.equal(config.port, 9000);
  t.equal(config.monthlyBudgetUsd, 7.5);
  t.equal(config.contextMessages, 10);
  t.equal(config.host, '0.0.0.0');
});

t.test('a bad value is refused with one line naming the variable', async (t) => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ PUBLIC_URL: '' }, 'PUBLIC_URL', /^PUBLIC_URL is required/],
    [{ PUBLIC_URL: 'chat.example.com' }, 'PUBLIC_URL', /^PUBLIC_URL must be an absolute http\(s\) URL/],
    [{ PORT: 'eighty' }, 'PORT', /^PORT must be a port number/],
    [{ PORT: '70000' }, 'PORT', /^PORT must be a port number/],
    [{ AGENT_SERVICE_KEY: 'short' }, 'AGENT_SERVICE_KEY', /^AGENT_SERVICE_KEY must be at least 32 characters/],
    [{ AGENT_SERVICE_KEY: '' }, 'AGENT_SERVICE_KEY', /^AGENT_SERVICE_KEY is required unless AGENT_SECRET_ID/],
    [{ MERCURE_PUBLISHER_JWT_KEY: '' }, 'MERCURE_PUBLISHER_JWT_KEY', /^MERCURE_PUBLISHER_JWT_KEY is required/],
    [{ STREAM_COALESCE_MS: '-1' }, 'STREAM_COALESCE_MS', /^STREAM_COALESCE_MS must be a whole number/],
    [{ STREAM_PIECES_PER_SECOND: '0' }, 'STREAM_PIECES_PER_SECOND', /^STREAM_PIECES_PER_SECOND must be a whole number of pieces/],
    [{ STREAM_CHECKPOINT_MS: '1.5' }, 'STREAM_CHECKPOINT_MS', /^STREAM_CHECKPOINT_MS must be a whole number/],
    [{ CONTEXT_MESSAGES: '0' }, 'CONTEXT_MESSAGES', /^CONTEXT_MESSAGES must be a whole number/],
    [{ MONTHLY_BUDGET_USD: 'lots' }, 'MONTHLY_BUDGET_USD', /^MONTHLY_BUDGET_USD must be a number of US dollars/],
    [{ TABLE_NAME: 'a b' }, 'TABLE_NAME', /^TABLE_NAME must be a DynamoDB table name/],
    [{ MERCURE_PUBLISH_URL: 'localhost:3701' }, 'MERCURE_PUBLISH_URL', /^MERCURE_PUBLISH_URL must be an absolute http\(s\) URL/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /^LOG_LEVEL must be one of/],
    [{ SEND_MAX_IN_FLIGHT: '-1' }, 'SEND_MAX_IN_FLIGHT', /^SEND_MAX_IN_FLIGHT must be a whole number of sends between 0/],
    [{ SEND_MAX_EVENT_LOOP_LAG_MS: '5' }, 'SEND_MAX_EVENT_LOOP_LAG_MS', /^SEND_MAX_EVENT_LOOP_LAG_MS must be a whole number of milliseconds/],
    [{ SEND_RETRY_AFTER_S: '0' }, 'SEND_RETRY_AFTER_S', /^SEND_RETRY_AFTER_S must be a whole number of seconds/],
  ];
  for (const [env, variable, message] of cases) {
    const error = await loadConfig({ ...base, ...env }).catch((e: unknown) => e);
    t.ok(error instanceof ConfigError, variable);
    t.equal((error as ConfigError).variable, variable);
    t.match((error as Error).message, message);
    t.notMatch((error as Error).message, /\n/, 'one line');
    t.notMatch((error as Error).message, /short/, 'the value of a secret is not echoed');
  }
});

t.test('AGENT_SECRET_ID reads both secrets from Secrets Manager', async (t) => {
  const secretKey = 's'.repeat(48);
  const stand = await startSecretsManager({
    secrets: {
      'homeagent/agent': JSON.stringify({ serviceKey: secretKey, mercurePublisherJwtKey: 'from-secret' }),
      'homeagent/not-json': 'plain text',
      'homeagent/short-key': JSON.stringify({ serviceKey: 'short', mercurePublisherJwtKey: 'x' }),
      'homeagent/no-publisher': JSON.stringify({ serviceKey: secretKey }),
    },
  });
  t.teardown(() => stand.close());
  const env = {
    PUBLIC_URL: 'https://chat.example.com',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  // The SDK reads its endpoint and credentials from the process environment, as in AWS.
  Object.assign(process.env, env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: stand.url });

  const config = await loadConfig({ ...env, AGENT_SECRET_ID: 'homeagent/agent', AGENT_SERVICE_KEY: 'ignored-because-the-secret-wins-000000' });
  t.equal(config.serviceKey, secretKey);
  t.equal(config.mercurePublisherJwtKey, 'from-secret');
  t.equal(config.secretsSource, 'secrets-manager');
  t.same(stand.requests, ['homeagent/agent']);

  const refusals: Array<[string, RegExp]> = [
    ['homeagent/missing', /AGENT_SECRET_ID could not be read from Secrets Manager \(ResourceNotFoundException\)/],
    ['homeagent/not-json', /AGENT_SECRET_ID must name a secret whose value is a JSON object/],
    ['homeagent/short-key', /"serviceKey" of at least 32 characters/],
    ['homeagent/no-publisher', /non-empty "mercurePublisherJwtKey"/],
  ];
  for (const [id, message] of refusals) {
    const error = await loadConfig({ ...env, AGENT_SECRET_ID: id }).catch((e: unknown) => e);
    t.ok(error instanceof ConfigError, id);
    t.match((error as Error).message, message, id);
    t.notMatch((error as Error).message, /sss|plain text/, 'secret values are not echoed');
  }
});
