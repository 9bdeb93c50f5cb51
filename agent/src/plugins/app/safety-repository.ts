/**
 * Which Bedrock guardrail judges whose messages. One item holds the default
 * for new members and each person's own choice, so the People records (and
 * their registration) stay as they are: "new" means joined after the
 * default was set.
 */
import fp from 'fastify-plugin';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Guardrail } from '@homeagent/contract';
import type { UserRecord } from './users-repository.js';

/** Under the installation's settings key (settings-repository.ts reads both at once for a reply). */
export const SAFETY_SK = 'SAFETY';
const safetyKey = { pk: 'SETTINGS', sk: SAFETY_SK };

export interface SafetyItem {
  defaultForNewMembers: (Guardrail & { since: string }) | null;
  /** a person's own guardrail; `null` is "none, whatever the default" */
  people: Record<string, Guardrail | null>;
}

export class SafetyRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(): Promise<SafetyItem> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: safetyKey, ConsistentRead: true }));
    return SafetyRepository.fromItem(out.Item);
  }

  static fromItem(stored: Record<string, unknown> | undefined): SafetyItem {
    const item = (stored ?? {}) as Partial<SafetyItem>;
    return { defaultForNewMembers: item.defaultForNewMembers ?? null, people: item.people ?? {} };
  }

  private async put(item: SafetyItem): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...safetyKey, ...item } }));
  }

  async setDefault(guardrail: Guardrail | null): Promise<void> {
    const item = await this.get();
    item.defaultForNewMembers = guardrail ? { identifier: guardrail.identifier, version: guardrail.version, since: new Date().toISOString() } : null;
    await this.put(item);
  }

  async setPerson(userId: string, guardrail: Guardrail | null | 'default'): Promise<void> {
    const item = await this.get();
    if (guardrail === 'default') delete item.people[userId];
    else item.people[userId] = guardrail ? { identifier: guardrail.identifier, version: guardrail.version } : null;
    await this.put(item);
  }

  /** The guardrail for a person: their own, else the default if they are a member who joined after it was set. */
  static guardrailOf(item: SafetyItem, user: Pick<UserRecord, 'id' | 'role' | 'createdAt'>): { guardrail: Guardrail | null; fromDefault: boolean } {
    if (user.id in item.people) return { guardrail: item.people[user.id] ?? null, fromDefault: false };
    const d = item.defaultForNewMembers;
    if (d && user.role === 'member' && user.createdAt >= d.since) return { guardrail: { identifier: d.identifier, version: d.version }, fromDefault: true };
    return { guardrail: null, fromDefault: false };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    safety: SafetyRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('safety', new SafetyRepository(app.dynamo, app.config.tableName));
  },
  { name: 'safety-repository', dependencies: ['dynamodb'] },
);
