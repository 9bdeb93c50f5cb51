/**
 * WebAuthn challenges, kept server-side between the options and the
 * browser's answer: each is used at most once (taken with a conditional
 * delete, so two answers to one challenge cannot both pass) and only for a
 * few minutes. A registration challenge belongs to the person who asked for
 * it; a sign-in challenge to nobody yet. Keyed by the challenge's SHA-256,
 * as other one-time values are (token-hash.ts).
 *
 * | challenge | `PASSKEY_CHALLENGE#<sha256(challenge)>` | `CHALLENGE` | `ttl`, `purpose`, `userId` (registration) |
 */
import fp from 'fastify-plugin';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hashToken } from '../../token-hash.js';
import { isConditionFailed, isExpired, nowSeconds } from '../external/dynamodb.js';

/** Long enough to pick an authenticator and touch it; the browser's own timeout (PASSKEY_TIMEOUT_MS) is shorter. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export type ChallengePurpose = 'registration' | 'authentication';

interface ChallengeRecord {
  purpose: ChallengePurpose;
  userId?: string;
  ttl: number;
}

const challengeKey = (challenge: string) => ({ pk: `PASSKEY_CHALLENGE#${hashToken(challenge)}`, sk: 'CHALLENGE' });

export class PasskeyChallengesRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async save(challenge: string, purpose: ChallengePurpose, userId?: string, now = Date.now()): Promise<void> {
    const record: ChallengeRecord = { purpose, ...(userId ? { userId } : {}), ttl: nowSeconds(now + CHALLENGE_TTL_MS) };
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...challengeKey(challenge), ...record }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  /**
   * Takes the challenge for this purpose (and person): true once, while it
   * lives; false when it was never given, is used, has expired, or is someone else's.
   * An expired one is taken too, so it cannot linger until DynamoDB sweeps it.
   */
  async take(challenge: string, purpose: ChallengePurpose, userId?: string, now = Date.now()): Promise<boolean> {
    try {
      const out = await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: challengeKey(challenge),
          ConditionExpression: userId ? 'purpose = :purpose AND userId = :userId' : 'purpose = :purpose AND attribute_not_exists(userId)',
          ExpressionAttributeValues: { ':purpose': purpose, ...(userId ? { ':userId': userId } : {}) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes !== undefined && !isExpired(out.Attributes as ChallengeRecord, now);
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    passkeyChallenges: PasskeyChallengesRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('passkeyChallenges', new PasskeyChallengesRepository(app.dynamo, app.config.tableName));
  },
  { name: 'passkey-challenges-repository', dependencies: ['dynamodb'] },
);
