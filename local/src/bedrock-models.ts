/**
 * What the emulator knows of each model, kept apart from the agent's
 * catalogue on purpose: if the agent's catalogue is wrong about a model, the
 * emulator refuses the request the way Bedrock would.
 * Facts as in agent/src/model-catalogue.ts (Anthropic models overview, AWS
 * "Adaptive thinking" and "Prompt caching" pages, read 2026-12-01).
 */

export interface EmulatedModel {
  /** false: any `temperature` is refused (the 5.x models) */
  temperature: boolean;
  thinking: 'none' | 'budget' | 'adaptive';
  /** true: a request without thinking is refused */
  thinkingRequired: boolean;
  /** 'budget' also accepted where adaptive is the default (deprecated on Opus 4.6, still served) */
  budgetAccepted: boolean;
  cacheTtls: readonly ('5m' | '1h')[];
  /** a prefix shorter than this is not cached (Bedrock prompt caching: minimum tokens per cache checkpoint) */
  minCacheTokens: number;
}

const OLD: EmulatedModel = { temperature: true, thinking: 'budget', thinkingRequired: false, budgetAccepted: true, cacheTtls: ['5m'], minCacheTokens: 1024 };
const CLAUDE_4_5: EmulatedModel = { ...OLD, cacheTtls: ['5m', '1h'] };
const HAIKU_4_5: EmulatedModel = { ...CLAUDE_4_5, minCacheTokens: 4096 };
const OPUS_4_6: EmulatedModel = { temperature: true, thinking: 'adaptive', thinkingRequired: false, budgetAccepted: true, cacheTtls: ['5m', '1h'], minCacheTokens: 1024 };
const SONNET_5: EmulatedModel = { temperature: false, thinking: 'adaptive', thinkingRequired: true, budgetAccepted: false, cacheTtls: ['5m', '1h'], minCacheTokens: 1024 };
const NO_THINKING: EmulatedModel = { ...OLD, thinking: 'none' };

/** Model and inference-profile ids the emulator serves; anything else gets Bedrock's ValidationException. */
export const EMULATED_MODELS: Readonly<Record<string, EmulatedModel>> = {
  'us.anthropic.claude-opus-4-6-v1': OPUS_4_6,
  'global.anthropic.claude-opus-4-6-v1': OPUS_4_6,
  'anthropic.claude-opus-4-6-v1': OPUS_4_6,
  'us.anthropic.claude-sonnet-5-5': SONNET_5,
  'global.anthropic.claude-sonnet-5-5': SONNET_5,
  'anthropic.claude-sonnet-5-5': SONNET_5,
  'us.anthropic.claude-sonnet-5': SONNET_5,
  'anthropic.claude-sonnet-5': SONNET_5,
  'us.anthropic.claude-sonnet-4-5-20250929-v1:0': CLAUDE_4_5,
  'anthropic.claude-sonnet-4-5-20250929-v1:0': CLAUDE_4_5,
  'global.anthropic.claude-sonnet-4-5-20250929-v1:0': CLAUDE_4_5,
  'us.anthropic.claude-haiku-4-5-20251001-v1:0': HAIKU_4_5,
  'anthropic.claude-haiku-4-5-20251001-v1:0': HAIKU_4_5,
  'us.anthropic.claude-opus-4-1-20250805-v1:0': OLD,
  'anthropic.claude-opus-4-1-20250805-v1:0': OLD,
  'us.anthropic.claude-sonnet-4-20250514-v1:0': OLD,
  'anthropic.claude-sonnet-4-20250514-v1:0': OLD,
  'us.anthropic.claude-3-7-sonnet-20250219-v1:0': OLD,
  'anthropic.claude-3-5-haiku-20241022-v1:0': NO_THINKING,
  'us.anthropic.claude-3-5-haiku-20241022-v1:0': NO_THINKING,
};

export const KNOWN_MODEL_IDS: readonly string[] = Object.keys(EMULATED_MODELS);
