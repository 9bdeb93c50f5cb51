// What the agent sends Bedrock, checked on the emulator's side of the wire (real SDK, real
// event stream): model choice, temperature, maxTokens, prompt caching and its cost, thinking
// kept and sent back, guardrails on the newest turn, request metadata, context that fits.
import t from 'tap';
import { GUARDRAIL_BLOCKED_TEXT, EMULATOR_MARKERS, guardrailMarker } from '@homeagent/local/bedrock-emulator';
import type { Message, User } from '@homeagent/contract';
import { buildAgent, registerUser, startStandIns, type TestAgent } from '../../../helper.js';

t.setTimeout(300_000);

const standIns = await startStandIns(t, { bedrock: true });
const emulator = standIns.emulator!;
const agent = await buildAgent(t, standIns);
const admin = await registerUser(agent, 'admin');
const member = await registerUser(agent, 'member');

const OPUS = 'us.anthropic.claude-opus-4-6-v1';
const SONNET_55 = 'us.anthropic.claude-sonnet-5-5';
const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

async function newConversation(a: TestAgent, user: User): Promise<string> {
  const response = await a.call('POST', '/v1/conversations', { userId: user.id, body: {} });
  if (response.statusCode !== 201) throw new Error(response.body);
  return response.json().conversation.id as string;
}

/** Sends, waits until the reply is stored, and returns it with the request the emulator received. */
async function exchange(user: User, conversationId: string, body: Record<string, unknown>) {
  const before = emulator.requests.length;
  const response = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: user.id, body });
  if (response.statusCode !== 202) throw new Error(`${response.statusCode} ${response.body}`);
  const id = response.json().assistantMessage.id as string;
  await agent.logs.waitFor((l) => l.msg === 'reply finished' && l.messageId === id);
  const message = (await agent.call('GET', `/v1/conversations/${conversationId}/messages/${id}`, { userId: user.id })).json().message as Message;
  t.equal(emulator.requests.length, before + 1, 'one request reached the emulator');
  return { message, request: emulator.requests.at(-1)! };
}

async function putSettings(body: unknown) {
  const response = await agent.call('PUT', '/v1/settings', { userId: admin.id, body });
  if (response.statusCode !== 200) throw new Error(response.body);
  return response.json();
}

const defaults = (await agent.call('GET', '/v1/settings', { userId: admin.id })).json();

t.test('the default catalogue: the seed model and the current Claude models, with capabilities and prices', async (t) => {
  const opus = defaults.models.find((m: { modelId: string }) => m.modelId === OPUS);
  t.match(opus, { displayName: 'Claude Opus 4.6', inputUsdPerMTok: 5, outputUsdPerMTok: 25, acceptsTemperature: true, thinking: 'adaptive-effort', enabled: true });
  t.match(defaults.models.find((m: { modelId: string }) => m.modelId === SONNET_55), { acceptsTemperature: false, thinkingAlwaysOn: true });
  t.equal(defaults.defaultModel, OPUS, 'BEDROCK_MODEL_ID stays the default');
  const usable = (await agent.call('GET', '/v1/models', { userId: member.id })).json();
  t.equal(usable.models[0].modelId, OPUS, 'the default comes first');
  t.notOk(usable.models.some((m: { modelId: string }) => m.modelId.includes('sonnet-4-5')), 'a disabled model is not offered');
});

