import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';
import { TEST_SECRETS } from './app-builder.js';

const valid = { PUBLIC_URL: 'https://chat.example.com', ...TEST_SECRETS };

t.test('a complete environment gives typed config with defaults', async (t) => {
  const config = loadConfig(valid);
  t.equal(config.host, '0.0.0.0');
  t.equal(config.port, 8080);
  t.equal(config.publicUrl, 'https://chat.example.com');
  t.equal(config.secureCookies, true);
  t.equal(config.agentUrl, 'http://127.0.0.1:8000');
  t.equal(config.logLevel, 'info');
  t.equal(config.trustProxyHops, 1, 'the ALB (or the local edge) is the one trusted hop');
  t.equal(config.signInMaxFailures, 10);
  t.equal(config.signInLockMinutes, 15);
  t.equal(config.authBurstPerMinute, 60);
  t.equal(config.sendRatePerMinute, 20, 'twenty messages a minute per person');
});

t.test('http PUBLIC_URL means cookies without Secure', async (t) => {
  t.equal(loadConfig({ ...valid, PUBLIC_URL: 'http://127.0.0.1:3000' }).secureCookies, false);
});

const refusals: Array<[string, Record<string, string | undefined>, RegExp]> = [
  ['PUBLIC_URL', { PUBLIC_URL: undefined }, /PUBLIC_URL: is required/],
  ['PUBLIC_URL', { PUBLIC_URL: 'chat.example.com' }, /PUBLIC_URL: must be an http\(s\) URL/],
  ['PUBLIC_URL', { PUBLIC_URL: 'https://chat.example.com/app' }, /PUBLIC_URL: must be an origin/],
  ['PORT', { PORT: 'eighty' }, /PORT: must be a port number/],
  ['PORT', { PORT: '70000' }, /PORT: must be a port number/],
  ['AGENT_URL', { AGENT_URL: 'ftp://agent' }, /AGENT_URL: must be an http\(s\) URL/],
  ['AGENT_SERVICE_KEY', { AGENT_SERVICE_KEY: undefined }, /AGENT_SERVICE_KEY: is required/],
  ['SESSION_SECRET', { SESSION_SECRET: 'short' }, /SESSION_SECRET: must be at least 32 characters/],
  ['MERCURE_SUBSCRIBER_JWT_KEY', { MERCURE_SUBSCRIBER_JWT_KEY: '' }, /MERCURE_SUBSCRIBER_JWT_KEY: is required/],
  ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be one of/],
  ['TRUST_PROXY_HOPS', { TRUST_PROXY_HOPS: 'all' }, /TRUST_PROXY_HOPS: must be a whole number from 0 to 5, got "all"/],
  ['SIGN_IN_MAX_FAILURES', { SIGN_IN_MAX_FAILURES: '0' }, /SIGN_IN_MAX_FAILURES: must be a whole number from 1 to 1000/],
  ['SIGN_IN_LOCK_MINUTES', { SIGN_IN_LOCK_MINUTES: '2.5' }, /SIGN_IN_LOCK_MINUTES: must be a whole number from 1 to 1440/],
  ['AUTH_BURST_PER_MINUTE', { AUTH_BURST_PER_MINUTE: '-3' }, /AUTH_BURST_PER_MINUTE: must be a whole number from 1 to 10000/],
  ['SEND_RATE_PER_MINUTE', { SEND_RATE_PER_MINUTE: '0' }, /SEND_RATE_PER_MINUTE: must be a whole number from 1 to 10000, got "0"/],
  ['AGENT_SERVICE_KEY', { AGENT_SERVICE_KEY: 'x'.repeat(31) }, /AGENT_SERVICE_KEY: must be at least 32 characters long/],
];

for (const [variable, change, message] of refusals) {
  t.test(`a bad ${variable} is refused with one line naming it`, async (t) => {
    const env = { ...valid, ...change };
    for (const [key, value] of Object.entries(change)) if (value === undefined) delete (env as Record<string, unknown>)[key];
    const error = t.throws(() => loadConfig(env)) as ConfigError;
    t.type(error, ConfigError);
    t.equal(error.variable, variable);
    t.match(error.message, message);
    t.notMatch(error.message, /\n/);
  });
}
