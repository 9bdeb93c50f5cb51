/** The installation's settings: the default model, the system prompt and the model catalogue. */
import { Type, type Static } from 'typebox';
import { LIMITS } from './limits.js';
import { ModelEntry } from './models.js';

/** Kept for older callers: a catalogue entry (see models.ts). */
export const ModelPrice = ModelEntry;
export type ModelPrice = ModelEntry;

/**
 * GET /v1/settings (admin, X-User-Id) → 200 Settings;
 * PUT /v1/settings (admin, X-User-Id) with Settings → 200 Settings; 400 validation
 * (also when `defaultModel` is not one of `models`). Replies use the new values from the next message on.
 */
export const Settings = Type.Object({
  defaultModel: Type.String({ minLength: 1, maxLength: LIMITS.modelIdMax }),
  systemPrompt: Type.String({ minLength: 1, maxLength: LIMITS.systemPromptMax }),
  /** the model catalogue: what each model accepts and costs, and whether people may use it */
  models: Type.Array(ModelEntry, { minItems: 1, maxItems: LIMITS.modelsMax }),
});
export type Settings = Static<typeof Settings>;
