import t from 'tap';
import { costMicroUsd } from '../src/budget.js';
import { buildContext, titleFrom } from '../src/conversation-context.js';
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
  t.equal(costMicroUsd({ modelId: 'm', inputUsdPerMTok: 3, outputUsdPerMTok: 15 }, 1000, 100), 4500);
  t.equal(costMicroUsd(undefined, 1000, 100), 0, 'no price, no cost');
  t.equal(titleFrom('  Plan   a\ntrip  '), 'Plan a trip');
  const long = titleFrom('word '.repeat(40));
  t.ok(long.length <= 60 && long.endsWith('…') && !long.includes(' …'));
});
