import t from 'tap';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TABLE_NAME, GSI1, localDynamoClient, startDynamo } from '../src/dynamodb.js';

function documentClient(t: { teardown(fn: () => unknown): void }, endpoint: string) {
  const client = localDynamoClient(endpoint);
  t.teardown(() => client.destroy());
  return { client, doc: DynamoDBDocumentClient.from(client) };
}

t.test('the table has the shape of docs/runtime.md', async (t) => {
  const dynamo = await startDynamo();
  t.teardown(() => dynamo.close());
  t.equal(dynamo.tableName, DEFAULT_TABLE_NAME);
  t.match(dynamo.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  const { client } = documentClient(t, dynamo.endpoint);
  const { Table } = await client.send(new DescribeTableCommand({ TableName: 'homeagent' }));
  t.equal(Table?.TableStatus, 'ACTIVE');
  t.equal(Table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
  t.same(Table?.KeySchema, [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ]);
  const gsi = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === GSI1);
  t.ok(gsi, 'gsi1 exists');
  t.same(gsi?.KeySchema, [
    { AttributeName: 'gsi1pk', KeyType: 'HASH' },
    { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
  ]);
  t.equal(gsi?.Projection?.ProjectionType, 'ALL');
  t.equal(gsi?.IndexStatus, 'ACTIVE');
});

t.test('a GSI query lists a user\'s conversations by updatedAt', async (t) => {
  const dynamo = await startDynamo({ tableName: 'chat-test' });
  t.teardown(() => dynamo.close());
  t.equal(dynamo.tableName, 'chat-test');
  const { doc } = documentClient(t, dynamo.endpoint);
  const conversations = [
    { id: 'c1', updatedAt: '2026-01-02T00:00:00.000Z' },
    { id: 'c2', updatedAt: '2026-01-03T00:00:00.000Z' },
    { id: 'c3', updatedAt: '2026-01-01T00:00:00.000Z' },
  ];
  for (const c of conversations) {
    await doc.send(
      new PutCommand({
        TableName: 'chat-test',
        Item: { pk: `CONV#${c.id}`, sk: 'META', gsi1pk: 'USER#u1#CONVS', gsi1sk: c.updatedAt, title: c.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }
  await doc.send(new PutCommand({ TableName: 'chat-test', Item: { pk: 'CONV#x', sk: 'META', gsi1pk: 'USER#u2#CONVS', gsi1sk: '2026-02-01', title: 'other' } }));
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: 'chat-test',
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :u',
      ExpressionAttributeValues: { ':u': 'USER#u1#CONVS' },
      ScanIndexForward: false,
    }),
  );
  t.same(Items?.map((i) => i.title), ['c2', 'c1', 'c3'], 'newest first, only this user');
});

t.test('data persists across a restart on the same path, and the table is not recreated', async (t) => {
  const path = t.testdir();
  const first = await startDynamo({ path });
  const firstClient = documentClient(t, first.endpoint);
  await firstClient.doc.send(new PutCommand({ TableName: 'homeagent', Item: { pk: 'USER#1', sk: 'PROFILE', name: 'Ada' } }));
  const before = await firstClient.client.send(new DescribeTableCommand({ TableName: 'homeagent' }));
  await first.close();

  const second = await startDynamo({ path });
  t.teardown(() => second.close());
  const { doc, client } = documentClient(t, second.endpoint);
  const { Item } = await doc.send(new GetCommand({ TableName: 'homeagent', Key: { pk: 'USER#1', sk: 'PROFILE' } }));
  t.same(Item, { pk: 'USER#1', sk: 'PROFILE', name: 'Ada' });
  const after = await client.send(new DescribeTableCommand({ TableName: 'homeagent' }));
  t.equal(after.Table?.CreationDateTime?.getTime(), before.Table?.CreationDateTime?.getTime(), 'same table, not a new one');
});

t.test('a data folder already in use is refused with a clear error, not a crash', async (t) => {
  const path = t.testdir();
  const first = await startDynamo({ path });
  t.teardown(() => first.close());
  await t.rejects(startDynamo({ path }), { name: 'DynamoStartError', code: 'data_in_use', message: /is in use by another process/ });
  // the first one still works
  const { doc } = documentClient(t, first.endpoint);
  await doc.send(new PutCommand({ TableName: 'homeagent', Item: { pk: 'a', sk: 'b' } }));
  const { Item } = await doc.send(new GetCommand({ TableName: 'homeagent', Key: { pk: 'a', sk: 'b' } }));
  t.same(Item, { pk: 'a', sk: 'b' });
});

t.test('a taken port is named in the error', async (t) => {
  const first = await startDynamo();
  t.teardown(() => first.close());
  const port = Number(new URL(first.endpoint).port);
  await t.rejects(startDynamo({ port }), { code: 'port_in_use', message: `port ${port} (dynamodb) is already in use` });
});
