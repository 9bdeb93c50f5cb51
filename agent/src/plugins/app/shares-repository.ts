/**
 * Shared snapshots. A link's token is 32 random bytes; only its SHA-256 is
 * stored, so the table cannot hand out working links. Items:
 *
 * | item                 | pk                   | sk               |
 * |----------------------|----------------------|------------------|
 * | the owner's entry    | `USER#<ownerId>`     | `SHARE#<shareId>`| (lists, revokes; holds the hash)
 * | the link             | `SHARE#<sha256>`     | `LINK`           | (what a visitor's token finds)
 * | a copied message     | `SHARE#<sha256>`     | `MSG#<id>`       |
 *
 * Made owner entry first, link last (so a failure never leaves a live link
 * its owner cannot see); revoked link first (it stops working at once).
 */
import fp from 'fastify-plugin';
import { createHash, randomBytes } from 'node:crypto';
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../external/dynamodb.js';
import type { SharedLink, SharedMessage, SharedSnapshot } from '@homeagent/contract';
import { newId } from '../../id-generator.js';
import { HttpError } from '../../http-error.js';

const BATCH_SIZE = 25;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const ownerKey = (userId: string, shareId: string) => ({ pk: `USER#${userId}`, sk: `SHARE#${shareId}` });
const linkPk = (hash: string) => `SHARE#${hash}`;
const linkKey = (hash: string) => ({ pk: linkPk(hash), sk: 'LINK' });

interface OwnerEntry extends SharedLink {
  tokenHash: string;
}

export interface SnapshotInput {
  ownerId: string;
  sharedBy: string;
  conversationId: string;
  title: string;
  messages: SharedMessage[];
}

export class SharesRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(input: SnapshotInput): Promise<{ share: SharedLink; token: string }> {
    const token = randomBytes(32).toString('base64url');
    const hash = tokenHash(token);
    const share: SharedLink = { id: newId(), conversationId: input.conversationId, title: input.title, createdAt: new Date().toISOString(), messageCount: input.messages.length };
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...ownerKey(input.ownerId, share.id), ...share, tokenHash: hash }, ConditionExpression: 'attribute_not_exists(pk)' }));
    try {
      await this.writeAll(input.messages.map((m) => ({ PutRequest: { Item: { pk: linkPk(hash), sk: `MSG#${m.id}`, ...m } } })));
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...linkKey(hash), shareId: share.id, ownerId: input.ownerId, sharedBy: input.sharedBy, title: input.title, sharedAt: share.createdAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      await this.purge(input.ownerId, { ...share, tokenHash: hash }).catch(() => undefined);
      throw error;
    }
    return { share, token };
  }

  /** The snapshot a token opens; undefined when unknown or revoked. */
  async open(token: string): Promise<(SharedSnapshot & { ownerId: string }) | undefined> {
    const hash = tokenHash(token);
    const link = (await this.doc.send(new GetCommand({ TableName: this.table, Key: linkKey(hash), ConsistentRead: true }))).Item;
    if (!link) return undefined;
    const copied = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
      ExpressionAttributeValues: { ':pk': linkPk(hash), ':msg': 'MSG#' },
      ConsistentRead: true,
    });
    const messages = copied.map(({ pk: _pk, sk: _sk, ...m }) => m as SharedMessage);
    return { ownerId: link.ownerId as string, title: link.title as string, sharedBy: link.sharedBy as string, sharedAt: link.sharedAt as string, messages };
  }

  /** The person's links, newest first. */
  async list(userId: string): Promise<SharedLink[]> {
    const entries = (await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :share)',
      ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':share': 'SHARE#' },
      ConsistentRead: true,
    })) as OwnerEntry[];
    return entries
      .map(({ id, conversationId, title, createdAt, messageCount }) => ({ id, conversationId, title, createdAt, messageCount }))
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }

  /** False when the person has no such link. */
  async revoke(userId: string, shareId: string): Promise<boolean> {
    const entry = (await this.doc.send(new GetCommand({ TableName: this.table, Key: ownerKey(userId, shareId), ConsistentRead: true }))).Item as OwnerEntry | undefined;
    if (!entry) return false;
    await this.purge(userId, entry);
    return true;
  }

  /** Every link of a person, with its copied messages (removing an account); safe to run again. */
  async purgeAllOf(userId: string): Promise<void> {
    for (const link of await this.list(userId)) await this.revoke(userId, link.id);
  }

  /** The link first (it stops working), then the copied messages, then the owner's entry: a retry finishes the job. */
  private async purge(userId: string, entry: OwnerEntry): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: linkKey(entry.tokenHash) }));
    const copied = await queryAll(this.doc, { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': linkPk(entry.tokenHash) }, ProjectionExpression: 'pk, sk', ConsistentRead: true });
    await this.writeAll(copied.map((Key) => ({ DeleteRequest: { Key } })));
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: ownerKey(userId, entry.id) }));
  }

  private async writeAll(requests: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_SIZE) {
      let pending = requests.slice(i, i + BATCH_SIZE);
      // Throttled items come back unprocessed; retry them with a growing pause.
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 8) throw new HttpError(503, 'database_busy', 'The database is busy; try again in a moment.');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (out.UnprocessedItems?.[this.table] ?? []);
      }
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    shares: SharesRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('shares', new SharesRepository(app.dynamo, app.config.tableName));
  },
  { name: 'shares-repository', dependencies: ['dynamodb'] },
);
