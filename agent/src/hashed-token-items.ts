/**
 * The items that stand for a secret token (a session id, an invite code, a
 * reset-link token): each is stored under the token's hash (token-hash.ts),
 * never the token, at `<KIND>#<hash>` / `<KIND>`, and listed on gsi1 under a
 * key of its repository's choosing, oldest first (`<createdAt>#<hash>`).
 * One rule for all three: a presented token is hashed and its item read by
 * the hash; an item whose ttl has passed counts as gone (DynamoDB sweeps
 * late, dynalite never); one that can be used once is usable while it exists,
 * is unused and has not expired, and that is checked again by the write
 * that uses it, so two callers at the same instant cannot both win.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { hashToken } from './token-hash.js';
import { conditionally, isExpired, nowSeconds, putNew, queryItems } from './plugins/external/dynamodb.js';

export type TokenStatus = 'usable' | 'unknown' | 'used' | 'expired';

/**
 * What every token item carries; `usedAt` only on those that work once.
 * A type, not an interface: a record is written as a plain map of attributes.
 */
export type TokenRecord = {
  createdAt: string;
  ttl: number;
  usedAt?: string;
};

/** What `listed` asks DynamoDB to leave out (`filter`, with its names and values), and the order. */
export interface ListOptions {
  filter?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
  newestFirst?: boolean;
}

/** An item as a query returns it. */
type ListedItem = NonNullable<QueryCommandOutput['Items']>[number];

/** DynamoDB's side of the rule in `HashedTokenItems.status`: unused and not expired (`#ttl` is `ttl`)... */
const USABLE_FILTER = 'attribute_not_exists(usedAt) AND #ttl > :now';
/** ...and, for a write, there at all. */
const USABLE_CONDITION = `attribute_exists(pk) AND ${USABLE_FILTER}`;

export class HashedTokenItems<R extends TokenRecord> {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    /** the key's prefix and sort key: `SESSION`, `INVITE`, `RESET` */
    private readonly kind: string,
  ) {}

  /** The item key of a token's hash. */
  key(hash: string): { pk: string; sk: string } {
    return { pk: `${this.kind}#${hash}`, sk: this.kind };
  }

  /** The item key of a presented token. */
  keyOfToken(token: string): { pk: string; sk: string } {
    return this.key(hashToken(token));
  }

  /** Writes a new record under `hash`, listed on gsi1 under `listKey`. */
  async put(hash: string, listKey: string, record: R): Promise<void> {
    await putNew(this.doc, this.table, { ...this.key(hash), gsi1pk: listKey, gsi1sk: `${record.createdAt}#${hash}`, ...record });
  }

  /** The record under a hash (a consistent read), without the key and index attributes; expired ones too (see `status`). */
  async get(hash: string): Promise<R | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: this.key(hash), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = out.Item;
    return record as R;
  }

  /** The record under a hash while it has not expired: past its ttl it is as good as gone. */
  async getLive(hash: string, now = Date.now()): Promise<R | undefined> {
    const record = await this.get(hash);
    return record && !isExpired(record, now) ? record : undefined;
  }

  /** The record a presented token names. */
  async find(token: string): Promise<R | undefined> {
    return this.get(hashToken(token));
  }

  /** Whether a record read by `get` or `find` can be used now; an expired one is as good as gone. */
  static status(record: TokenRecord | undefined, now = Date.now()): TokenStatus {
    if (!record) return 'unknown';
    if (record.usedAt) return 'used';
    if (isExpired(record, now)) return 'expired';
    return 'usable';
  }

  /** The `listed` options that keep only the items still usable at `now`, newest first. */
  static usableNewestFirst(now = Date.now()): ListOptions {
    return { filter: USABLE_FILTER, names: { '#ttl': 'ttl' }, values: { ':now': nowSeconds(now) }, newestFirst: true };
  }

  /**
   * Applies `update` (with its `values`) to the item of a presented token if
   * the token is still usable at that instant: only one caller can win.
   * `usedBy` is written with it and names the winner, so the SDK's second
   * attempt at this same update (sent when the first answer came late) finds
   * its own mark and wins too, instead of reading as "already used".
   */
  async useOnce(token: string, update: string, values: Record<string, unknown>, usedBy: string, now = Date.now()): Promise<boolean> {
    return conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: this.keyOfToken(token),
        UpdateExpression: `${update}, usedBy = :usedBy`,
        ConditionExpression: `(${USABLE_CONDITION}) OR usedBy = :usedBy`,
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ...values, ':usedBy': usedBy, ':now': nowSeconds(now) },
      }),
    );
  }

  /** Deletes the item under `hash` if its token could still be used; false when there is none such. */
  async deleteIfUsable(hash: string, now = Date.now()): Promise<boolean> {
    return conditionally(
      this.doc,
      new DeleteCommand({
        TableName: this.table,
        Key: this.key(hash),
        ConditionExpression: USABLE_CONDITION,
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':now': nowSeconds(now) },
      }),
    );
  }

  async delete(hash: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: this.key(hash) }));
  }

  /**
   * Every item listed under `listKey`, oldest first (or newest first), page
   * by page; `filter` (with its names and values) is applied by DynamoDB, so
   * what it leaves out costs reads but is never sent.
   */
  async *listed(
    listKey: string,
    options: ListOptions = {},
  ): AsyncGenerator<ListedItem> {
    yield* queryItems(this.doc, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ...(options.filter ? { FilterExpression: options.filter } : {}),
      ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
      ExpressionAttributeValues: { ...options.values, ':pk': listKey },
      ...(options.newestFirst ? { ScanIndexForward: false } : {}),
    });
  }

  /**
   * Rewrites an item stored before its token was hashed (key `<KIND>#<token>`,
   * the token in attribute `tokenAttribute`) under the hash, kept in
   * `hashAttribute`, then removes the old item. Idempotent: a rewrite that
   * finds the new item there already leaves it.
   */
  async rehashLegacy(item: Record<string, unknown>, tokenAttribute: string, hashAttribute: string, listKey: string): Promise<void> {
    const { pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, [tokenAttribute]: token, ...rest } = item;
    const hash = hashToken(String(token));
    await conditionally(
      this.doc,
      new PutCommand({
        TableName: this.table,
        Item: { ...rest, ...this.key(hash), [hashAttribute]: hash, gsi1pk: listKey, gsi1sk: `${String(item.createdAt)}#${hash}` },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: pk as string, sk: this.kind } }));
  }
}
