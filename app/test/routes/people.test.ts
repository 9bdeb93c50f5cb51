/**
 * The admin's "People" page against the real system (startStack): everyone
 * with role, spending and budget; changing a budget; signing someone out
 * everywhere; members kept out; bad input refused with a sentence and
 * nothing written.
 */
import t from 'tap';
import { HttpVisitor } from '../http-visitor.js';
import { PASSWORD, startLocalStack } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-people-', { tokensPerSecond: 2_000, firstTokenDelayMs: 0 });

const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann', PASSWORD)).status !== 303) throw new Error('ann could not register');
const code = await ann.createInvite();
const bob = new HttpVisitor(stack.url);
if ((await bob.register(code, 'bob', PASSWORD)).status !== 303) throw new Error('bob could not register');

/** The card of one person on the page (by username). */
function card(body: string, username: string): string {
  const cards = body.split('<article class="person"').slice(1);
  const found = cards.find((c) => c.includes(`<span class="username">${username}</span>`));
  if (!found) throw new Error(`no card for ${username} in ${body.slice(0, 400)}`);
  return found.slice(0, found.indexOf('</article>'));
}
function bobId(body: string): string {
  return /^ id="person-([a-z0-9]+)"/.exec(card(body, 'bob'))![1]!;
}

t.test('an admin sees everyone with role, spending and budget', async (t) => {
  // Bob chats once, so there is something to count.
  await bob.get('/c/new');
  t.equal((await bob.post('/c/new/messages', { text: 'hello there' })).status, 303);

  const home = await ann.get('/');
  t.match(home.body, /<a class="button-quiet" href="\/people">People<\/a>/, 'the header links to the page');
  let page = await ann.get('/people');
  t.equal(page.status, 200);
  t.match(page.body, /<title>People · HomeAgent<\/title>/);
  t.match(page.body, /<h1>People<\/h1>/);
  t.match(card(page.body, 'ann'), /Admin · you/);
  t.match(card(page.body, 'bob'), /<h2 id="person-[a-z0-9]+-name">bob Example<\/h2>/);
  t.match(card(page.body, 'bob'), /· Member/);
  t.match(card(page.body, 'bob'), /of \$20\.00 \(the default budget\)/);
  t.match(card(page.body, 'bob'), /<label for="person-[a-z0-9]+-budget">Monthly budget<span class="visually-hidden"> of bob Example<\/span> \(USD\)<\/label>/);
  t.match(card(page.body, 'bob'), /Sign out everywhere<span class="visually-hidden"> for bob Example<\/span>/);

  // The reply settles in the background: ask again until the card counts it.
  const counted = /([1-9][\d,]*) tokens in, ([1-9][\d,]*) tokens out/;
  for (let i = 0; i < 200 && !counted.test(card(page.body, 'bob')); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    page = await ann.get('/people');
  }
  t.match(card(page.body, 'bob'), counted, "bob's tokens are counted on his card");
  t.match(card(page.body, 'ann'), /0 tokens in, 0 tokens out/, 'ann has not chatted');
});

