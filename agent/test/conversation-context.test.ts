import t from 'tap';
import { costMicroUsd } from '../src/budget.js';
import { buildContext, planContext, titleFrom } from '../src/conversation-context.js';
import type { MessageState } from '@homeagent/contract';

type H = { role: 'user' | 'assistant'; text: string; state: MessageState };
const u = (text: string): H => ({ role: 'user', text, state: 'complete' });
const a = (text: string, state: MessageState = 'complete'): H => ({ role: 'assistant', text, state });
const roles = (messages: ReturnType<typeof buildContext>) => messages.map((m) => m.role).join(',');
const texts = (messages: ReturnType<typeof buildContext>) => messages.map((m) => m.content?.[0] && 'text' in m.content[0] ? m.content[0].text : '');

t.test('a plain history is sent as it is, ending with the new message', async (t) => {
  const context = buildContext([u('q1'), a('r1'), u('q2'), a('r2')], 'q3', 50);
  t.equal(roles(context), 'user,assistant,user,assistant,user');
  t.same(texts(context), ['q1', 'r1', 'q2', 'r2', 'q3']);
});

t.test('errored, streaming and empty replies are skipped and neighbours joined', async (t) => {
  const context = buildContext([u('q1'), a('', 'error'), u('q2'), a('partial', 'streaming'), u('q3'), a('  ')], 'q4', 50);
  t.equal(roles(context), 'user');
  t.same(texts(context), ['q1\n\nq2\n\nq3\n\nq4']);
  const stopped = buildContext([u('q1'), a('half', 'stopped')], 'q2', 50);
  t.same(texts(stopped), ['q1', 'half', 'q2'], 'a stopped reply is what the person saw, so it stays');
});

t.test('the limit keeps the newest messages and never starts with the assistant', async (t) => {
  const history = [u('q1'), a('r1'), u('q2'), a('r2'), u('q3'), a('r3')];
  const context = buildContext(history, 'q4', 4);
  t.equal(roles(context), 'user,assistant,user', 'the leading assistant reply is dropped');
  t.same(texts(context), ['q3', 'r3', 'q4']);
  t.same(texts(buildContext(history, 'q4', 1)), ['q4'], 'a limit of one sends only the new message');
});

t.test('cost and title', async (t) => {
  t.equal(costMicroUsd({ inputUsdPerMTok: 3, outputUsdPerMTok: 15 }, 1000, 100), 4500);
  t.equal(costMicroUsd(undefined, 1000, 100), 0, 'no price, no cost');
  t.equal(titleFrom('  Plan   a\ntrip  '), 'Plan a trip');
  const long = titleFrom('word '.repeat(40));
  t.ok(long.length <= 60 && long.endsWith('…') && !long.includes(' …'));
});

t.test('a user message whose reply was refused for good leaves the context; a passing fault keeps it', async (t) => {
  const refused = { ...a('', 'error'), errorFinal: true };
  t.same(texts(buildContext([u('q1'), a('r1'), u('poison'), refused], 'q3', 50)), ['q1', 'r1', 'q3']);
  t.same(texts(buildContext([u('q1'), a('r1'), u('kept'), a('', 'error')], 'q3', 50)), ['q1', 'r1', 'kept\n\nq3']);
});

t.test('the token budget keeps the newest messages that fit and says how many were left out', async (t) => {
  const long = 'x'.repeat(400); // 100 tokens each
  const history = [u(long), a(long), u(long), a(long), u(long), a(long)];
  const one = planContext(history, 'q', { limit: 50, tokenBudget: 150 });
  t.equal(one.sent, 0, 'only the newest reply would fit, and a leading reply goes (not counted as sent)');
  t.equal(roles(one.messages), 'user');
  const plan = planContext(history, 'q', { limit: 50, tokenBudget: 420 });
  t.equal(plan.sent, 4);
  t.equal(plan.leftOut, 2);
  t.equal(roles(plan.messages), 'user,assistant,user,assistant,user');
  t.ok(plan.estimatedTokens <= 420);
  t.equal(planContext(history, 'q', { limit: 3, tokenBudget: 10_000 }).sent, 2, 'the count limit still applies');
});

t.test('reasoning goes back before the text, only to the model that made it', async (t) => {
  const thought = { ...a('r1'), reasoning: { text: 'hmm', signature: 'sig' }, model: 'm1' };
  const same = planContext([u('q1'), thought], 'q2', { limit: 50, model: 'm1' }).messages[1]!;
  t.same(same.content, [{ reasoningContent: { reasoningText: { text: 'hmm', signature: 'sig' } } }, { text: 'r1' }]);
  const other = planContext([u('q1'), thought], 'q2', { limit: 50, model: 'm2' }).messages[1]!;
  t.same(other.content, [{ text: 'r1' }]);
});
