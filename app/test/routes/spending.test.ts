/**
 * "Spending by day" against the real system (startStack): an admin sees the
 * month day by day, in total and per person, as an inline SVG chart with a
 * table of the same figures, and can go to earlier months; members cannot.
 */
import t from 'tap';
import { HttpVisitor } from '../http-visitor.js';
import { PASSWORD, startLocalStack } from '../local-stack.js';

t.setTimeout(300_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-spending-', { tokensPerSecond: 2_000, firstTokenDelayMs: 0 });

const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann', PASSWORD)).status !== 303) throw new Error('ann could not register');
const code = await ann.createInvite();
const bob = new HttpVisitor(stack.url);
if ((await bob.register(code, 'bob', PASSWORD)).status !== 303) throw new Error('bob could not register');

const now = new Date();
const MONTH = now.toISOString().slice(0, 7);
const DAY = String(now.getUTCDate());
const monthLabel = (date: Date) => new Intl.DateTimeFormat('en', { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(date);
const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
const PREVIOUS = previous.toISOString().slice(0, 7);

/** The section of a person's chart and table. */
const personSection = (body: string, name: string) => {
  const start = body.indexOf(`<section class="spending-person"`, body.indexOf(`>${name} <span class="username">`) - 300);
  return start < 0 ? '' : body.slice(start, body.indexOf('</section>', start));
};

t.test('signed out: sent to sign in; a member: 403', async (t) => {
  const anonymous = await fetch(`${stack.url}/spending`, { redirect: 'manual' });
  t.equal(anonymous.status, 303);
  const member = await bob.get('/spending');
  t.equal(member.status, 403);
  t.notMatch(member.body, /spending-chart/);
});

t.test("an admin sees the month's days: a chart named by its summary, and the table of the same figures", async (t) => {
  const empty = await ann.get('/spending');
  t.equal(empty.status, 200);
  t.match(empty.body, /<h1>Spending by day<\/h1>/);
  t.match(empty.body, new RegExp(`<h2 id="spending-month">${monthLabel(now)}</h2>`));
  t.match(empty.body, /<svg class="spending-chart spending-chart-total" viewBox="0 0 640 180" role="img" aria-labelledby="spending-total-title"[^>]*>\s*<title id="spending-total-title">Everyone, spending per day in [A-Za-z]+ \d{4}: nothing spent\.<\/title>/);
  t.match(empty.body, /Nobody spent anything in/);
  t.equal((await ann.get('/people')).body.includes('<a href="/spending">Spending by day</a>'), true, 'the People page links here');

  const chat = (await bob.post('/c', {})).headers.get('location')!;
  await bob.get(chat);
  t.equal((await bob.post(`${chat}/messages`, { text: 'what does this cost?' })).status, 303);
  let page = await ann.get('/spending');
  // The month's row settles first, then the person's day, then the installation's day.
  const counted = (body: string) => personSection(body, 'bob Example').includes('<rect class="chart-bar"') && /<caption>Everyone, by day/.test(body);
  for (let i = 0; i < 400 && !counted(page.body); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    page = await ann.get('/spending');
  }
  const section = personSection(page.body, 'bob Example');
  t.ok(section, "bob's chart appears once his reply is counted");
  t.match(section, /<svg class="spending-chart spending-chart-person"[^>]*role="img"/);
  t.match(section, new RegExp(`<title id="spending-[a-z0-9]+-title">bob Example, spending per day in [^:]+: (less than \\$0\\.01|\\$[0-9.]+) in all; the most, [^,]+, on day ${DAY}\\.</title>`));
  t.equal((section.match(/<rect class="chart-bar"/g) ?? []).length, 1, 'one bar: today');
  t.match(section, new RegExp(`<tr><th scope="row">${DAY}</th><td>(less than \\$0\\.01|\\$[0-9.]+)</td><td>1</td></tr>`), 'the table holds the day, its spend and one reply');
  t.match(page.body, new RegExp(`<table class="spending-table">\\s*<caption>Everyone, by day[^]*?<th scope="row">${DAY}</th>`), 'and the total table too');
  t.match(page.body, /No spending in [^:]+: ann Example\./, 'ann spent nothing');
  const main = page.body.slice(page.body.indexOf('<main'), page.body.indexOf('</main>'));
  t.notMatch(main, / style=|<style|<script/, 'no inline style or script in the page: the CSP stays strict');
  t.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
});

t.test('earlier months are a link (and a choice) away; a bad or future month is a clear 400', async (t) => {
  const page = await ann.get('/spending');
  t.match(page.body, new RegExp(`<a class="button-quiet" href="/spending\\?month=${PREVIOUS}">${monthLabel(previous)}`));
  t.notMatch(page.body, /\(the month after\)/, 'no link into the future');
  t.match(page.body, new RegExp(`<option value="${MONTH}" selected>`));
  const earlier = await ann.get(`/spending?month=${PREVIOUS}`);
  t.equal(earlier.status, 200);
  t.match(earlier.body, new RegExp(`<h2 id="spending-month">${monthLabel(previous)}</h2>`));
  t.match(earlier.body, /Nobody spent anything in/);
  t.match(earlier.body, new RegExp(`href="/spending\\?month=${MONTH}">${monthLabel(now)}<span class="visually-hidden"> \\(the month after\\)`));

  const bad = await ann.get('/spending?month=December');
  t.equal(bad.status, 400);
  t.notMatch(bad.body, /spending-chart/);
  const future = await ann.get('/spending?month=2999-01');
  t.equal(future.status, 400);
  t.match(future.body, /2999-01 has not begun yet/);
});
