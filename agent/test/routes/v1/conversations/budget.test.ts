import t from 'tap';
import { EMULATOR_MARKERS } from '@homeagent/local/bedrock-emulator';
import type { User } from '@homeagent/contract';
import { fitReply, monthOf, renewalDate, toMicroUsd } from '../../../../src/budget.js';
import { REPLY_TOKENS } from '../../../../src/bedrock-request.js';
import { DEFAULT_CATALOGUE } from '../../../../src/model-catalogue.js';
import { buildAgent, registerUser, startStandIns, until } from '../../../helper.js';

t.setTimeout(300_000);

const standIns = await startStandIns(t, { bedrock: true, hub: true });
const agent = await buildAgent(t, standIns);
const admin = await registerUser(agent, 'admin');
/** The default model (Opus 4.6: $5 in, $25 out, 5-minute cache writes at $6.25 per million tokens). */
const OPUS = DEFAULT_CATALOGUE.find((m) => m.modelId === 'us.anthropic.claude-opus-4-6-v1')!;

async function personWithBudget(usd: number): Promise<User> {
  const person = await registerUser(agent, 'member');
  const set = await agent.call('PUT', `/v1/users/${person.id}/budget`, { userId: admin.id, body: { monthlyBudgetUsd: usd } });
  if (set.statusCode !== 200) throw new Error(set.body);
  return person;
}

async function send(person: User, text: string) {
  const conversationId = (await agent.call('POST', '/v1/conversations', { userId: person.id, body: {} })).json().conversation.id as string;
  const response = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: person.id, body: { text } });
  return { conversationId, response };
}

const settled = (person: User) =>
  until(async () => {
    const usage = await agent.app.usage.get(person.id, monthOf());
    return usage.committedMicroUsd === usage.spentMicroUsd && usage.spentMicroUsd > 0 ? usage : undefined;
  }, 'every reply settled');

t.test('fitReply: the full limit when it fits, fewer tokens when not, nothing below the floor', async (t) => {
  t.same([OPUS.inputUsdPerMTok, OPUS.outputUsdPerMTok, OPUS.cacheWrite5mUsdPerMTok], [5, 25, 6.25], 'the prices this test counts with');
  const limits = { maxTokens: 8192, minTokens: 256, cacheTtl: '5m' as const };
  const position = (leftUsd: number) => ({ budgetMicroUsd: toMicroUsd(1), spentMicroUsd: toMicroUsd(1 - leftUsd), committedMicroUsd: toMicroUsd(1 - leftUsd) });
  t.match(fitReply(OPUS, 100, limits, position(1)), { maxOutputTokens: 8192, shortened: false });
  const short = fitReply(OPUS, 1000, limits, position(0.02))!;
  // $0.02 = 20 000 µ$; input at the cache-write price 6 250 µ$; (13 750 - 1) / 25 = 549 tokens.
  t.same(short, { maxOutputTokens: 549, reservedMicroUsd: 6250 + 549 * 25, shortened: true });
  t.ok(short.reservedMicroUsd <= 20_000, 'its worst case fits what is left');
  t.equal(fitReply(OPUS, 1000, limits, position(0.0125)), undefined, '249 tokens is under the floor');
  const uncached = fitReply(OPUS, 1000, { maxTokens: 8192, minTokens: 256 }, position(0.02))!;
  t.equal(uncached.maxOutputTokens, Math.floor((20_000 - 5_000 - 1) / 25), 'without a cache point input is at the input price');
  t.match(fitReply(undefined, 1000, limits, position(0)), { maxOutputTokens: 8192, reservedMicroUsd: 0 }, 'no price, no cost');
  t.equal(renewalDate('2026-12'), '1 January 2027');
});

t.test('with $0.02 left a long question is answered, shorter, and the reply says the budget cut it', async (t) => {
  const person = await personWithBudget(0.02);
  // 600 words: the emulator quotes them back, more output than $0.02 leaves room for.
  const text = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');
  const { conversationId, response } = await send(person, text);
  t.equal(response.statusCode, 202, 'answered, not refused');
  const messageId = response.json().assistantMessage.id as string;
  const message = await until(async () => {
    const m = await agent.app.messages.get(conversationId, messageId);
    return m?.state === 'streaming' ? undefined : m;
  }, 'the reply');
  t.equal(message.state, 'complete');
  t.equal(message.cutShortByBudget, true, 'marked as cut short by the budget');
  t.ok(message.usage!.outputTokens < REPLY_TOKENS.off, `fewer output tokens (${message.usage!.outputTokens})`);
  const usage = await settled(person);
  t.ok(usage.spentMicroUsd <= toMicroUsd(0.02), `spent ${usage.spentMicroUsd} µ$ of 20 000`);
  const read = await agent.call('GET', `/v1/conversations/${conversationId}/messages/${messageId}`, { userId: person.id });
  t.equal(read.json().message.cutShortByBudget, true, 'the API says so too');
});

t.test('below the floor a message is refused with spent, held, budget and renewal date, and nothing is written', async (t) => {
  // One full reply holds about $0.2049 (8 192 tokens at $25/M and its input): what is left after it is under 256 tokens.
  const person = await personWithBudget(0.21);
  const first = await send(person, `take your time ${EMULATOR_MARKERS.slow}`);
  t.equal(first.response.statusCode, 202);
  const refused = await send(person, 'and another thing');
  t.equal(refused.response.statusCode, 402);
  const { code, message } = refused.response.json<{ code: string; message: string }>();
  t.equal(code, 'budget_exceeded');
  t.match(message, /\$0\.00 spent of \$0\.21/);
  t.match(message, /\$0\.2\d held for replies still in progress/);
  t.notMatch(message, /used/, 'a hold is never called "used"');
  t.match(message, new RegExp(`renews on ${renewalDate(monthOf())}`));
  const detail = (await agent.call('GET', `/v1/conversations/${refused.conversationId}`, { userId: person.id })).json();
  t.equal(detail.messages.length, 0, 'nothing was stored');
  await agent.call('POST', `/v1/conversations/${first.conversationId}/messages/${first.response.json().assistantMessage.id}/stop`, { userId: person.id });
});

t.test('concurrent sends never overspend: every reservation fits, and the month ends within the budget', async (t) => {
  const budget = 0.07;
  const person = await personWithBudget(budget);
  const sends = await Promise.all(Array.from({ length: 6 }, (_, i) => send(person, `question ${i}`)));
  const statuses = sends.map((s) => s.response.statusCode);
  t.ok(statuses.every((s) => s === 202 || s === 402), `only answers and refusals: ${statuses.join(', ')}`);
  t.ok(statuses.includes(202) && statuses.includes(402), 'some fit, some not');
  const during = await agent.app.usage.get(person.id, monthOf());
  t.ok(during.committedMicroUsd <= toMicroUsd(budget), `held ${during.committedMicroUsd} µ$ within ${toMicroUsd(budget)}`);
  const after = await settled(person);
  t.ok(after.spentMicroUsd <= toMicroUsd(budget), 'spent within the budget');
  t.equal(after.committedMicroUsd, after.spentMicroUsd, 'nothing stays held');
});
