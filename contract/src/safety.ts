/**
 * Household safety: Bedrock guardrails an admin attaches to people (for
 * example children's accounts). The agent sends the person's guardrail with
 * each of their requests, judging only their newest message.
 */
import { Type, type Static } from 'typebox';

/** A Bedrock guardrail: its id (or ARN) and a version number or `DRAFT`. */
export const Guardrail = Type.Object({
  identifier: Type.String({ minLength: 1, maxLength: 2048, pattern: '^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+))$' }),
  version: Type.String({ minLength: 1, maxLength: 8, pattern: '^(([1-9][0-9]{0,7})|(DRAFT))$' }),
});
export type Guardrail = Static<typeof Guardrail>;

export const SafetyPerson = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  /** the guardrail that applies to this person now (their own, or the default for new members) */
  guardrail: Type.Union([Guardrail, Type.Null()]),
  /** true when the guardrail comes from the default for new members */
  fromDefault: Type.Boolean(),
});
export type SafetyPerson = Static<typeof SafetyPerson>;

/** GET /v1/safety (admin, X-User-Id) → 200 */
export const SafetyResponse = Type.Object({
  /** applied to members who join after it was set, unless they have their own */
  defaultForNewMembers: Type.Union([Guardrail, Type.Null()]),
  people: Type.Array(SafetyPerson),
});
export type SafetyResponse = Static<typeof SafetyResponse>;

/** PUT /v1/safety/default (admin) → 200 SafetyResponse: `null` removes the default */
export const SetDefaultGuardrailRequest = Type.Object({ guardrail: Type.Union([Guardrail, Type.Null()]) });
export type SetDefaultGuardrailRequest = Static<typeof SetDefaultGuardrailRequest>;

/**
 * PUT /v1/safety/people/:userId (admin) → 200 SafetyResponse; 404 not_found.
 * A guardrail attaches it; `null` says "no guardrail" (also over the default); `"default"` follows the default again.
 */
export const SetPersonGuardrailRequest = Type.Object({ guardrail: Type.Union([Guardrail, Type.Null(), Type.Literal('default')]) });
export type SetPersonGuardrailRequest = Static<typeof SetPersonGuardrailRequest>;
