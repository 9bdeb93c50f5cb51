import { Type } from 'typebox';
import { USER_ID_HEADER } from '@homeagent/contract';

/** Ids the agent makes: lower-case letters and digits (see id-generator.ts). */
export const ID_PATTERN = '^[0-9a-z]+$';

/** Headers of a route that acts for a person. */
export const UserHeaders = Type.Object({
  [USER_ID_HEADER]: Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN }),
});
