/**
 * The default model catalogue and the rule that completes an entry: what
 * each Claude model on Bedrock accepts, its limits and its prices.
 *
 * Sources (read 2026-12-01):
 * - Anthropic, models overview and per-model pages (platform.claude.com/docs/en/about-claude/models/overview,
 *   .../models/sonnet-5-5/overview): context windows, output limits, prices incl. 5m/1h cache writes and reads,
 *   thinking mode; Claude Sonnet 5.x refuses non-default `temperature` and manual/disabled thinking (400).
 * - AWS, Amazon Bedrock user guide "Adaptive thinking" (docs.aws.amazon.com/bedrock/latest/userguide/
 *   claude-messages-adaptive-thinking.html): adaptive thinking on Claude Opus 4.6 (`anthropic.claude-opus-4-6-v1`)
 *   and newer; older models (Haiku 4.5, Sonnet 4.5) need `thinking.type: "enabled"` with `budget_tokens`.
 * - AWS, Bedrock prompt caching: cache points in Converse, 5-minute default TTL, 1-hour TTL on Claude 4.5 and newer.
 * Cache prices follow Anthropic's multipliers: 5m write 1.25×, 1h write 2×, read 0.1× the input price.
 * Claude Sonnet 4.5 retired on 2026-11-30 (Anthropic deprecation notice), so it is listed disabled: its price
 * still settles replies made before, and an admin may enable it where a region still serves it.
 */
import type { ModelEntry, UsableModel } from '@homeagent/contract';

/** A catalogue entry with every field filled in (the agent works only with these). */
export type CatalogueModel = Required<Omit<ModelEntry, 'serviceTier'>> & Pick<ModelEntry, 'serviceTier'>;

export const DEFAULT_CATALOGUE: readonly CatalogueModel[] = [
  {
    modelId: 'us.anthropic.claude-opus-4-6-v1',
    displayName: 'Claude Opus 4.6',
    description: 'Best for hard questions and long work',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    defaultTemperature: 1,
    acceptsTemperature: true,
    thinking: 'adaptive-effort',
    thinkingAlwaysOn: false,
    cacheTtls: ['5m', '1h'],
    inputUsdPerMTok: 5,
    outputUsdPerMTok: 25,
    cacheWrite5mUsdPerMTok: 6.25,
    cacheWrite1hUsdPerMTok: 10,
    cacheReadUsdPerMTok: 0.5,
    enabled: true,
  },
  {
    modelId: 'us.anthropic.claude-sonnet-5-5',
    displayName: 'Claude Sonnet 5.5',
    description: 'Fast and clever: a good everyday choice',
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    defaultTemperature: 1,
    acceptsTemperature: false,
    thinking: 'adaptive-effort',
    thinkingAlwaysOn: true,
    cacheTtls: ['5m', '1h'],
    inputUsdPerMTok: 2,
    outputUsdPerMTok: 10,
    cacheWrite5mUsdPerMTok: 2.5,
    cacheWrite1hUsdPerMTok: 4,
    cacheReadUsdPerMTok: 0.2,
    enabled: true,
  },
  {
    modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
    displayName: 'Claude Haiku 4.5',
    description: 'Fastest and cheapest',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    defaultTemperature: 1,
    acceptsTemperature: true,
    thinking: 'extended-budget',
    thinkingAlwaysOn: false,
    cacheTtls: ['5m', '1h'],
    inputUsdPerMTok: 1,
    outputUsdPerMTok: 5,
    cacheWrite5mUsdPerMTok: 1.25,
    cacheWrite1hUsdPerMTok: 2,
    cacheReadUsdPerMTok: 0.1,
    enabled: true,
  },
  {
    modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    displayName: 'Claude Sonnet 4.5',
    description: 'Retired by Anthropic on 30 November 2026',
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    defaultTemperature: 1,
    acceptsTemperature: true,
    thinking: 'extended-budget',
    thinkingAlwaysOn: false,
    cacheTtls: ['5m', '1h'],
    inputUsdPerMTok: 3,
    outputUsdPerMTok: 15,
    cacheWrite5mUsdPerMTok: 3.75,
    cacheWrite1hUsdPerMTok: 6,
    cacheReadUsdPerMTok: 0.3,
    enabled: false,
  },
];