t.test('temperature and maxTokens follow the model; a model that refuses temperature never gets it', async (t) => {
  const conversationId = await newConversation(agent, member);
  const precise = await exchange(member, conversationId, { text: 'hello', temperature: 'precise' });
  t.equal(precise.request.modelId, OPUS);
  t.equal(precise.request.temperature, 0.2);
  t.equal(precise.request.maxTokens, 8_192, 'an explicit maxTokens from the model entry');
  t.match(precise.message, { state: 'complete', modelName: 'Claude Opus 4.6' });

  const remembered = await exchange(member, conversationId, { text: 'again' });
  t.equal(remembered.request.temperature, 0.2, 'the choice is remembered for the conversation');

  const sonnet = await exchange(member, conversationId, { text: 'and you?', model: SONNET_55, temperature: 'creative' });
  t.equal(sonnet.request.modelId, SONNET_55);
  t.equal(sonnet.request.temperature, undefined, 'no temperature reaches a model that refuses it');
  t.match(sonnet.request.thinking, { type: 'adaptive' }, 'a model that always thinks is asked adaptively');
  t.equal(sonnet.message.state, 'complete', 'the emulator accepted the request');
  const detail = (await agent.call('GET', `/v1/conversations/${conversationId}`, { userId: member.id })).json();
  t.match(detail.conversation, { model: SONNET_55, temperature: 'creative' });
});

t.test('a disabled or unknown model is refused with the usable models named', async (t) => {
  const conversationId = await newConversation(agent, member);
  for (const model of ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us.anthropic.claude-nonexistent-v9']) {
    const response = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: member.id, body: { text: 'hi', model } });
    t.equal(response.statusCode, 400, model);
    t.match(response.json(), { code: 'model_unavailable', message: /Claude Opus 4\.6.*Claude Haiku 4\.5/ });
  }
});

t.test('every request carries requestMetadata with the person and the conversation', async (t) => {
  const conversationId = await newConversation(agent, member);
  const { request, message } = await exchange(member, conversationId, { text: `what did you get? ${EMULATOR_MARKERS.echo}` });
  t.same(request.metadata, { userId: member.id, conversationId });
  t.match(message.text, /What the emulator received:[\s\S]*request metadata: conversationId, userId/, 'the emulator says what it received');
});

t.test('prompt caching: turns 2 and 3 of a long chat read the prefix and cost less than turn 1', async (t) => {
  const longPrompt = `You are a patient family assistant. ${'Keep answers kind, short and clear for everyone at home. '.repeat(120)}`;
  await putSettings({ ...defaults, systemPrompt: longPrompt });
  t.teardown(() => putSettings(defaults));
  const conversationId = await newConversation(agent, member);
  const turns = [];
  for (const text of ['first question about the garden', 'second question about the roses', 'third question about the soil']) {
    turns.push(await exchange(member, conversationId, { text }));
  }
  const [one, two, three] = turns as [(typeof turns)[0], (typeof turns)[0], (typeof turns)[0]];
  t.equal(one.request.cachePoints, 1, 'turn 1: a cache point after the system prompt');
  t.equal(two.request.cachePoints, 2, 'turn 2: and one at the end of the previous turn');
  t.equal(three.request.cachePoints, 2);
  t.ok((one.message.usage?.cacheWriteTokens ?? 0) > 1_000, 'turn 1 writes the system prompt to the cache');
  t.notOk(one.message.usage?.cacheReadTokens, 'turn 1 reads nothing');
  t.ok((two.message.usage?.cacheReadTokens ?? 0) >= (one.message.usage?.cacheWriteTokens ?? 0), 'turn 2 reads what turn 1 wrote');
  t.ok((three.message.usage?.cacheReadTokens ?? 0) > (two.message.usage?.cacheReadTokens ?? 0), 'turn 3 reads a longer prefix');
  t.ok(two.message.usage!.costUsd < one.message.usage!.costUsd, `turn 2 ($${two.message.usage!.costUsd}) costs less than turn 1 ($${one.message.usage!.costUsd})`);
  t.ok(three.message.usage!.costUsd < one.message.usage!.costUsd, 'so does turn 3');
  // The cost is the tokens at their own prices: Opus 4.6 input $5, output $25, 5m write $6.25, read $0.50 per MTok.
  const u = two.message.usage!;
  t.equal(Math.round(u.costUsd * 1e6), Math.round(u.inputTokens * 5 + u.outputTokens * 25 + (u.cacheWriteTokens ?? 0) * 6.25 + (u.cacheReadTokens ?? 0) * 0.5));
  const usage = (await agent.call('GET', '/v1/usage', { userId: member.id })).json();
  t.ok(usage.cacheReadTokens > 0 && usage.cacheSavedUsd > 0, `the usage page can show the saving ($${usage.cacheSavedUsd})`);
});

