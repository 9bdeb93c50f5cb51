/**
 * A scan of the whole table after a run, looking for what a half-finished
 * write would leave: a message missing a field or with an unknown state, a
 * reply still `streaming` or a conversation still locked when nothing runs,
 * a person's message without its reply.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

const STATES = new Set(['streaming', 'complete', 'stopped', 'error']);

export interface Audit {
  items: number;
  problems: string[];
}

export async function auditTable(endpoint: string, tableName: string): Promise<Audit> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const doc = DynamoDBDocumentClient.from(client);
  const items: Array<Record<string, unknown>> = [];
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  const problems: string[] = [];
  const roles = new Map<string, { user: number; assistant: number }>();
  for (const item of items) {
    const pk = typeof item.pk === 'string' ? item.pk : '';
    const sk = typeof item.sk === 'string' ? item.sk : '';
    if (pk.startsWith('CONV#') && sk.startsWith('MSG#')) {
      const where = `${pk} ${sk}`;
      for (const field of ['id', 'conversationId', 'userId', 'role', 'createdAt']) {
        if (typeof item[field] !== 'string' || item[field] === '') problems.push(`${where}: no ${field}`);
      }
      if (typeof item.text !== 'string') problems.push(`${where}: no text`);
      if (!STATES.has(String(item.state))) problems.push(`${where}: state ${String(item.state)}`);
      if (item.state === 'streaming') problems.push(`${where}: still streaming`);
      const count = roles.get(pk) ?? { user: 0, assistant: 0 };
      if (item.role === 'user') count.user += 1;
      else if (item.role === 'assistant') count.assistant += 1;
      else problems.push(`${where}: role ${String(item.role)}`);
      roles.set(pk, count);
    } else if (pk.startsWith('USER#') && sk.startsWith('CONV#')) {
      const where = `${pk} ${sk}`;
      for (const field of ['id', 'userId', 'createdAt']) if (typeof item[field] !== 'string') problems.push(`${where}: no ${field}`);
      if (item.activeMessageId !== undefined) problems.push(`${where}: still locked by ${JSON.stringify(item.activeMessageId)}`);
    }
  }
  for (const [pk, count] of roles) {
    if (count.user !== count.assistant) problems.push(`${pk}: ${count.user} messages from the person, ${count.assistant} replies`);
  }
  return { items: items.length, problems };
}
