/**
 * The admin's "Models" and "Safety" pages and the chat page's model picker
 * against the real system (startStack): add, edit, disable, remove a model
 * with clear refusals; pick a model for a chat and see its name on the reply;
 * a disabled model refused with the usable ones named; a person's guardrail.
 */
import t from 'tap';
import { HttpVisitor } from '../http-visitor.js';
import { PASSWORD, startLocalStack } from '../local-stack.js';

t.setTimeout(240_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-models-');
const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann', PASSWORD)).status !== 303) throw new Error('ann could not register');
const bo = new HttpVisitor(stack.url);
if ((await bo.register(await ann.createInvite(), 'bob', PASSWORD)).status !== 303) throw new Error('bo could not register');

const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const good = {
  modelId: 'us.example.model-v1',
  displayName: 'Example Model',
  description: 'for tests',
  contextWindow: '100000',
  maxOutputTokens: '4000',
  defaultTemperature: '0.5',
  inputUsdPerMTok: '1',
  outputUsdPerMTok: '2',
  cacheWrite5mUsdPerMTok: '1.25',
  cacheWrite1hUsdPerMTok: '2',
  cacheReadUsdPerMTok: '0.1',
};

async function waitForReply(visitor: HttpVisitor, chat: string, sentBody: string): Promise<string> {
  const messageId = /id="message-([a-z0-9]+)" data-state="streaming"/.exec(sentBody)![1]!;
  let bubble = '';
  for (let i = 0; i < 600 && !/data-state="(complete|error)"/.test(bubble); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50)); // polling interval, not a readiness stand-in
    bubble = (await visitor.get(`${chat}/m/${messageId}`, { 'hx-request': 'true' })).body;
  }
  return bubble;
}

t.test('an admin sees the catalogue; members are kept out', async (t) => {
  const page = await ann.get('/models');
  t.equal(page.status, 200);
  t.match(page.body, /<h1>Models<\/h1>/);
  t.match(page.body, /Claude Opus 4\.6 <span class="badge">default<\/span>/);
  t.match(page.body, /Claude Sonnet 5\.5[\s\S]*no temperature; thinks adaptively/);
  t.match(page.body, /Claude Sonnet 4\.5[\s\S]*?Disabled/, 'the retired model is listed disabled');
  t.equal((await bo.get('/models')).status, 403);
  t.equal((await bo.get('/safety')).status, 403);
  await bo.get('/');
  t.equal((await bo.post('/models/remove', { modelId: HAIKU })).status, 403);
});

t.test('adding a model: each bad field is refused with a sentence, nothing is written', async (t) => {
  await ann.get('/models/new');
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['bad id', { ...good, modelId: 'Not An Id!' }, /That is not a Bedrock model id/],
    ['negative price', { ...good, inputUsdPerMTok: '-1' }, /Enter a price of 0 or more dollars/],
    ['context not above output', { ...good, contextWindow: '4000' }, /The context window must be larger than the maximum output/],
    ['tokens not whole', { ...good, maxOutputTokens: '12.5' }, /Enter a whole number of tokens/],
    ['no name', { ...good, displayName: ' ' }, /Give the model a name/],
    ['already listed', { ...good, modelId: HAIKU }, /already in the catalogue/],
  ];
  for (const [name, fields, message] of cases) {
    const res = await ann.post('/models', fields);
    t.equal(res.status, 400, name);
    t.match(res.body, message, name);
    t.match(res.body, /aria-invalid="true"/, name);
  }
  t.notMatch((await ann.get('/models')).body, /us\.example\.model-v1/, 'nothing was stored');

  const added = await ann.post('/models', good);
  t.equal(added.status, 303);
  const list = await ann.get('/models');
  t.match(list.body, /Example Model[\s\S]*us\.example\.model-v1[\s\S]*100,000 \/ 4,000/);

  await ann.get(`/models/edit?id=${encodeURIComponent(good.modelId)}`);
  const edited = await ann.post('/models', { ...good, originalId: good.modelId, displayName: 'Example Model Two', acceptsTemperature: 'true' });
  t.equal(edited.status, 303);
  t.match((await ann.get('/models')).body, /Example Model Two[\s\S]*takes temperature/);

  const removed = await ann.post('/models/remove', { modelId: good.modelId });
  t.equal(removed.status, 200);
  t.match(removed.body, /Saved\./);
  t.notMatch(removed.body, /us\.example\.model-v1/);
  const refused = await ann.post('/models/remove', { modelId: 'us.anthropic.claude-opus-4-6-v1' });
  t.equal(refused.status, 400);
  t.match(refused.body, /The default model cannot be removed/);
});