t.test('thinking: streamed, stored with its signature, shown after reload, sent back unchanged', async (t) => {
  const conversationId = await newConversation(agent, member);
  const first = await exchange(member, conversationId, { text: 'think about this', thinking: 'deep' });
  t.match(first.request.thinking, { type: 'adaptive', effort: 'high' }, 'Opus 4.6 is asked adaptively, with effort');
  t.equal(first.request.temperature, undefined, 'no temperature with thinking');
  t.match(first.message.thinking, /Thinking with high effort/, 'the reasoning is stored with the message');
  const reloaded = (await agent.call('GET', `/v1/conversations/${conversationId}`, { userId: member.id })).json();
  t.equal(reloaded.messages[1].thinking, first.message.thinking, 'and comes back after a reload');
  t.ok(first.message.usage!.outputTokens > 20, 'thinking tokens are counted in the output');

  const second = await exchange(member, conversationId, { text: `and then? ${EMULATOR_MARKERS.echo}` });
  const sentBack = second.request.messages[1]!.content[0]!.reasoningContent?.reasoningText;
  t.equal(sentBack?.text, first.message.thinking, 'the reasoning block goes back unchanged');
  t.ok(sentBack?.signature, 'with its signature (the emulator checks it)');
  t.equal(second.message.state, 'complete');
  t.match(second.message.text, /reasoning blocks sent back: 1/);

  const haiku = await newConversation(agent, member);
  const budget = await exchange(member, haiku, { text: 'think', model: HAIKU, thinking: 'normal' });
  t.match(budget.request.thinking, { type: 'enabled', budgetTokens: 4_096 }, 'an older model gets a token budget');
  t.ok(budget.request.maxTokens! > 4_096, 'maxTokens is above the budget');
});

