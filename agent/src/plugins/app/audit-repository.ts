/**
 * The audit trail. Append-only: this repository can add entries and read
 * them, and has no way to change or delete one (nor does any route). Each
 * entry also becomes a log line (the logger's redact paths apply).
 *
 * Layout: `AUDIT#<actorId or ANON>` / `<at>#<id>` (a person's entries, newest
 * last), and on gsi1 `AUDIT` / `<at>#<id>` (everyone's). Both are queries,
 * newest first; "by kind" is a filter on them. Entries expire after 400 days
 * (`ttl`); readers treat an expired entry as absent, since DynamoDB sweeps late
 * and dynalite never.
 */
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  CLIENT_ADDRESS_HEADER,
  CLIENT_USER_AGENT_HEADER,
  REQUEST_ID_HEADER,
  type AuditAction,
  type AuditActor,
  type AuditEntry,
  type AuditOutcome,
  type AuditTarget,
} from '@homeagent/contract';
import { newId } from '../../id-generator.js';
import { badRequest } from '../../http-error.js';
import { nowSeconds, putNew } from '../external/dynamodb.js';

export const AUDIT_TTL_DAYS = 400;
const ALL_KEY = 'AUDIT';
const ANONYMOUS = 'ANON';
const actorKey = (userId: string | undefined) => `AUDIT#${userId ?? ANONYMOUS}`;

export interface AuditInput {
  actor: AuditActor;
  action: AuditAction;
  target?: AuditTarget;
  outcome?: AuditOutcome;
  detail?: AuditEntry['detail'];
  /** the request it happened in: client address, user agent and request id come from it */
  request?: FastifyRequest;
}

export interface AuditPage {
  entries: AuditEntry[];
  next?: string;
}

/** A cursor is the query's LastEvaluatedKey, base64url JSON; only a key of the right shape is taken back. */
function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

function decodeCursor(cursor: string | undefined, byActor: boolean): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  const refused = badRequest('validation', 'That page of the activity list is not one this service gave; start from the first page.');
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused;
  }
  const names = byActor ? ['pk', 'sk'] : ['gsi1pk', 'gsi1sk', 'pk', 'sk'];
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw refused;
  const entries = Object.entries(key);
  if (entries.length !== names.length || !entries.every(([k, v]) => names.includes(k) && typeof v === 'string' && v.length < 200)) throw refused;
  const record = key as Record<string, string>;
  if (!record.pk!.startsWith('AUDIT#') || (!byActor && record.gsi1pk !== ALL_KEY)) throw refused;
  return record;
}

/** What the app forwarded about the browser's request (headers only the app can set: the service key proved it). */
export function clientOf(request: FastifyRequest): { address?: string; userAgent?: string; requestId: string } {
  const header = (name: string, max: number) => {
    const value = request.headers[name];
    return typeof value === 'string' && value !== '' ? value.slice(0, max) : undefined;
  };
  const address = header(CLIENT_ADDRESS_HEADER, 64);
  const userAgent = header(CLIENT_USER_AGENT_HEADER, 300);
  const requestId = header(REQUEST_ID_HEADER, 64) ?? request.id;
  return { ...(address ? { address } : {}), ...(userAgent ? { userAgent } : {}), requestId };
}

export class AuditRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly log: FastifyRequest['log'],
  ) {}

  /** Adds one entry (and its log line). Never throws for a failed write: the action happened, so it is logged as an error instead. */
  async record(input: AuditInput): Promise<AuditEntry> {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const client = input.request ? clientOf(input.request) : undefined;
    const entry: AuditEntry = {
      id: newId(),
      at,
      actor: { ...(input.actor.userId ? { userId: input.actor.userId } : {}), username: input.actor.username.slice(0, 64) },
      action: input.action,
      ...(input.target ? { target: input.target } : {}),
      outcome: input.outcome ?? 'succeeded',
      ...(input.detail ? { detail: input.detail } : {}),
      ...(client ?? {}),
    };
    const sk = `${at}#${entry.id}`;
    const log = input.request?.log ?? this.log;
    log.info({ audit: entry }, 'audit');
    try {
      await putNew(this.doc, this.table, { pk: actorKey(entry.actor.userId), sk, gsi1pk: ALL_KEY, gsi1sk: sk, ttl: nowSeconds(now + AUDIT_TTL_DAYS * 86_400_000), ...entry });
    } catch (error) {
      log.error({ err: error, audit: entry }, 'could not store an audit entry');
    }
    return entry;
  }

  /** Newest first; by one actor (a query on the table) or everyone (a query on gsi1), optionally one action. */
  async list(query: { userId?: string; action?: AuditAction; limit?: number; cursor?: string }, now = Date.now()): Promise<AuditPage> {
    const byActor = query.userId !== undefined;
    const limit = query.limit ?? 50;
    const entries: AuditEntry[] = [];
    let start = decodeCursor(query.cursor, byActor);
    const filters = ['#ttl > :now', ...(query.action ? ['#action = :action'] : [])];
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          ...(byActor
            ? { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': actorKey(query.userId), ':now': nowSeconds(now), ...(query.action ? { ':action': query.action } : {}) } }
            : { IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': ALL_KEY, ':now': nowSeconds(now), ...(query.action ? { ':action': query.action } : {}) } }),
          FilterExpression: filters.join(' AND '),
          ExpressionAttributeNames: { '#ttl': 'ttl', ...(query.action ? { '#action': 'action' } : {}) },
          ScanIndexForward: false,
          Limit: limit - entries.length,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ttl: _ttl, ...entry } = item;
        entries.push(entry as AuditEntry);
      }
      start = out.LastEvaluatedKey;
    } while (start && entries.length < limit);
    const next = encodeCursor(start);
    return { entries, ...(next ? { next } : {}) };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('audit', new AuditRepository(app.dynamo, app.config.tableName, app.log));
  },
  { name: 'audit-repository', dependencies: ['dynamodb'] },
);
