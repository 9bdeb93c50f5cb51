import t from 'tap';
import { EMULATOR_MARKERS } from '@homeagent/local/bedrock-emulator';
import type { User } from '@homeagent/contract';
import { fitReply, monthOf, renewalDate, toMicroUsd } from '../../../../src/budget.js';
import { MAX_OUTPUT_TOKENS } from '../../../../src/conversation-context.js';
import { buildAgent, registerUser, startStandIns, until } from '../../../helper.js';

t.setTimeout(300_000);

const standIns = await startStandIns(t, { bedrock: true, hub: true });
const agent = await buildAgent(t, standIns);
const admin = await registerUser(agent, 'admin');
/** Sonnet 4.5's price in the default settings, micro-dollars per token. */
const SONNET = { modelId: 'sonnet', inputUsdPerMTok: 3, outputUsdPerMTok: 15 };

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
  const limits = { maxTokens: 4096, minTokens: 256 };
  const position = (leftUsd: number) => ({ budgetMicroUsd: toMicroUsd(1), spentMicroUsd: toMicroUsd(1 - leftUsd), committedMicroUsd: toMicroUsd(1 - leftUsd) });
  t.match(fitReply(SONNET, 100, limits, position(1)), { maxOutputTokens: 4096, shortened: false });
  const short = fitReply(SONNET, 1000, limits, position(0.02))!;
  // $0.02 = 20 000 µ$; input 3 000 µ$; (17 000 - 1) / 15 = 1133 tokens.
  t.same(short, { maxOutputTokens: 1133, reservedMicroUsd: 3000 + 1133 * 15, shortened: true });
  t.ok(short.reservedMicroUsd <= 20_000, 'its worst case fits what is left');
  t.equal(fitReply(SONNET, 1000, limits, position(0.0068)), undefined, '253 tokens is under the floor');
  t.match(fitReply(undefined, 1000, limits, position(0)), { maxOutputTokens: 4096, reservedMicroUsd: 0 }, 'no price, no cost');
  t.equal(renewalDate('2026-12'), '1 January 2027');
});

t.test('with $0.02 left a long question is answered, shorter, and the reply says the budget cut it', async (t) => {
  const person = await personWithBudget(0.02);
  // About 1 500 words (13 kB): the emulator quotes them back, far more than $0.02 of output.
  const text = Array.from({ length: 1500 }, (_, i) => `word${i}`).join(' ');
  const { conversationId, response } = await send(person, text);
  t.equal(response.statusCode, 202, 'answered, not refused');
  const messageId = response.json().assistantMessage.id as string;
  const message = await until(async () => {
    const m = await agent.app.messages.get(conversationId, messageId);
    return m?.state === 'streaming' ? undefined : m;
  }, 'the reply');
  t.equal(message.state, 'complete');
  t.equal(message.cutShortByBudget, true, 'marked as cut short by the budget');
  t.ok(message.usage!.outputTokens < MAX_OUTPUT_TOKENS, `fewer output tokens (${message.usage!.outputTokens})`);
  const usage = await settled(person);
  t.ok(usage.spentMicroUsd <= toMicroUsd(0.02), `spent ${usage.spentMicroUsd} µ$ of 20 000`);
  const read = await agent.call('GET', `/v1/conversations/${conversationId}/messages/${messageId}`, { userId: person.id });
  t.equal(read.json().message.cutShortByBudget, true, 'the API says so too');
});

t.test('below the floor a message is refused with spent, held, budget and renewal date, and nothing is written', async (t) => {
  // One full reply holds about $0.0615 (4 096 tokens at $15/M): what is left after it is under 256 tokens.
  const person = await personWithBudget(0.064);
  const first = await send(person, `take your time ${EMULATOR_MARKERS.slow}`);
  t.equal(first.response.statusCode, 202);
  const refused = await send(person, 'and another thing');
  t.equal(refused.response.statusCode, 402);
  const { code, message } = refused.response.json() as { code: string; message: string };
  t.equal(code, 'budget_exceeded');
  t.match(message, /\$0\.00 spent of \$0\.06/);
  t.match(message, /\$0\.06 held for replies still in progress/);
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