t.test("a child's flagged message is blocked, the next one passes, and the budget is settled", async (t) => {
  const child = await registerUser(agent, 'member');
  const set = await agent.call('PUT', `/v1/safety/people/${child.id}`, { userId: admin.id, body: { guardrail: { identifier: 'kids01', version: '1' } } });
  t.equal(set.statusCode, 200);
  t.match(set.json().people.find((p: { userId: string }) => p.userId === child.id), { guardrail: { identifier: 'kids01', version: '1' }, fromDefault: false });
  const conversationId = await newConversation(agent, child);
  const flagged = await exchange(child, conversationId, { text: `something unkind ${guardrailMarker('kids01')}` });
  t.same(flagged.request.guardrail, { identifier: 'kids01', version: '1' });
  t.match(flagged.message, { state: 'error', error: "This message was blocked by your household's safety settings.", text: '' });
  t.notMatch(flagged.message.text, GUARDRAIL_BLOCKED_TEXT);
  t.ok(
    agent.logs.lines.some((l) => {
      const entry = l.audit as { action?: string; outcome?: string; actor?: { userId?: string } } | undefined;
      return entry?.action === 'message.blocked' && entry.actor?.userId === child.id && entry.outcome === 'refused';
    }),
    'an audit line is written',
  );
  const audit = await agent.call('GET', '/v1/audit?action=message.blocked', { userId: admin.id });
  t.match(audit.json().entries, [{ actor: { userId: child.id }, target: { kind: 'conversation', id: conversationId }, detail: { guardrail: 'kids01' } }], 'the admin sees it on the Activity page, without the text');
  t.notMatch(JSON.stringify(audit.json()), /something unkind/, 'nothing of what was written');
  const usage = await agent.app.usage.get(child.id, new Date().toISOString().slice(0, 7));
  t.equal(usage.committedMicroUsd, usage.spentMicroUsd, 'nothing stays reserved');

  const next = await exchange(child, conversationId, { text: 'tell me about dolphins' });
  t.equal(next.message.state, 'complete', 'the next message passes');
  const guarded = next.request.messages.flatMap((m) => m.content.filter((b) => b.guardContent));
  t.equal(guarded.length, 1, 'only the newest turn is guarded');
  t.notOk(JSON.stringify(next.request.messages).includes('kids01'), 'the blocked turn left the context');

  const adult = await exchange(member, await newConversation(agent, member), { text: `grown-up ${guardrailMarker('kids01')}` });
  t.equal(adult.request.guardrail, undefined, 'people without a guardrail get none');
  t.equal(adult.message.state, 'complete');

  const defaulted = await agent.call('PUT', '/v1/safety/default', { userId: admin.id, body: { guardrail: { identifier: 'kids02', version: 'DRAFT' } } });
  t.equal(defaulted.statusCode, 200);
  const newcomer = await registerUser(agent, 'member');
  const safety = (await agent.call('GET', '/v1/safety', { userId: admin.id })).json();
  t.match(safety.people.find((p: { userId: string }) => p.userId === newcomer.id), { guardrail: { identifier: 'kids02' }, fromDefault: true });
  t.match(safety.people.find((p: { userId: string }) => p.userId === member.id), { guardrail: null }, 'earlier members keep what they had');
  const bad = await agent.call('PUT', '/v1/safety/default', { userId: admin.id, body: { guardrail: { identifier: 'Not Valid!', version: '1' } } });
  t.equal(bad.statusCode, 400);
  t.equal((await agent.call('GET', '/v1/safety', { userId: member.id })).statusCode, 403, 'members cannot see it');
});

t.test('context that fits: a small-context model gets fewer messages, within its window', async (t) => {
  const small = { modelId: HAIKU, inputUsdPerMTok: 1, outputUsdPerMTok: 5, contextWindow: 14_000, maxOutputTokens: 8_192 };
  await putSettings({ ...defaults, models: [...defaults.models.filter((m: { modelId: string }) => m.modelId !== HAIKU), small] });
  t.teardown(() => putSettings(defaults));
  const conversationId = await newConversation(agent, member);
  let last: Awaited<ReturnType<typeof exchange>> | undefined;
  for (let i = 0; i < 5; i++) last = await exchange(member, conversationId, { text: `${i} ${'longwords'.repeat(900)}`, model: HAIKU });
  const chars = JSON.stringify(last!.request.messages).length + JSON.stringify(last!.request.system).length;
  t.ok(chars / 4 + last!.request.maxTokens! <= 14_000, `the request (${Math.round(chars / 4)} tokens + ${last!.request.maxTokens}) stays within the window`);
  t.ok(last!.message.context!.leftOut > 0, `older messages were left out (${JSON.stringify(last!.message.context)})`);
  t.equal(last!.request.messages.length, last!.message.context!.sent + 1);
});

t.test('settings refuse an entry whose context is not larger than its output', async (t) => {
  const response = await agent.call('PUT', '/v1/settings', {
    userId: admin.id,
    body: { ...defaults, models: [...defaults.models, { modelId: 'us.example.tiny-v1', inputUsdPerMTok: 1, outputUsdPerMTok: 1, contextWindow: 100, maxOutputTokens: 100 }] },
  });
  t.equal(response.statusCode, 400);
  t.match(response.json().message, /context window must be larger than the maximum output/);
  const pattern = await agent.call('PUT', '/v1/settings', { userId: admin.id, body: { ...defaults, models: [...defaults.models, { modelId: 'Bad Id', inputUsdPerMTok: 1, outputUsdPerMTok: 1 }] } });
  t.equal(pattern.statusCode, 400);
});
