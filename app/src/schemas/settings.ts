/** The admin's "Settings" form: bounded here, checked in the route. */
import { Type, type Static } from 'typebox';
import { LIMITS } from '@homeagent/contract';

export const SettingsForm = Type.Object({
  _csrf: Type.Optional(Type.String({ maxLength: 1_000 })),
  defaultModel: Type.Optional(Type.String({ maxLength: 1_000 })),
  // A little over the limit, so the route can say "too long" with the limit in words.
  systemPrompt: Type.Optional(Type.String({ maxLength: LIMITS.systemPromptMax * 2 })),
});
export type SettingsForm = Static<typeof SettingsForm>;
