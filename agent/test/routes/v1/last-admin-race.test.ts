import t from 'tap';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { AdminChangeLock } from '../../../src/admin-change-lock.js';
import { buildAgent, registerUser, startStandIns } from '../../helper.js';

t.setTimeout(120_000);

// A table of its own: "the last admin" counts everyone in it.
const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns, {}, { firstAdminInvite: false });
const table = standIns.dynamo.tableName;

const activeAdminIds = async () => (await agent.app.users.list()).filter((u) => u.role === 'admin' && !u.disabledAt).map((u) => u.id);

t.test('two admins taking each other\'s role at the same instant: one change passes, the other is refused, an admin remains', async (t) => {
  for (const round of ['role', 'state'] as const) {
    const first = await registerUser(agent, 'admin');
    const second = await registerUser(agent, 'admin');
    // Only these two are active admins now (earlier rounds leave one admin behind: take it away first).
    for (const id of await activeAdminIds()) {
      if (id === first.id || id === second.id) continue;
      t.equal((await agent.call('PUT', `/v1/users/${id}/role`, { userId: first.id, body: { role: 'member' } })).statusCode, 200);
    }
    const body = round === 'role' ? { role: 'member' } : { state: 'disabled' };
    const answers = await Promise.all([
      agent.call('PUT', `/v1/users/${second.id}/${round}`, { userId: first.id, body }),
      agent.call('PUT', `/v1/users/${first.id}/${round}`, { userId: second.id, body }),
    ]);
    const statuses = answers.map((a) => a.statusCode).sort();
    t.equal(statuses.filter((s) => s === 200).length, 1, `${round}: exactly one change passes (${statuses.join(', ')})`);
    const refused = answers.find((a) => a.statusCode !== 200);
    t.ok(refused && ['last_admin', 'admin_only'].includes(refused.json().code), `${round}: the other is refused with a reason (${refused?.body})`);
    t.equal((await activeAdminIds()).length, 1, `${round}: one active admin remains`);
  }
});

t.test('removing the other admin while being demoted by them leaves an admin too', async (t) => {
  const [stay] = await activeAdminIds();
  if (stay === undefined) throw new Error('no admin left by the test before');
  const other = await registerUser(agent, 'admin');
  const answers = await Promise.all([
    agent.call('DELETE', `/v1/users/${other.id}`, { userId: stay }),
    agent.call('PUT', `/v1/users/${stay}/role`, { userId: other.id, body: { role: 'member' } }),
  ]);
  t.equal(answers.filter((a) => a.statusCode < 300).length, 1, `one passes (${answers.map((a) => a.statusCode).join(', ')})`);
  t.equal((await activeAdminIds()).length, 1);
});

t.test('the lock: a second change waits for the first, gives up with a clear 409, and a dead holder frees it by expiring', async (t) => {
  const lock = new AdminChangeLock(agent.app.dynamo, table, { waitMs: 300 });
  let release!: () => void;
  const held = lock.run(() => new Promise<string>((resolve) => (release = () => resolve('first'))));
  await t.rejects(lock.run(() => Promise.resolve('second')), { statusCode: 409, code: 'admin_change_busy', message: /Try again in a moment/ });
  release();
  t.equal(await held, 'first');
  t.equal(await lock.run(() => Promise.resolve('after')), 'after', 'free once the first is done');

  // A task that died holding it: the item stays with an expiry in the past.
  await agent.app.dynamo.send(new PutCommand({ TableName: table, Item: { pk: 'ADMIN_CHANGE', sk: 'LOCK', holder: 'a-dead-task', expiresAt: Date.now() - 1 } }));
  t.equal(await lock.run(() => Promise.resolve('taken over')), 'taken over');
  // And one that is alive is respected.
  await agent.app.dynamo.send(new PutCommand({ TableName: table, Item: { pk: 'ADMIN_CHANGE', sk: 'LOCK', holder: 'a-live-task', expiresAt: Date.now() + 60_000 } }));
  await t.rejects(lock.run(() => Promise.resolve('never')), { code: 'admin_change_busy' });
});
