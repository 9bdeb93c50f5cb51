import t from 'tap';
import { emulatorReply, inputTokenCount, replyTokens } from '@homeagent/local/bedrock-emulator';
import { buildAgent, registerUser, startStandIns } from '../../helper.js';

t.setTimeout(120_000);

const standIns = await startStandIns(t, { bedrock: true });
const agent = await buildAgent(t, standIns);
const admin = await registerUser(agent, 'admin');
const member = await registerUser(agent, 'member');

const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

t.test('admins read the defaults and change them; replies use the change', async (t) => {
  const defaults = await agent.call('GET', '/v1/settings', { userId: admin.id });
  t.equal(defaults.statusCode, 200);
  t.match(defaults.json(), { defaultModel: 'us.anthropic.claude-opus-4-6-v1', systemPrompt: /helpful/, models: Array });
  t.ok(defaults.json().models.some((m: { modelId: string }) => m.modelId === HAIKU));

  const changed = {
    defaultModel: HAIKU,
    systemPrompt: 'Answer like a pirate.',
    models: [{ modelId: HAIKU, inputUsdPerMTok: 2, outputUsdPerMTok: 10, extra: 'dropped' }],
  };
  const put = await agent.call('PUT', '/v1/settings', { userId: admin.id, body: changed });
  t.equal(put.statusCode, 200);
  // An entry of the old shape (an id and two prices) is completed from the catalogue; unknown fields are dropped.
  t.match(put.json(), { ...changed, models: [{ modelId: HAIKU, inputUsdPerMTok: 2, outputUsdPerMTok: 10, displayName: 'Claude Haiku 4.5', contextWindow: 200_000, enabled: true }] });
  t.notOk('extra' in put.json().models[0], 'unknown fields are not stored');
  t.same((await agent.call('GET', '/v1/settings', { userId: admin.id })).json(), put.json());

  const conversation = (await agent.call('POST', '/v1/conversations', { userId: member.id })).json().conversation;
  const sent = await agent.call('POST', `/v1/conversations/${conversation.id}/messages`, { userId: member.id, body: { text: 'ahoy' } });
  t.equal(sent.statusCode, 202);
  const id = sent.json().assistantMessage.id as string;
  t.equal(sent.json().assistantMessage.model, HAIKU);
  await agent.logs.waitFor((l) => l.msg === 'reply finished' && l.messageId === id);
  const message = (await agent.call('GET', `/v1/conversations/${conversation.id}/messages/${id}`, { userId: member.id })).json().message;
  const request = { messages: [{ role: 'user', content: [{ text: 'ahoy' }] }], system: [{ text: 'Answer like a pirate.' }] };
  t.equal(message.text, emulatorReply(request));
  t.same(message.usage, {
    inputTokens: inputTokenCount(request),
    outputTokens: replyTokens(message.text).length,
    costUsd: (inputTokenCount(request) * 2 + replyTokens(message.text).length * 10) / 1_000_000,
  }, 'the cost uses the new price');

  const usage = await agent.call('GET', '/v1/usage', { userId: member.id });
  t.equal(usage.statusCode, 200);
  t.same(usage.json(), {
    month: new Date().toISOString().slice(0, 7),
    spentUsd: message.usage.costUsd,
    committedUsd: message.usage.costUsd,
    budgetUsd: 20,
    inputTokens: message.usage.inputTokens,
    outputTokens: message.usage.outputTokens,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheSavedUsd: 0,
  });
  const none = await agent.call('GET', '/v1/usage', { userId: admin.id });
  t.match(none.json(), { spentUsd: 0, committedUsd: 0, budgetUsd: 20, inputTokens: 0 });
});

t.test('members cannot read or change settings', async (t) => {
  for (const method of ['GET', 'PUT'] as const) {
    const response = await agent.call(method, '/v1/settings', { userId: member.id, ...(method === 'PUT' ? { body: {} } : {}) });
    t.equal(response.statusCode, 403, method);
    t.equal(response.json().code, 'admin_only');
  }
});

t.test('bad settings are a 400 that says what is wrong', async (t) => {
  const good = { defaultModel: HAIKU, systemPrompt: 'Be kind.', models: [{ modelId: HAIKU, inputUsdPerMTok: 1, outputUsdPerMTok: 5 }] };
  const cases: Array<[string, unknown, RegExp]> = [
    ['default not listed', { ...good, defaultModel: 'other-model' }, /"defaultModel" must be one of the models/],
    ['no models', { ...good, models: [] }, /"models" must list at least 1 item\./],
    ['negative price', { ...good, models: [{ ...good.models[0], inputUsdPerMTok: -1 }] }, /"models\.0\.inputUsdPerMTok" must be at least 0/],
    ['price as text', { ...good, models: [{ ...good.models[0], outputUsdPerMTok: '5' }] }, /"models\.0\.outputUsdPerMTok" must be a number/],
    ['listed twice', { ...good, models: [good.models[0], good.models[0]] }, /only once/],
    ['blank prompt', { ...good, systemPrompt: '   ' }, /"systemPrompt" must not be blank/],
    ['oversized prompt', { ...good, systemPrompt: 'x'.repeat(20_001) }, /"systemPrompt" must be at most 20000 characters/],
    ['missing prompt', { defaultModel: HAIKU, models: good.models }, /"systemPrompt" is required/],
  ];
  for (const [name, body, message] of cases) {
    const response = await agent.call('PUT', '/v1/settings', { userId: admin.id, body });
    t.equal(response.statusCode, 400, name);
    t.match(response.json(), { code: 'validation', message }, name);
  }
  t.equal((await agent.call('GET', '/v1/settings', { userId: admin.id })).json().systemPrompt, 'Answer like a pirate.', 'nothing was stored');
});
