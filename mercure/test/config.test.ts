import t from 'tap';
import { ConfigError, loadConfig, parseDuration } from '../src/config.js';
import { PUBLISHER_KEY, rsaKeys, SUBSCRIBER_KEY } from './helper.js';

const base = { MERCURE_PUBLISHER_JWT_KEY: PUBLISHER_KEY, MERCURE_SUBSCRIBER_JWT_KEY: SUBSCRIBER_KEY };

t.test('defaults', async (t) => {
  const c = loadConfig(base);
  t.equal(c.host, '0.0.0.0');
  t.equal(c.port, 3701);
  t.equal(c.anonymous, false);
  t.equal(c.heartbeatMs, 40_000);
  t.equal(c.writeTimeoutMs, 600_000);
  t.equal(c.historySize, 10_000);
  t.same(c.corsOrigins, []);
  t.same(c.publishOrigins, []);
  t.equal(c.subscriptions, false);
  t.equal(c.cookieName, 'mercureAuthorization');
  t.equal(c.publisherKey.alg, 'HS256');
});

t.test('every variable is read', async (t) => {
  const c = loadConfig({
    ...base,
    HOST: '127.0.0.1',
    PORT: '4000',
    MERCURE_ANONYMOUS: '1',
    MERCURE_HEARTBEAT: '1m30s',
    MERCURE_WRITE_TIMEOUT: '0',
    MERCURE_HISTORY_SIZE: '5',
    MERCURE_CORS_ORIGINS: 'https://a.example https://b.example:8443',
    MERCURE_PUBLISH_ORIGINS: 'https://a.example,https://c.example',
    MERCURE_SUBSCRIPTIONS: '1',
    MERCURE_COOKIE_NAME: 'hubAuth',
    MERCURE_SUBSCRIBER_JWT_ALG: 'RS256',
    MERCURE_SUBSCRIBER_JWT_KEY: rsaKeys().publicPem,
  });
  t.equal(c.host, '127.0.0.1');
  t.equal(c.port, 4000);
  t.equal(c.anonymous, true);
  t.equal(c.heartbeatMs, 90_000);
  t.equal(c.writeTimeoutMs, 0);
  t.equal(c.historySize, 5);
  t.same(c.corsOrigins, ['https://a.example', 'https://b.example:8443']);
  t.same(c.publishOrigins, ['https://a.example', 'https://c.example']);
  t.equal(c.subscriptions, true);
  t.equal(c.cookieName, 'hubAuth');
  t.equal(c.subscriberKey.alg, 'RS256');
});

t.test('durations', async (t) => {
  t.equal(parseDuration('X', '500ms'), 500);
  t.equal(parseDuration('X', '40s'), 40_000);
  t.equal(parseDuration('X', '1.5s'), 1_500);
  t.equal(parseDuration('X', '1h'), 3_600_000);
  t.equal(parseDuration('X', '0'), 0);
});

t.test('a bad value is refused with one line naming the variable', async (t) => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ MERCURE_PUBLISHER_JWT_KEY: '' }, 'MERCURE_PUBLISHER_JWT_KEY', /is required/],
    [{ MERCURE_SUBSCRIBER_JWT_KEY: 'short' }, 'MERCURE_SUBSCRIBER_JWT_KEY', /at least 32 bytes/],
    [{ MERCURE_PUBLISHER_JWT_ALG: 'ES256' }, 'MERCURE_PUBLISHER_JWT_ALG', /HS256 or RS256/],
    [{ MERCURE_PUBLISHER_JWT_ALG: 'RS256' }, 'MERCURE_PUBLISHER_JWT_KEY', /RSA public key in PEM/],
    [{ PORT: '70000' }, 'PORT', /integer from 0 to 65535/],
    [{ PORT: 'eighty' }, 'PORT', /integer/],
    [{ MERCURE_ANONYMOUS: 'yes' }, 'MERCURE_ANONYMOUS', /1 or 0/],
    [{ MERCURE_HEARTBEAT: '40' }, 'MERCURE_HEARTBEAT', /duration such as 40s/],
    [{ MERCURE_WRITE_TIMEOUT: 'soon' }, 'MERCURE_WRITE_TIMEOUT', /duration/],
    [{ MERCURE_HISTORY_SIZE: '-1' }, 'MERCURE_HISTORY_SIZE', /integer/],
    [{ MERCURE_CORS_ORIGINS: 'https://a.example/path' }, 'MERCURE_CORS_ORIGINS', /no path/],
    [{ MERCURE_PUBLISH_ORIGINS: 'a.example' }, 'MERCURE_PUBLISH_ORIGINS', /origins such as/],
    [{ MERCURE_SUBSCRIPTIONS: '2' }, 'MERCURE_SUBSCRIPTIONS', /1 or 0/],
    [{ MERCURE_COOKIE_NAME: 'bad name;' }, 'MERCURE_COOKIE_NAME', /not a valid cookie name/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /expected one of/],
  ];
  for (const [env, variable, message] of cases) {
    const error = t.throws(() => loadConfig({ ...base, ...env }), ConfigError, variable) as ConfigError;
    t.equal(error.variable, variable);
    t.ok(error.message.startsWith(`${variable}: `), error.message);
    t.match(error.message, message);
    t.notMatch(error.message, /\n/, 'one line');
  }
  const missing = t.throws(() => loadConfig({})) as ConfigError;
  t.equal(missing.variable, 'MERCURE_PUBLISHER_JWT_KEY');
});