t.test('an admin changes a budget; empty goes back to the default', async (t) => {
  let page = await ann.get('/people');
  const id = bobId(page.body);
  const saved = await ann.post(`/people/${id}/budget`, { monthlyBudgetUsd: '$12.50' });
  t.equal(saved.status, 303);
  page = await ann.get('/people');
  t.match(card(page.body, 'bob'), /of \$12\.50<\/span>/);
  t.notMatch(card(page.body, 'bob'), /the default budget/);
  t.match(card(page.body, 'bob'), /name="monthlyBudgetUsd" inputmode="decimal" value="12\.5"/);

  const partial = await ann.postPartial(`/people/${id}/budget`, { monthlyBudgetUsd: '0' });
  t.equal(partial.status, 200);
  t.match(partial.body, /^<article class="person" id="person-/, 'htmx gets the card back');
  t.match(partial.body, /<p class="notice" role="status">Budget saved\.<\/p>/);
  t.match(partial.body, /of \$0\.00<\/span>/);

  // Bob, at a zero budget, is refused a reply.
  await bob.get('/c/new');
  const refused = await bob.postPartial('/c/new/messages', { text: 'one more' });
  t.equal(refused.status, 402, 'the budget holds');

  const back = await ann.postPartial(`/people/${id}/budget`, { monthlyBudgetUsd: '' });
  t.equal(back.status, 200);
  t.match(back.body, /Budget saved: back to the default\./);
  t.match(back.body, /of \$20\.00 \(the default budget\)/);
});

t.test('a bad budget is refused with a sentence and nothing is written', async (t) => {
  const page = await ann.get('/people');
  const id = bobId(page.body);
  const before = card(page.body, 'bob').replace(/name="_csrf" value="[^"]+"/g, '');
  for (const typed of ['-5', 'lots', '100001', '1.234', '1e3', '12,50.5.5']) {
    const res = await ann.postPartial(`/people/${id}/budget`, { monthlyBudgetUsd: typed });
    t.equal(res.status, 400, typed);
    t.match(res.body, /Enter an amount in dollars from 0 to 100,000 \(at most two decimals\), or leave it empty for the default\./, typed);
    t.match(res.body, new RegExp(`aria-invalid="true"`), `${typed}: the field is marked`);
    t.match(res.body, /^<article class="person"/, `${typed}: still the card`);
  }
  const full = await ann.post(`/people/${id}/budget`, { monthlyBudgetUsd: 'lots' });
  t.equal(full.status, 400);
  t.match(full.body, /<h1>People<\/h1>[\s\S]*Enter an amount in dollars/, 'without htmx the page comes back with the message');
  t.match(full.body, /value="lots"/, 'the typed value is kept');
  const twice = await ann.post(`/people/${id}/budget`, { monthlyBudgetUsd: ['1', '2'] });
  t.equal(twice.status, 400);
  t.match(twice.body, /Monthly budget must be a single text value/);
  const after = card((await ann.get('/people')).body, 'bob').replace(/name="_csrf" value="[^"]+"/g, '');
  t.equal(after, before, 'nothing changed');

  const nobody = await ann.postPartial('/people/nosuchperson0/budget', { monthlyBudgetUsd: '5' });
  t.equal(nobody.status, 404);
  const badId = await ann.post(`/people/${encodeURIComponent('Bob!')}/budget`, { monthlyBudgetUsd: '5' });
  t.equal(badId.status, 400);
  t.match(badId.body, /The person id has characters that are not allowed/);
});

t.test('"Sign out everywhere" ends every session of that person', async (t) => {
  const bob2 = new HttpVisitor(stack.url);
  await bob2.get('/sign-in');
  t.equal((await bob2.post('/sign-in', { username: 'bob', password: PASSWORD })).status, 303);
  t.equal((await bob.get('/')).status, 200);
  t.equal((await bob2.get('/')).status, 200);

  const page = await ann.get('/people');
  const res = await ann.postPartial(`/people/${bobId(page.body)}/sign-out`, {});
  t.equal(res.status, 200);
  t.match(res.body, /bob Example is signed out on every device\./);
  for (const [name, visitor] of [['first', bob], ['second', bob2]] as const) {
    const after = await visitor.get('/');
    t.equal(after.status, 303, `${name} session ended`);
    t.equal(after.headers.get('location'), '/sign-in');
  }
  t.equal((await ann.get('/people')).status, 200, 'the admin is still signed in');
});

t.test('members get 403 for the page and every POST, and nothing changes', async (t) => {
  await bob.get('/sign-in');
  t.equal((await bob.post('/sign-in', { username: 'bob', password: PASSWORD })).status, 303);
  const home = await bob.get('/');
  t.notMatch(home.body, /href="\/people"/, 'no link for members');
  const page = await bob.get('/people');
  t.equal(page.status, 403);
  t.match(page.body, /Only an admin of this HomeAgent can do that\./);
  const annId = /id="person-([a-z0-9]+)"[\s\S]*?Admin · you/.exec((await ann.get('/people')).body)![1]!;
  const budget = await bob.post(`/people/${annId}/budget`, { monthlyBudgetUsd: '99999' });
  t.equal(budget.status, 403);
  const signOut = await bob.postPartial(`/people/${annId}/sign-out`, {});
  t.equal(signOut.status, 403);
  t.match(signOut.body, /^<p class="error" role="alert">Only an admin/);
  const annCard = card((await ann.get('/people')).body, 'ann');
  t.match(annCard, /the default budget/, "ann's budget is untouched");
});

t.test('an admin signing themselves out everywhere lands on the sign-in page', async (t) => {
  const annOther = new HttpVisitor(stack.url);
  await annOther.get('/sign-in');
  t.equal((await annOther.post('/sign-in', { username: 'ann', password: PASSWORD })).status, 303);
  const page = await ann.get('/people');
  const annId = /id="person-([a-z0-9]+)"[\s\S]*?Admin · you/.exec(page.body)![1]!;
  const res = await ann.postPartial(`/people/${annId}/sign-out`, {});
  t.equal(res.status, 200);
  t.equal(res.headers.get('hx-redirect'), '/sign-in');
  t.notOk(ann.jar.session, 'the cookie is cleared');
  t.equal((await annOther.get('/')).status, 303, 'the other session ended too');
});
