import { Writable } from 'node:stream';
import Fastify from 'fastify';
import t from 'tap';
import homeagentApp, { serverOptions } from '../src/app.js';
import { redactUrl, redactUrlsInText } from '../src/url-redaction.js';
import { FORM_TYPE, testConfig } from './app-builder.js';

t.test('redactUrl applies the rule list: query invite/token/code, the segment after /reset/, /share/, /invites/', async (t) => {
  t.equal(redactUrl('/register?invite=abc123'), '/register?invite=[redacted]');
  t.equal(redactUrl('/register?%69nvite=abc123&x=1'), '/register?%69nvite=[redacted]&x=1', 'a percent-encoded name');
  t.equal(redactUrl('/x?INVITE=abc&Token=def;code=ghi'), '/x?INVITE=[redacted]&Token=[redacted];code=[redacted]', 'any case, either separator');
  t.equal(redactUrl('/x?invite'), '/x?invite=[redacted]');
  t.equal(redactUrl('/reset/tok-1'), '/reset/[redacted]');
  t.equal(redactUrl('/%72eset/tok-1/confirm'), '/%72eset/[redacted]/confirm', 'an encoded segment name');
  t.equal(redactUrl('https://chat.example.com/share/tok-2?token=tok-3#code=tok-4'), 'https://chat.example.com/share/[redacted]?token=[redacted]#code=[redacted]');
  t.equal(redactUrl('/invites/inv-code/revoke'), '/invites/[redacted]/revoke');
  t.equal(redactUrl('/invites'), '/invites', 'the list itself carries nothing');
  t.equal(redactUrl('/c/abc/m/def?topic=x&lastEventID=y'), '/c/abc/m/def?topic=x&lastEventID=y', 'other URLs unchanged');
  t.equal(redactUrl('/x?bad=%zz&invite=a'), '/x?bad=%zz&invite=[redacted]', 'malformed encoding elsewhere does not stop it');
});

t.test('redactUrlsInText keeps a JSON line valid JSON', async (t) => {
  const line = JSON.stringify({ msg: 'Route GET:/register?invite=abc not found', q: 'say "/share/tok" \\ end', url: 'https://x.test/reset/t0k?a=1' });
  const out = redactUrlsInText(line);
  t.same(JSON.parse(out), { msg: 'Route GET:/register?invite=[redacted] not found', q: 'say "/share/[redacted]" \\ end', url: 'https://x.test/reset/[redacted]?a=1' });
});

t.test('no token in a URL reaches any line of the app log', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const config = testConfig({ LOG_LEVEL: 'trace' });
  const options = serverOptions(config);
  const server = Fastify({ ...options, logger: { ...(options.logger as object), stream: sink } });
  await server.register(homeagentApp, { config });
  t.teardown(() => server.close());

  const secret = (n: number) => `tok${n}SecretValue`;
  await server.inject({ url: `/register?invite=${secret(1)}` });
  await server.inject({ url: `/register?%69nvite=${secret(2)}` });
  await server.inject({ method: 'POST', url: `/invites/${secret(3)}/revoke`, headers: FORM_TYPE, payload: '' });
  await server.inject({ url: `/reset/${secret(4)}` });
  await server.inject({ url: `/share/${secret(5)}?token=${secret(6)}` });
  await server.inject({ url: `/sign-in?code=${secret(7)}` });
  server.log.warn({ route: `/register?invite=${secret(8)}` }, `a link: https://chat.test/share/${secret(9)}`);
  server.log.error({ err: new Error(`failed at /reset/${secret(10)}`) }, 'request failed');

  t.ok(lines.length >= 14, `the requests were logged (${lines.length} lines)`);
  for (const line of lines) t.doesNotThrow(() => JSON.parse(line), 'every line is still JSON');
  const log = lines.join('\n');
  for (let n = 1; n <= 10; n++) t.notOk(log.includes(secret(n)), `token ${n} is not in the log`);
  const urls = lines.map((line) => JSON.parse(line) as { req?: { url?: string } }).flatMap((entry) => (entry.req?.url ? [entry.req.url] : []));
  t.ok(urls.includes('/register?invite=[redacted]'), 'the request log keeps the route, without the code');
  t.ok(urls.includes('/invites/[redacted]/revoke'));
});
