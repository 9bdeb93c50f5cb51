import { Type } from 'typebox';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_PATTERN, USER_ID_HEADER } from '@homeagent/contract';

/** Ids the agent makes: lower-case letters and digits (see id-generator.ts). */
export const ID_PATTERN = '^[0-9a-z]+$';

/** Headers of a route that acts for a person. */
export const UserHeaders = Type.Object({
  [USER_ID_HEADER]: Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN }),
});

/** Headers of a send: a person's, and the optional key that makes sending again safe (contract: send-retry.ts). */
export const SendHeaders = Type.Object({
  [USER_ID_HEADER]: Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN }),
  [IDEMPOTENCY_KEY_HEADER]: Type.Optional(Type.String({ pattern: IDEMPOTENCY_KEY_PATTERN })),
});
