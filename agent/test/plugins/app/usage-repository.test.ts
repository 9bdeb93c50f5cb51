import t from 'tap';
import { buildAgent, registerUser, startStandIns } from '../../helper.js';

// The SDK sends an update again when its first answer came late (after its
// timeout), and the reply job sends a settlement again while the database is
// away: each budget write must count once however often it arrives. Sending
// the same call twice is what the table sees in both cases.
const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns, {}, { firstAdminInvite: false });
const { usage } = agent.app;
const month = '2026-11';
const budget = 1_000_000;

t.test('a reservation sent twice is held once, and the second attempt is told it holds', async (t) => {
  const person = await registerUser(agent);
  t.equal(await usage.reserve(person.id, month, 4_000, budget, 'reply-1'), true);
  t.equal(await usage.reserve(person.id, month, 4_000, budget, 'reply-1'), true, 'the retried attempt finds its own hold');
  const after = await usage.get(person.id, month);
  t.equal(after.committedMicroUsd, 4_000, 'counted once');
  t.equal(after.requests, 1);
  t.equal(await usage.isHeld(person.id, month, 'reply-1', 4_000), true);
});

t.test('a reservation over the budget is still refused, held or not by others', async (t) => {
  const person = await registerUser(agent);
  t.equal(await usage.reserve(person.id, month, 900_000, budget, 'big'), true);
  t.equal(await usage.reserve(person.id, month, 200_000, budget, 'too-much'), false, 'over the budget');
  t.equal(await usage.isHeld(person.id, month, 'too-much'), false, 'and nothing held for it');
  t.equal((await usage.get(person.id, month)).committedMicroUsd, 900_000);
});

t.test('a settlement sent twice counts the cost once, and reserved minus settled returns to 0', async (t) => {
  const person = await registerUser(agent);
  await usage.reserve(person.id, month, 10_000, budget, 'reply-a');
  await usage.reserve(person.id, month, 6_000, budget, 'reply-b');
  const cost = { microUsd: 2_500, inputTokens: 100, outputTokens: 50 };
  t.equal(await usage.settle(person.id, month, 'reply-a', 10_000, cost), true);
  t.equal(await usage.settle(person.id, month, 'reply-a', 10_000, cost), false, 'the second attempt finds it settled');
  const mid = await usage.get(person.id, month);
  t.equal(mid.spentMicroUsd, 2_500, 'spent once');
  t.equal(mid.committedMicroUsd, 2_500 + 6_000, "spent plus the other reply's reservation");
  t.equal(mid.inputTokens, 100);

  await usage.release(person.id, month, 'reply-b', 6_000);
  await usage.release(person.id, month, 'reply-b', 6_000);
  const end = await usage.get(person.id, month);
  t.equal(end.committedMicroUsd - end.spentMicroUsd, 0, 'nothing reserved is left over');
  t.equal(await usage.settle(person.id, month, 'reply-b', 6_000, cost), false, 'a released reply is not settled after');
  t.equal((await usage.get(person.id, month)).spentMicroUsd, 2_500);
});

t.test("a reply counted twice in a day (the person's and the installation's) counts once", async (t) => {
  const person = await registerUser(agent);
  const day = '2026-11-14';
  const before = (await usage.installationDays(month)).find((d) => d.day === day)?.spentMicroUsd ?? 0;
  await usage.addPersonDay(person.id, day, 'day-reply-1', { microUsd: 700, inputTokens: 10, outputTokens: 20 });
  await usage.addPersonDay(person.id, day, 'day-reply-1', { microUsd: 700, inputTokens: 10, outputTokens: 20 });
  await usage.addPersonDay(person.id, day, 'day-reply-2', { microUsd: 300, inputTokens: 1, outputTokens: 2 });
  t.same((await usage.personDays(person.id, month)).find((d) => d.day === day), { day, spentMicroUsd: 1_000, replies: 2, inputTokens: 11, outputTokens: 22 });

  t.equal(await usage.addDailySpend(day, 'day-reply-1', 700), before + 700);
  t.equal(await usage.addDailySpend(day, 'day-reply-1', 700), before + 700, "the second attempt answers the day's total, unchanged");
  t.equal(await usage.addDailySpend(day, 'day-reply-2', 300), before + 1_000);
  t.equal((await usage.installationDays(month)).find((d) => d.day === day)?.spentMicroUsd, before + 1_000);
});
