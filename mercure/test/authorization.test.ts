import { createSecretKey } from 'node:crypto';
import t from 'tap';
import { SignJWT } from 'jose';
import { authorize, AuthorizationError, TokenVerifier, verifyToken, type JwtKey } from '../src/authorization.js';
import { loadConfig } from '../src/config.js';
import { hs256, rsaKeys, SUBSCRIBER_KEY } from './helper.js';

const hsKey: JwtKey = { alg: 'HS256', key: createSecretKey(Buffer.from(SUBSCRIBER_KEY)) };
const verifier = new TokenVerifier(hsKey);
const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (error) {
    if (error instanceof AuthorizationError) return error.code;
    throw error;
  }
};

t.test('HS256: reads the mercure claim and the expiry', async (t) => {
  const token = await hs256({ mercure: { subscribe: ['a', 'b'], publish: ['*'], payload: { user: 1 } } }, SUBSCRIBER_KEY, '1h');
  const claims = await verifyToken(token, hsKey);
  t.same(claims.subscribe, ['a', 'b']);
  t.same(claims.publish, ['*']);
  t.same(claims.payload, { user: 1 });
  t.ok(claims.expiresAt! > Date.now() && claims.expiresAt! <= Date.now() + 3_600_000);
  const bare = await verifyToken(await hs256({}, SUBSCRIBER_KEY), hsKey);
  t.same(bare, {}, 'no mercure claim: no rights, no expiry');
  const wrongTypes = await verifyToken(await hs256({ mercure: { subscribe: 'a', publish: [1] } }, SUBSCRIBER_KEY), hsKey);
  t.same(wrongTypes, {}, 'malformed selectors grant nothing');
});

t.test('HS256: wrong key, expired, garbage and alg confusion are refused', async (t) => {
  t.equal(await codeOf(verifyToken(await hs256({}, 'another-key-that-is-long-enough-000000'), hsKey)), 'token_invalid');
  const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(SUBSCRIBER_KEY));
  t.equal(await codeOf(verifyToken(expired, hsKey)), 'token_expired');
  t.equal(await codeOf(verifyToken('not.a.jwt', hsKey)), 'token_invalid');
  const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"mercure":{"publish":["*"]}}').toString('base64url')}.`;
  t.equal(await codeOf(verifyToken(unsigned, hsKey)), 'token_invalid', 'alg none');
});

t.test('RS256 with a PEM public key, as the official hub takes it', async (t) => {
  const { publicPem, privateKey } = rsaKeys();
  const config = loadConfig({
    MERCURE_PUBLISHER_JWT_KEY: publicPem.replace(/\n/g, '\\n'),
    MERCURE_PUBLISHER_JWT_ALG: 'RS256',
    MERCURE_SUBSCRIBER_JWT_KEY: SUBSCRIBER_KEY,
  });
  const token = await new SignJWT({ mercure: { publish: ['*'] } }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
  t.same((await verifyToken(token, config.publisherKey)).publish, ['*']);
  const hsToken = await hs256({ mercure: { publish: ['*'] } }, publicPem);
  t.equal(await codeOf(verifyToken(hsToken, config.publisherKey)), 'token_invalid', 'an HS256 token signed with the public key is refused');
});

t.test('authorize(): header, then query, then cookie; none means anonymous', async (t) => {
  const a = await hs256({ mercure: { subscribe: ['from-header'] } }, SUBSCRIBER_KEY);
  const q = await hs256({ mercure: { subscribe: ['from-query'] } }, SUBSCRIBER_KEY);
  const c = await hs256({ mercure: { subscribe: ['from-cookie'] } }, SUBSCRIBER_KEY);
  t.same((await authorize({ method: 'GET', authorization: `Bearer ${a}`, query: q, cookie: c }, verifier, []))?.subscribe, ['from-header']);
  t.same((await authorize({ method: 'GET', query: q, cookie: c }, verifier, []))?.subscribe, ['from-query']);
  t.same((await authorize({ method: 'GET', cookie: c }, verifier, []))?.subscribe, ['from-cookie']);
  t.equal(await authorize({ method: 'GET' }, verifier, []), undefined);
  t.equal(await codeOf(authorize({ method: 'GET', authorization: `Basic ${a}` }, verifier, [])), 'header_malformed');
  t.equal(await codeOf(authorize({ method: 'GET', authorization: `Bearer x`, cookie: c }, verifier, [])), 'token_invalid', 'a bad header is not rescued by a good cookie');
});

t.test('authorize(): a cookie publishes only from an allowed origin (CSRF)', async (t) => {
  const c = await hs256({ mercure: { publish: ['*'] } }, SUBSCRIBER_KEY);
  const origins = ['https://chat.example.com'];
  t.equal(await codeOf(authorize({ method: 'POST', cookie: c }, verifier, origins)), 'origin_missing');
  t.equal(await codeOf(authorize({ method: 'POST', cookie: c, origin: 'https://evil.example' }, verifier, origins)), 'origin_not_allowed');
  t.equal(await codeOf(authorize({ method: 'POST', cookie: c, origin: 'https://chat.example.com' }, verifier, origins)), 'ok');
  t.equal(await codeOf(authorize({ method: 'POST', cookie: c, referer: 'https://chat.example.com/page?x=1' }, verifier, origins)), 'ok', 'Referer is used without Origin');
  t.equal(await codeOf(authorize({ method: 'POST', cookie: c, origin: 'https://chat.example.com' }, verifier, [])), 'origin_not_allowed', 'no publish origins: cookies never publish');
  t.equal(await codeOf(authorize({ method: 'POST', cookie: c, origin: 'https://any.example' }, verifier, ['*'])), 'ok');
});

t.test('TokenVerifier remembers good tokens, re-checks their expiry, never caches a refusal, stays bounded', async (t) => {
  const v = new TokenVerifier(hsKey, 2);
  const soon = await new SignJWT({ mercure: { subscribe: ['a'] } })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
    .sign(new TextEncoder().encode(SUBSCRIBER_KEY));
  const first = await v.verify(soon);
  t.equal(await v.verify(soon), first, 'second use answered from memory');
  t.equal(await codeOf(v.verify('bad.token.here')), 'token_invalid');
  t.equal(await codeOf(v.verify('bad.token.here')), 'token_invalid', 'refusals are not remembered as successes');
  const realNow = Date.now;
  Date.now = () => first.expiresAt! + 1;
  try {
    t.equal(await codeOf(v.verify(soon)), 'token_expired', 'a remembered token still expires');
  } finally {
    Date.now = realNow;
  }
  for (let i = 0; i < 5; i++) await v.verify(await hs256({ n: i }, SUBSCRIBER_KEY));
  const forged = soon.slice(0, -2) + (soon.endsWith('AA') ? 'BB' : 'AA');
  t.equal(await codeOf(v.verify(forged)), 'token_invalid', 'a different signature is checked, not matched by prefix');
});