/** What an entry of an unknown model gets for the fields it lacks: nothing it might refuse. */
const UNKNOWN_MODEL: Omit<CatalogueModel, 'modelId' | 'inputUsdPerMTok' | 'outputUsdPerMTok' | 'displayName'> = {
  description: '',
  contextWindow: 200_000,
  maxOutputTokens: 8_192,
  defaultTemperature: 1,
  acceptsTemperature: false,
  thinking: 'none',
  thinkingAlwaysOn: false,
  cacheTtls: [],
  cacheWrite5mUsdPerMTok: 0,
  cacheWrite1hUsdPerMTok: 0,
  cacheReadUsdPerMTok: 0,
  enabled: true,
};

/**
 * Fills the fields an entry lacks: from the default catalogue's entry of the
 * same id, else from safe defaults (cache prices from Anthropic's multipliers
 * of the entry's own input price). Older settings items had only an id and two prices.
 */
export function completeModel(entry: ModelEntry): CatalogueModel {
  const known = DEFAULT_CATALOGUE.find((m) => m.modelId === entry.modelId);
  const base = known ?? {
    ...UNKNOWN_MODEL,
    displayName: entry.modelId,
    cacheWrite5mUsdPerMTok: entry.inputUsdPerMTok * 1.25,
    cacheWrite1hUsdPerMTok: entry.inputUsdPerMTok * 2,
    cacheReadUsdPerMTok: entry.inputUsdPerMTok * 0.1,
  };
  // The value type is named: inferred, it would drop the `undefined` an optional field can hold.
  const defined = Object.fromEntries(Object.entries<ModelEntry[keyof ModelEntry]>(entry).filter(([, v]) => v !== undefined)) as Partial<CatalogueModel>;
  return { ...base, ...defined, modelId: entry.modelId } as CatalogueModel;
}

/** Only the known fields, in a stable order (what is stored and answered). */
export function storedModel(m: CatalogueModel): CatalogueModel {
  return {
    modelId: m.modelId,
    displayName: m.displayName,
    description: m.description,
    contextWindow: m.contextWindow,
    maxOutputTokens: m.maxOutputTokens,
    defaultTemperature: m.defaultTemperature,
    acceptsTemperature: m.acceptsTemperature,
    thinking: m.thinking,
    thinkingAlwaysOn: m.thinkingAlwaysOn,
    cacheTtls: [...m.cacheTtls],
    inputUsdPerMTok: m.inputUsdPerMTok,
    outputUsdPerMTok: m.outputUsdPerMTok,
    cacheWrite5mUsdPerMTok: m.cacheWrite5mUsdPerMTok,
    cacheWrite1hUsdPerMTok: m.cacheWrite1hUsdPerMTok,
    cacheReadUsdPerMTok: m.cacheReadUsdPerMTok,
    enabled: m.enabled,
    ...(m.serviceTier ? { serviceTier: m.serviceTier } : {}),
  };
}

/** The reasons an entry cannot be stored, in words; empty when it can. */
export function modelProblems(m: CatalogueModel, index: number): string[] {
  const at = `"models.${index}" (${m.modelId})`;
  const problems: string[] = [];
  if (m.contextWindow <= m.maxOutputTokens) problems.push(`${at}: the context window must be larger than the maximum output.`);
  if (m.thinkingAlwaysOn && m.thinking === 'none') problems.push(`${at}: a model that always thinks needs a thinking mode.`);
  return problems;
}

/** The enabled models as a person choosing sees them, the default first. */
export function usableModels(models: CatalogueModel[], defaultModel: string): UsableModel[] {
  return models
    .filter((m) => m.enabled)
    .sort((a, b) => Number(b.modelId === defaultModel) - Number(a.modelId === defaultModel))
    .map((m) => ({
      modelId: m.modelId,
      displayName: m.displayName,
      description: m.description,
      acceptsTemperature: m.acceptsTemperature,
      thinking: m.thinking,
      thinkingAlwaysOn: m.thinkingAlwaysOn,
    }));
}
