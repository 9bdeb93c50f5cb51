import t from 'tap';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { RECENT_USER_MS, UsersRepository } from '../../../src/plugins/app/users-repository.js';
import { buildAgent, registerUser, startStandIns } from '../../helper.js';

// A chat page or a send is a burst of calls from the app, each naming the
// person: the record read for the first answers the rest for a moment, and
// every write through the repository is seen by the very next read.
const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns, {}, { firstAdminInvite: false });
const table = standIns.dynamo.tableName;

/** A repository on a client of its own whose GetItem requests are counted, with a clock the test moves. */
function countedRepository() {
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: standIns.dynamo.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const reads = { count: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetItemCommand') reads.count += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countReads' },
  );
  t.teardown(() => client.destroy());
  const clock = { now: 1_000_000 };
  const doc = DynamoDBDocumentClient.from(client);
  return { repo: new UsersRepository(doc, table, () => clock.now), reads, clock, doc };
}

/** A change made by another process: straight to the table, past this repository. */
async function renameElsewhere(doc: DynamoDBDocumentClient, id: string, displayName: string) {
  await doc.send(new UpdateCommand({ TableName: table, Key: { pk: `USER#${id}`, sk: 'PROFILE' }, UpdateExpression: 'SET displayName = :d', ExpressionAttributeValues: { ':d': displayName } }));
}

t.test('reads in one moment share one request; after the window the table is read again', async (t) => {
  const person = await registerUser(agent);
  const { repo, reads, clock, doc } = countedRepository();
  const [a, b, c] = await Promise.all([repo.getRecent(person.id), repo.getRecent(person.id), repo.getRecent(person.id)]);
  t.equal(reads.count, 1, 'three reads at once, one request');
  t.equal(a?.displayName, person.displayName);
  t.same(b, a);
  t.same(c, a);

  await renameElsewhere(doc, person.id, 'Changed elsewhere');
  clock.now += RECENT_USER_MS - 1;
  t.equal((await repo.getRecent(person.id))?.displayName, person.displayName, 'within the window: the record as read');
  t.equal(reads.count, 1);
  clock.now += 1;
  t.equal((await repo.getRecent(person.id))?.displayName, 'Changed elsewhere', 'after it: read again');
  t.equal(reads.count, 2);
});

t.test('get always reads the table, and its answer serves the reads after it', async (t) => {
  const person = await registerUser(agent);
  const { repo, reads, doc } = countedRepository();
  await repo.getRecent(person.id);
  await renameElsewhere(doc, person.id, 'Fresh');
  t.equal((await repo.get(person.id))?.displayName, 'Fresh', 'a consistent read, whatever was read a moment ago');
  t.equal(reads.count, 2);
  t.equal((await repo.getRecent(person.id))?.displayName, 'Fresh');
  t.equal(reads.count, 2, 'the fresh read answered it');
});

t.test('a write through the repository is seen by the very next read', async (t) => {
  const person = await registerUser(agent);
  const { repo, reads } = countedRepository();
  t.equal((await repo.getRecent(person.id))?.disabledAt, undefined);
  await repo.setDisabled(person.id, true);
  t.type((await repo.getRecent(person.id))?.disabledAt, 'string', 'disabled at once');
  await repo.setRole(person.id, 'admin');
  t.equal((await repo.getRecent(person.id))?.role, 'admin');
  await repo.setBudget(person.id, 3);
  t.equal((await repo.getRecent(person.id))?.monthlyBudgetUsd, 3);
  const record = (await repo.get(person.id))!;
  await repo.markRemoving(person.id);
  t.equal(await repo.getRecent(person.id), undefined, 'an account being removed reads as absent at once');
  await repo.purge(record);
  t.equal(await repo.getRecent(person.id), undefined);
  t.equal(reads.count, 7, 'every read after a write went to the table (and the one get)');
});

t.test('a read that was under way while a write was being made is not kept', async (t) => {
  const person = await registerUser(agent);
  const { repo } = countedRepository();
  const before = repo.getRecent(person.id);
  const write = repo.setDisplayName(person.id, 'After the write');
  await Promise.all([before, write]);
  t.equal((await repo.getRecent(person.id))?.displayName, 'After the write');
});

t.test('each caller gets its own copy of the record', async (t) => {
  const person = await registerUser(agent);
  const { repo } = countedRepository();
  const first = (await repo.getRecent(person.id))!;
  first.role = 'admin';
  first.displayName = 'changed by a route';
  const second = await repo.getRecent(person.id);
  t.equal(second?.role, 'member');
  t.equal(second?.displayName, person.displayName);
});

t.test('the agent answers a disabled person at once, even right after a call of theirs', async (t) => {
  const admin = await registerUser(agent, 'admin');
  const person = await registerUser(agent);
  const asPerson = () => agent.call('GET', '/v1/conversations', { userId: person.id });
  t.equal((await asPerson()).statusCode, 200, 'their record is now read and kept for a moment');
  const disabled = await agent.call('PUT', `/v1/users/${person.id}/state`, { userId: admin.id, body: { state: 'disabled' } });
  t.equal(disabled.statusCode, 200, disabled.body);
  const refused = await asPerson();
  t.equal(refused.statusCode, 403);
  t.equal(refused.json<{ code: string }>().code, 'account_disabled');
});