t.test('a person picks a model for a chat, sees its name on the reply, and the chat remembers it', async (t) => {
  const page = await bo.get('/c/new');
  t.match(page.body, /<label for="chat-model">Model<\/label>\s*<select id="chat-model" name="model">/);
  t.match(page.body, /<option value="us\.anthropic\.claude-opus-4-6-v1" selected>Claude Opus 4\.6/, "the admin's default is picked");
  t.notMatch(page.body, /<option value="us\.anthropic\.claude-sonnet-4-5/, 'a disabled model is not offered');
  const { path: chat, sent } = await bo.startChat('hello haiku', { model: HAIKU, temperature: 'precise', thinking: 'off' });
  t.equal(sent.status, 200);
  const bubble = await waitForReply(bo, chat, sent.body);
  t.match(bubble, /<span class="reply-model" title="us\.anthropic\.claude-haiku-4-5-20251001-v1:0">Claude Haiku 4\.5<\/span>/);
  const again = await bo.get(chat);
  t.match(again.body, /<option value="us\.anthropic\.claude-haiku-4-5-20251001-v1:0" selected>/, 'remembered for this chat');
  t.match(again.body, /<option value="precise" selected>Precise/);

  // The admin disables Haiku: the chat's next message is refused with the usable models named.
  await ann.get('/models');
  t.equal((await ann.post('/models/enabled', { modelId: HAIKU, enabled: 'false' })).status, 200);
  await bo.get(chat);
  const refused = await bo.postPartial(`${chat}/messages`, { text: 'still there?', model: HAIKU });
  t.equal(refused.status, 400);
  t.match(refused.body, /That model cannot be used here\. Models you can use: Claude Opus 4\.6, Claude Sonnet 5\.5\./);
  t.equal((await ann.post('/models/enabled', { modelId: HAIKU, enabled: 'true' })).status, 200);
});

t.test('the Safety page attaches a guardrail to a person, with a clear refusal for a bad id', async (t) => {
  const page = await ann.get('/safety');
  t.equal(page.status, 200);
  const boId = /id="safety-([0-9a-z]+)">\s*<h3>bob Example/.exec(page.body)?.[1];
  t.ok(boId, 'bo is listed');
  const bad = await ann.post(`/safety/people/${boId}`, { identifier: 'Bad Id', version: '1' });
  t.equal(bad.status, 400);
  t.match(bad.body, /Enter the guardrail id as Bedrock shows it/);
  const saved = await ann.post(`/safety/people/${boId}`, { identifier: 'kids01', version: '2' });
  t.equal(saved.status, 200);
  t.match(saved.body, /Saved\./);
  t.match(saved.body, new RegExp(`id="safety-${boId}">[\\s\\S]*?Guardrail: kids01, version 2`));
  const defaulted = await ann.post('/safety/default', { identifier: 'kids02', version: 'draft' });
  t.match(defaulted.body, /Now: kids02, version DRAFT/);
});

t.test('a small-context model: the chat page says how many messages Claude sees', async (t) => {
  await ann.get(`/models/edit?id=${encodeURIComponent(HAIKU)}`);
  const edited = await ann.post('/models', {
    ...good,
    originalId: HAIKU,
    modelId: HAIKU,
    displayName: 'Claude Haiku 4.5',
    contextWindow: '9000',
    maxOutputTokens: '1000',
    acceptsTemperature: 'true',
    thinking: 'extended-budget',
    cache: '5m+1h',
    serviceTier: 'priority',
  });
  t.equal(edited.status, 303);
  const form = await ann.get(`/models/edit?id=${encodeURIComponent(HAIKU)}`);
  t.match(form.body, /<option value="priority" selected>Priority/, 'the service tier is kept');
  t.match(form.body, /<option value="5m\+1h" selected>/);
  const first = await bo.startChat(`0${'y'.repeat(15_000)}`, { model: HAIKU });
  const chat = first.path;
  t.equal(first.sent.status, 200);
  let last = await waitForReply(bo, chat, first.sent.body);
  for (let i = 1; i < 3; i++) {
    const sent = await bo.postPartial(`${chat}/messages`, { text: `${i}${'y'.repeat(15_000)}`, model: HAIKU });
    t.equal(sent.status, 200);
    last = await waitForReply(bo, chat, sent.body);
  }
  t.match(last, /<hx-partial hx-target="#context-note" hx-swap="outerHTML"><p id="context-note" class="context-note">Claude sees the last \d+ messages of this chat\.<\/p>/, 'the note follows a finished reply');
  const page = await bo.get(chat);
  t.match(page.body, /Claude sees the last \d+ messages of this chat\./);
});

t.test('a message Bedrock refuses can be edited and sent again', async (t) => {
  const { path: chat, sent } = await bo.startChat('refuse this [[emulator:validation]]', { model: 'us.anthropic.claude-opus-4-6-v1' });
  await waitForReply(bo, chat, sent.body);
  const page = await bo.get(chat);
  t.match(page.body, /<summary>Edit and resend<\/summary>[\s\S]*<textarea id="resend-[a-z0-9]+" name="text"[^>]*>refuse this \[\[emulator:validation\]\]<\/textarea>/);
  const resent = await bo.postPartial(`${chat}/messages`, { text: 'this one is fine' });
  const bubble = await waitForReply(bo, chat, resent.body);
  t.match(bubble, /data-state="complete"/, 'the refused message does not poison the next');
});
