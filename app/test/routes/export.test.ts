/**
 * Downloads against the whole system: one chat as Markdown and as JSON, with
 * a sensible file name, and "Download all my data"; never another person's.
 */
import t from 'tap';
import { CONVERSATION_EXPORT_FORMAT, DATA_EXPORT_FORMAT } from '@homeagent/contract';
import { HttpVisitor } from '../http-visitor.js';
import { startHousehold } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, ann, bob } = await startHousehold(t, 'homeagent-export-');

const annChat = await ann.chat('Crème brûlée: how long in the oven?');
const today = new Date().toISOString().slice(0, 10);

t.test('the chat page links to both downloads', async (t) => {
  const page = await ann.get(annChat);
  t.match(page.body, new RegExp(`href="${annChat}/export.md" download>Download as Markdown`));
  t.match(page.body, new RegExp(`href="${annChat}/export.json" download>Download as JSON`));
});

t.test('Markdown: a file named after the chat, each message with who, when, model and tokens', async (t) => {
  const res = await ann.get(`${annChat}/export.md`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/markdown; charset=utf-8/);
  t.equal(res.headers.get('content-disposition'), `attachment; filename="creme-brulee-how-long-in-the-oven-${today}.md"; filename*=UTF-8''creme-brulee-how-long-in-the-oven-${today}.md`);
  t.equal(res.headers.get('cache-control'), 'no-store');
  t.match(res.body, /^# Crème brûlée: how long in the oven\?\n/);
  t.match(res.body, /## You · \d{4}-\d\d-\d\dT[\d:.]+Z\n\nCrème brûlée: how long in the oven\?/);
  t.match(res.body, /## Claude · [^\n]+\n\nYou said:/);
  t.match(res.body, /_model `[^`]+` · \d+ tokens in, \d+ out · \$\d+\.\d{6}_/);
});

t.test('JSON: the conversation with models, timestamps, token usage and cost', async (t) => {
  const res = await ann.get(`${annChat}/export.json`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^application\/json/);
  t.match(res.headers.get('content-disposition'), /^attachment; filename="creme-brulee-how-long-in-the-oven-\d{4}-\d\d-\d\d\.json"/);
  const file = JSON.parse(res.body);
  t.equal(file.format, CONVERSATION_EXPORT_FORMAT);
  t.equal(file.conversation.title, 'Crème brûlée: how long in the oven?');
  t.equal(file.messages.length, 2);
  t.ok(file.models.length === 1 && file.messages[1].model === file.models[0]);
  t.ok(file.messages[1].usage.outputTokens > 0 && typeof file.messages[1].usage.costUsd === 'number');
  t.equal(file.totals.outputTokens, file.messages[1].usage.outputTokens);
  t.ok(!Number.isNaN(Date.parse(file.messages[0].createdAt)));
});

t.test('another person cannot download the chat', async (t) => {
  await bob.get('/');
  t.equal((await bob.get(`${annChat}/export.md`)).status, 404);
  t.equal((await bob.get(`${annChat}/export.json`)).status, 404);
  t.equal((await new HttpVisitor(stack.url).get(`${annChat}/export.json`)).status, 303, 'signed out: to the sign-in page');
  t.equal((await ann.get('/c/nosuchchat/export.md')).status, 404);
});

t.test('"Download all my data" is on the account page and holds every chat of the person', async (t) => {
  await bob.chat('Bob private words');
  await ann.chat('Second of Ann');
  t.match((await ann.get('/usage')).body, /<a href="\/account\/data.json" download>Download all my data<\/a>/);
  const res = await ann.get('/account/data.json');
  t.equal(res.status, 200);
  t.match(res.headers.get('content-disposition'), new RegExp(`^attachment; filename="homeagent-ann-${today}\\.json"`));
  const data = JSON.parse(res.body);
  t.equal(data.format, DATA_EXPORT_FORMAT);
  t.equal(data.user.username, 'ann');
  t.same(data.conversations.map((c: { conversation: { title: string } }) => c.conversation.title), ['Second of Ann', 'Crème brûlée: how long in the oven?']);
  t.notMatch(res.body, /Bob private/);
});
