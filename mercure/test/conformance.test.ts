/**
 * Conformance in a real browser: Chromium's own EventSource (and fetch, as
 * htmx's hx-sse uses) against the hub, on the hub's own origin. The page is
 * served by the hub process itself, so nothing stands between the two.
 */
import t from 'tap';
import { chromium, type Browser } from 'playwright-core';
import { buildHub, publish, publisherToken, subscriberToken } from './helper.js';

t.setTimeout(180_000);

const PAGE = `<!doctype html><meta charset="utf-8"><title>conformance</title><script>
window.streams = {};
window.subscribe = (name, query, types = []) => {
  const s = { events: [], opens: 0, errors: 0 };
  window.streams[name] = s;
  const source = new EventSource('/.well-known/mercure?' + query, { withCredentials: true });
  s.source = source;
  const record = (e) => s.events.push({ type: e.type, id: e.lastEventId, data: e.data });
  source.onmessage = record;
  for (const type of types) source.addEventListener(type, record);
  source.onopen = () => { s.opens++; };
  source.onerror = () => { s.errors++; };
};
window.ids = (name) => window.streams[name].events.map((e) => e.id);
</script>`;

const q = (...topics: string[]) => topics.map((topic) => `topic=${encodeURIComponent(topic)}`).join('&');

/** undefined until `before` has launched it (and for good when the launch failed) */
let browser: Browser | undefined;
t.before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
t.teardown(() => browser?.close());

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}) {
  const { fastify, url } = await buildHub({ MERCURE_ANONYMOUS: '1', ...env }, (f) => {
    f.get('/conformance', async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  });
  t.teardown(() => fastify.close());
  const context = await browser!.newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  await page.goto(`${url}/conformance`);
  const token = await publisherToken();
  const pub = (fields: Parameters<typeof publish>[1]) =>
    publish(url, fields, token).then(async (r) => {
      if (!r.ok) throw new Error(`publish failed: ${r.status} ${await r.text()}`);
      return r.text();
    });
  const subscribe = async (name: string, query: string, types: string[] = []) => {
    await page.evaluate(([n, qs, ty]) => (window as any).subscribe(n, qs, ty), [name, query, types] as const);
    await page.waitForFunction((n) => (window as any).streams[n].opens >= 1, name);
  };
  const waitIds = (name: string, count: number) => page.waitForFunction(([n, c]) => (window as any).ids(n).length >= c, [name, count] as const, { timeout: 30_000 });
  const ids = (name: string): Promise<string[]> => page.evaluate((n) => (window as any).ids(n), name);
  const events = (name: string): Promise<{ type: string; id: string; data: string }[]> => page.evaluate((n) => (window as any).streams[n].events, name);
  return { url, page, context, fastify, pub, subscribe, waitIds, ids, events };
}

t.test('raw string, URI and URI-template selectors; multiple topics and selectors; non-matching and private counterparts', async (t) => {
  const { pub, subscribe, waitIds, ids } = await setup(t);
  await subscribe('raw', q('raw-string-topic'));
  await subscribe('uri', q('https://example.com/books/1'));
  await subscribe('template', q('https://example.com/books/{id}'));
  await subscribe('selectors', q('raw-string-topic', 'https://example.com/authors/{id}'));
  await subscribe('alternate', q('https://example.com/alternate'));
  await subscribe('marker', q('*'));

  await pub({ topic: 'raw-string-topic', id: 'raw-1' });
  await pub({ topic: 'raw-string-topic-2', id: 'raw-nomatch' });
  await pub({ topic: 'https://example.com/books/1', id: 'book-1' });
  await pub({ topic: 'https://example.com/books/2', id: 'book-2' });
  await pub({ topic: 'https://example.com/books/1/chapters/1', id: 'chapter' });
  await pub({ topic: 'https://example.com/authors/7', id: 'author-7' });
  await pub({ topic: ['https://example.com/canonical', 'https://example.com/alternate'], id: 'multi' });
  await pub({ topic: 'raw-string-topic', id: 'raw-private', private: true });
  await pub({ topic: 'https://example.com/books/1', id: 'book-private', private: true });
  await pub({ topic: 'end', id: 'end' });
  // The hub keeps publish order, so once `end` arrived nothing earlier is still on its way.
  await waitIds('marker', 8);
  t.same(await ids('marker'), ['raw-1', 'raw-nomatch', 'book-1', 'book-2', 'chapter', 'author-7', 'multi', 'end'], '* gets every public update');
  t.same(await ids('raw'), ['raw-1'], 'raw string: exact only, no private');
  t.same(await ids('uri'), ['book-1'], 'URI: exact only, no private');
  t.same(await ids('template'), ['book-1', 'book-2'], 'template: {id} does not span /, no private');
  t.same(await ids('selectors'), ['raw-1', 'author-7'], 'either of two selectors');
  t.same(await ids('alternate'), ['multi'], 'an alternate topic matches');
});

t.test('custom id echoed, multi-line data intact, event type and unicode', async (t) => {
  const { pub, subscribe, waitIds, events } = await setup(t);
  await subscribe('s', q('https://example.com/x'), ['greeting']);
  await pub({ topic: 'https://example.com/x', id: 'my-custom-id', data: 'first line\nsecond line\n\nfourth <b>line</b> é 👋' });
  await pub({ topic: 'https://example.com/x', id: 'typed', type: 'greeting', data: 'hello' });
  const generated = await pub({ topic: 'https://example.com/x' });
  await waitIds('s', 3);
  t.same(await events('s'), [
    { type: 'message', id: 'my-custom-id', data: 'first line\nsecond line\n\nfourth <b>line</b> é 👋' },
    { type: 'greeting', id: 'typed', data: 'hello' },
    { type: 'message', id: generated, data: '' },
  ]);
});

t.test('private updates reach the browser through the mercureAuthorization cookie, for its own topics only', async (t) => {
  const { url, context, pub, subscribe, waitIds, ids } = await setup(t, { MERCURE_ANONYMOUS: '0' });
  const token = await subscriberToken(['https://chat.example.com/users/u1/{+rest}']);
  await context.addCookies([{ name: 'mercureAuthorization', value: token, url: `${url}/.well-known/mercure`, httpOnly: true, sameSite: 'Strict' }]);
  const own = 'https://chat.example.com/users/u1/conversations/c1';
  const other = 'https://chat.example.com/users/u2/conversations/c9';
  await subscribe('own', q(own, other));
  await pub({ topic: other, id: 'not-mine', private: true });
  await pub({ topic: own, id: 'mine', private: true });
  await waitIds('own', 1);
  t.same(await ids('own'), ['mine']);
});

t.test('EventSource reconnects with Last-Event-ID after the hub ends the stream: no gap, no duplicate', async (t) => {
  const { pub, subscribe, page, ids } = await setup(t, { MERCURE_WRITE_TIMEOUT: '1s' });
  await subscribe('s', q('https://example.com/stream'));
  // A short retry so Chromium comes back quickly instead of after its default 3 s.
  const published = [await pub({ topic: 'https://example.com/stream', id: 'e0', retry: '50' })];
  let n = 1;
  const deadline = Date.now() + 60_000;
  while ((await page.evaluate(() => (window as any).streams.s.opens)) < 3) {
    if (Date.now() > deadline) throw new Error('the browser did not reconnect twice');
    published.push(await pub({ topic: 'https://example.com/stream', id: `e${n++}` }));
    await new Promise((resolve) => setTimeout(resolve, 25)); // publishing pace, not a readiness wait
  }
  published.push(await pub({ topic: 'https://example.com/stream', id: 'final' }));
  await page.waitForFunction(() => (window as any).ids('s').includes('final'), undefined, { timeout: 30_000 });
  t.ok(published.length > 5, `${published.length} events published across reconnections`);
  t.same(await ids('s'), published, 'every event exactly once, in order');
});

t.test('fetch-based streaming (as htmx hx-sse does) with a Last-Event-ID request header', async (t) => {
  const { pub, page } = await setup(t);
  for (const id of ['h1', 'h2', 'h3']) await pub({ topic: 'https://example.com/h', id, data: id });
  const result = await page.evaluate(async () => {
    const res = await fetch('/.well-known/mercure?topic=' + encodeURIComponent('https://example.com/h'), { headers: { 'Last-Event-ID': 'h1' } });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('id: h3')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    return { status: res.status, lastEventId: res.headers.get('last-event-id'), type: res.headers.get('content-type'), text };
  });
  t.equal(result.status, 200);
  t.equal(result.type, 'text/event-stream');
  t.equal(result.lastEventId, 'h1');
  t.notMatch(result.text, /id: h1/);
  t.match(result.text, /id: h2\ndata: h2\n\nid: h3\ndata: h3\n\n/);
});
