/**
 * The model catalogue: which Bedrock models people may use, what each one
 * accepts (so a request never carries a field the model refuses) and what it
 * costs. Admins edit it through `PUT /v1/settings`; people read the usable
 * part through `GET /v1/models`.
 */
import { Type, type Static } from 'typebox';

/**
 * A Bedrock model id, inference-profile id (`us.anthropic.claude-opus-4-6-v1`,
 * `anthropic.claude-haiku-4-5-20251001-v1:0`) or profile ARN: lower-case
 * letters, digits and `. : / _ -`, starting with a letter or digit.
 */
export const MODEL_ID_PATTERN = '^[a-z0-9][a-z0-9._:/-]*$';

/** How a model is asked to think (Bedrock `additionalModelRequestFields.thinking`). */
export const ThinkingMode = Type.Union([
  /** the model does not think */
  Type.Literal('none'),
  /** `thinking: { type: 'enabled', budget_tokens }` (Claude 4.5 and older) */
  Type.Literal('extended-budget'),
  /** `thinking: { type: 'adaptive' }` with `output_config.effort` (Claude Opus 4.6 and the 5.x models) */
  Type.Literal('adaptive-effort'),
]);
export type ThinkingMode = Static<typeof ThinkingMode>;

export const CacheTtl = Type.Union([Type.Literal('5m'), Type.Literal('1h')]);
export type CacheTtl = Static<typeof CacheTtl>;

/** Bedrock's documented service tiers (ConverseStream `serviceTier.type`). */
export const ServiceTier = Type.Union([Type.Literal('default'), Type.Literal('flex'), Type.Literal('priority'), Type.Literal('reserved')]);
export type ServiceTier = Static<typeof ServiceTier>;

const price = (description: string) => Type.Number({ minimum: 0, maximum: 1_000, description });

/**
 * One model of the catalogue. Only `modelId` and the two main prices are
 * required on input (older settings items have only those); the agent fills
 * the rest from its default catalogue (or safe defaults) and always answers
 * with every field but `serviceTier`.
 */
export const ModelEntry = Type.Object({
  modelId: Type.String({ minLength: 1, maxLength: 200, pattern: MODEL_ID_PATTERN }),
  /** US dollars per million input tokens */
  inputUsdPerMTok: price('USD per million input tokens'),
  /** US dollars per million output tokens (thinking tokens included) */
  outputUsdPerMTok: price('USD per million output tokens'),
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  /** one line: "fast and cheap", "best for hard questions" */
  description: Type.Optional(Type.String({ maxLength: 200 })),
  /** tokens the model reads at most (input plus output) */
  contextWindow: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  /** tokens one reply may be at most */
  maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  /** the temperature "model default" stands for (0 to 1) */
  defaultTemperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** false for models that refuse `temperature` (the 5.x models) */
  acceptsTemperature: Type.Optional(Type.Boolean()),
  thinking: Type.Optional(ThinkingMode),
  /** true when the model refuses a request without thinking (thinking cannot be turned off) */
  thinkingAlwaysOn: Type.Optional(Type.Boolean()),
  /** the cache-point TTLs the model takes; empty: no cache points are sent */
  cacheTtls: Type.Optional(Type.Array(CacheTtl, { maxItems: 2, uniqueItems: true })),
  cacheWrite5mUsdPerMTok: Type.Optional(price('USD per million tokens written to the 5-minute cache')),
  cacheWrite1hUsdPerMTok: Type.Optional(price('USD per million tokens written to the 1-hour cache')),
  cacheReadUsdPerMTok: Type.Optional(price('USD per million tokens read from the cache')),
  /** false: kept in the catalogue (and its prices) but nobody can pick it */
  enabled: Type.Optional(Type.Boolean()),
  serviceTier: Type.Optional(ServiceTier),
});
export type ModelEntry = Static<typeof ModelEntry>;

/** The temperature choices of a conversation. */
export const TemperatureChoice = Type.Union([Type.Literal('default'), Type.Literal('precise'), Type.Literal('balanced'), Type.Literal('creative')]);
export type TemperatureChoice = Static<typeof TemperatureChoice>;
export const TEMPERATURES: Record<Exclude<TemperatureChoice, 'default'>, number> = { precise: 0.2, balanced: 0.7, creative: 1.0 };

/** How much Claude thinks before answering, per conversation. */
export const ThinkingChoice = Type.Union([Type.Literal('off'), Type.Literal('normal'), Type.Literal('deep')]);
export type ThinkingChoice = Static<typeof ThinkingChoice>;

/** A model as a person choosing one sees it. */
export const UsableModel = Type.Object({
  modelId: Type.String(),
  displayName: Type.String(),
  description: Type.String(),
  acceptsTemperature: Type.Boolean(),
  thinking: ThinkingMode,
  thinkingAlwaysOn: Type.Boolean(),
});
export type UsableModel = Static<typeof UsableModel>;

/** GET /v1/models (X-User-Id) → 200: the enabled models, the default first */
export const ModelListResponse = Type.Object({
  defaultModel: Type.String(),
  models: Type.Array(UsableModel),
});
export type ModelListResponse = Static<typeof ModelListResponse>;
