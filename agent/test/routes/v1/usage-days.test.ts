import t from 'tap';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { PersonMonthSpend, UsageDaysResponse } from '@homeagent/contract';
import { dayOf, fromMicroUsd, monthOf } from '../../../src/budget.js';
import { daysOf } from '../../../src/routes/v1/usage/days.js';
import { buildAgent, registerUser, startStandIns, until } from '../../helper.js';

t.setTimeout(300_000);

const standIns = await startStandIns(t, { bedrock: true, hub: true });
const agent = await buildAgent(t, standIns);
const admin = await registerUser(agent, 'admin');
const member = await registerUser(agent, 'member');

const month = monthOf();
const today = dayOf();
/** The month before this one, `yyyy-mm`. */
const previousMonth = (() => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return monthOf(new Date(Date.UTC(y, m - 2, 15)));
})();

async function days(query = '', userId = admin.id) {
  return agent.call('GET', `/v1/usage/days${query}`, { userId });
}
const personIn = (body: UsageDaysResponse, userId: string) => body.people.find((p) => p.userId === userId);
const dayIn = (person: PersonMonthSpend | undefined, day: string) => person?.days.find((d) => d.day === day);

t.test('daysOf: every day of the month, leap years included', async (t) => {
  t.equal(daysOf('2026-02').length, 28);
  t.equal(daysOf('2028-02').length, 29);
  t.equal(daysOf('2026-12').length, 31);
  t.same(daysOf('2026-04').slice(0, 2), ['2026-04-01', '2026-04-02']);
  t.equal(daysOf('2026-04').at(-1), '2026-04-30');
});

t.test('a member may not read the chart (403 before validation), and bad months are refused clearly', async (t) => {
  for (const query of ['', '?month=nonsense']) {
    const refused = await days(query, member.id);
    t.equal(refused.statusCode, 403, `member ${query}`);
    t.equal(refused.json().code, 'admin_only');
  }
  for (const bad of ['2026-13', '2026-1', 'December', '2026-12-01']) {
    const response = await days(`?month=${encodeURIComponent(bad)}`);
    t.equal(response.statusCode, 400, bad);
    t.match(response.json(), { code: 'validation', message: /month/ });
  }
  const future = await days('?month=2999-01');
  t.equal(future.statusCode, 400);
  t.match(future.json(), { code: 'month_in_future', message: new RegExp(`2999-01 has not begun yet: choose ${month} or an earlier month`) });
});

t.test("a finished reply counts in its person's day and in the day's total", async (t) => {
  const before = await days();
  t.equal(before.statusCode, 200);
  t.equal(before.json().month, month);
  t.equal(dayIn(personIn(before.json(), member.id), today)?.spentUsd, 0, 'nothing spent yet');

  const conversationId = (await agent.call('POST', '/v1/conversations', { userId: member.id, body: {} })).json().conversation.id as string;
  const sent = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: member.id, body: { text: 'count me in' } });
  t.equal(sent.statusCode, 202);
  const body = await until(async () => {
    const response = (await days()).json<UsageDaysResponse>();
    // The person's day and the installation's day are two writes, one after the other: both must be in.
    const counted = (dayIn(personIn(response, member.id), today)?.spentUsd ?? 0) > 0 && (response.total.days.find((d) => d.day === today)?.spentUsd ?? 0) > 0;
    return counted ? response : undefined;
  }, "the reply counted in the member's day and the day's total");

  const monthly = await agent.app.usage.get(member.id, month);
  const mine = personIn(body, member.id)!;
  t.match(mine, { username: member.username, displayName: member.displayName, spentUsd: fromMicroUsd(monthly.spentMicroUsd) });
  t.same(dayIn(mine, today), {
    day: today,
    spentUsd: fromMicroUsd(monthly.spentMicroUsd),
    replies: 1,
    inputTokens: monthly.inputTokens,
    outputTokens: monthly.outputTokens,
  }, 'the day holds the reply: its cost and tokens');
  t.same(mine.days.map((d) => d.day), daysOf(month), 'every day of the month, in order');
  t.equal(mine.days.filter((d) => d.spentUsd > 0).length, 1, 'only today has spend');
  t.equal(body.total.days.find((d) => d.day === today)?.spentUsd, mine.spentUsd, 'the total of the day is the one spender');
  t.equal(body.total.spentUsd, mine.spentUsd);
  t.equal(dayIn(personIn(body, admin.id), today)?.spentUsd, 0, 'the admin spent nothing');
  t.equal(body.months[0], month, 'the current month first');
});

t.test('an earlier month reads its own days, and appears among the months', async (t) => {
  const day = `${previousMonth}-03`;
  await agent.app.usage.addPersonDay(member.id, day, 'earlier-reply-1', { microUsd: 12_345, inputTokens: 100, outputTokens: 200 });
  await agent.app.usage.addPersonDay(member.id, day, 'earlier-reply-2', { microUsd: 5, inputTokens: 1, outputTokens: 2 });
  await agent.app.usage.addDailySpend(day, 'earlier-reply-1', 12_345);
  t.equal(await agent.app.usage.addDailySpend(day, 'earlier-reply-2', 5), 12_350, "the day's total");

  const response = await days(`?month=${previousMonth}`);
  t.equal(response.statusCode, 200);
  const body = response.json<UsageDaysResponse>();
  t.equal(body.month, previousMonth);
  t.equal(body.currentMonth, month);
  t.same(dayIn(personIn(body, member.id), day), { day, spentUsd: 0.01235, replies: 2, inputTokens: 101, outputTokens: 202 });
  t.equal(body.total.days[2]?.spentUsd, 0.01235, 'day 3 is the third entry');
  t.equal(body.total.spentUsd, 0.01235);
  t.notOk(body.people.some((p) => p.days.some((d) => d.day.startsWith(month))), 'nothing of this month');
  t.same(body.months, [month, previousMonth], 'newest first');
});

t.test("removing a person takes their days; the installation's total keeps what they spent", async (t) => {
  const before = (await days()).json<UsageDaysResponse>();
  const spent = personIn(before, member.id)!.spentUsd;
  t.equal((await agent.call('DELETE', `/v1/users/${member.id}`, { userId: admin.id })).statusCode, 204);
  const scan = await agent.app.dynamo.send(new ScanCommand({ TableName: standIns.dynamo.tableName }));
  t.same((scan.Items ?? []).filter((i) => i.pk === `USER#${member.id}`), [], 'no usage row of theirs left, day rows included');
  const after = (await days()).json<UsageDaysResponse>();
  t.equal(personIn(after, member.id), undefined, 'no longer among the people');
  t.equal(after.total.spentUsd, spent, 'still in the total');
});
