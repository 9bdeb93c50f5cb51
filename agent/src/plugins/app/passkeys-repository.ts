/**
 * Each person's passkeys: the credential's public key, its signature counter
 * and how the person named it. Kept under the person's own key
 * (`USER#<userId>` / `PASSKEY#<sha256(credentialId)>`), so listing is a
 * consistent query, account removal purges them with the rest of the
 * person's items, and a sign-in finds the one passkey from the user handle
 * and credential id the browser sends (an authenticator returns the user
 * handle with a discoverable credential, which is the only kind we ask for).
 * The public key is not a secret, but it is credential material: it never goes to the logs.
 */
import fp from 'fastify-plugin';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PasskeyInfo } from '@homeagent/contract';
import { hashToken } from '../../token-hash.js';
import { conditionally, isConditionFailed, queryAll } from '../external/dynamodb.js';

export interface PasskeyRecord {
  userId: string;
  /** sha256 of the credential id: the passkey's handle in URLs and the sort key */
  handle: string;
  credentialId: string;
  /** COSE public key, base64url */
  publicKey: string;
  counter: number;
  transports?: string[];
  name: string;
  createdAt: string;
  lastUsedAt?: string;
}

export const PASSKEY_PREFIX = 'PASSKEY#';
const passkeyKey = (userId: string, handle: string) => ({ pk: `USER#${userId}`, sk: `${PASSKEY_PREFIX}${handle}` });

export function toPasskeyInfo(record: PasskeyRecord): PasskeyInfo {
  return { id: record.handle, name: record.name, createdAt: record.createdAt, ...(record.lastUsedAt ? { lastUsedAt: record.lastUsedAt } : {}) };
}

export class PasskeysRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Stores a new passkey; undefined when this credential is already one of the person's. */
  async add(input: Omit<PasskeyRecord, 'handle' | 'createdAt'>): Promise<PasskeyRecord | undefined> {
    const record: PasskeyRecord = { ...input, handle: hashToken(input.credentialId), createdAt: new Date().toISOString() };
    const stored = await conditionally(
      this.doc,
      new PutCommand({
        TableName: this.table,
        Item: { ...passkeyKey(record.userId, record.handle), ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return stored ? record : undefined;
  }

  /** The person's passkey with this credential id, if they have it. */
  async find(userId: string, credentialId: string): Promise<PasskeyRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: passkeyKey(userId, hashToken(credentialId)), ConsistentRead: true }));
    const record = out.Item as PasskeyRecord | undefined;
    // The hash matched; the stored id must too (a hash is not a proof of equality by itself here).
    return record && record.credentialId === credentialId ? record : undefined;
  }

  /** A person's passkeys, newest first. */
  async listOf(userId: string): Promise<PasskeyRecord[]> {
    const records = (await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':prefix': PASSKEY_PREFIX },
      ConsistentRead: true,
    })) as PasskeyRecord[];
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** After a sign-in: the authenticator's new counter and "last used". Only while the passkey still exists. */
  async noteUse(record: PasskeyRecord, counter: number, now = new Date()): Promise<void> {
    await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: passkeyKey(record.userId, record.handle),
        UpdateExpression: 'SET #counter = :counter, lastUsedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#counter': 'counter' },
        ExpressionAttributeValues: { ':counter': counter, ':now': now.toISOString() },
      }),
    );
  }

  /** Removes one; the removed record, or undefined when the person has no passkey with this handle. */
  async remove(userId: string, handle: string): Promise<PasskeyRecord | undefined> {
    const out = await this.doc
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: passkeyKey(userId, handle),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      )
      .catch((error: unknown) => {
        if (isConditionFailed(error)) return undefined;
        throw error;
      });
    return out?.Attributes as PasskeyRecord | undefined;
  }

  /** Every passkey of a person (account removal). */
  async purgeAllOf(userId: string): Promise<void> {
    for (const record of await this.listOf(userId)) {
      await this.doc.send(new DeleteCommand({ TableName: this.table, Key: passkeyKey(userId, record.handle) }));
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    passkeys: PasskeysRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('passkeys', new PasskeysRepository(app.dynamo, app.config.tableName));
  },
  { name: 'passkeys-repository', dependencies: ['dynamodb'] },
);
