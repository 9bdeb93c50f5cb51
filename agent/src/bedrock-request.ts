/**
 * What a reply sends to Bedrock: the one place a ConverseStream request is
 * put together, so every field a model may take (or refuse) is decided here,
 * from the model's catalogue entry.
 *
 * Facts this depends on (checked 2026-12-01):
 * - Converse `cachePoint` blocks (`{ type: 'default', ttl }`, ttl '5m' or '1h') in `system` and in message
 *   content; at most 4 per request (AWS Bedrock user guide, "Prompt caching"; SDK CachePointBlock).
 * - Thinking through `additionalModelRequestFields`: `thinking: { type: 'adaptive' }` with
 *   `output_config: { effort }` on Claude Opus 4.6 and newer, `thinking: { type: 'enabled', budget_tokens }`
 *   on older models (AWS Bedrock user guide, "Adaptive thinking"; Anthropic "Extended thinking"). The 5.x
 *   models hide thinking unless `display: 'summarized'` is asked (Anthropic adaptive-thinking docs).
 * - Thinking is not compatible with a modified `temperature` (Anthropic "Extended thinking"), and the
 *   5.x models refuse `temperature` altogether: it is sent only when the model takes it and thinking is off.
 * - `budget_tokens` must be at least 1,024 and below `max_tokens` (Anthropic "Extended thinking").
 * - `guardrailConfig` with `guardContent` blocks: only the guarded blocks are evaluated (AWS Bedrock user
 *   guide, "Use a guardrail with the Converse API").
 * - `requestMetadata` (string map) is written to model-invocation logs; `serviceTier.type` one of
 *   default / flex / priority / reserved (Bedrock API reference, ConverseStream).
 */
import type { ContentBlock, ConverseStreamCommandInput, Message as BedrockMessage, SystemContentBlock } from '@aws-sdk/client-bedrock-runtime';
import { TEMPERATURES, type CacheTtl, type TemperatureChoice, type ThinkingChoice } from '@homeagent/contract';
import type { CatalogueModel } from './model-catalogue.js';

/** Reply lengths by thinking choice, each bounded by the model's own output limit. */
export const REPLY_TOKENS = { off: 8_192, normal: 16_384, deep: 32_768 } as const;
/** Token budgets for models that think with a budget. */
export const THINKING_BUDGET = { normal: 4_096, deep: 16_384 } as const;
/** Effort levels for models that think adaptively. */
export const THINKING_EFFORT = { off: 'low', normal: 'medium', deep: 'high' } as const;

export interface GuardrailChoice {
  identifier: string;
  version: string;
}

export interface BedrockRequestParts {
  model: CatalogueModel;
  systemPrompt: string;
  context: BedrockMessage[];
  temperature?: TemperatureChoice;
  thinking?: ThinkingChoice;
  /** the cache TTL for this conversation; none: no cache points */
  cacheTtl?: CacheTtl;
  guardrail?: GuardrailChoice;
  metadata?: Record<string, string>;
  /** lowered to fit the person's budget (budget.ts fitReply); what the thinking choice allows when absent */
  maxOutputTokens?: number;
}

/** The thinking a model will actually do for a choice: off where the model cannot stop thinking becomes normal. */
export function effectiveThinking(model: CatalogueModel, choice: ThinkingChoice | undefined): ThinkingChoice {
  if (model.thinking === 'none') return 'off';
  const wanted = choice ?? 'off';
  return wanted === 'off' && model.thinkingAlwaysOn ? 'normal' : wanted;
}

/** The reply's explicit maxTokens: what the thinking choice allows, within the model's limit. */
export function replyMaxTokens(model: CatalogueModel, thinking: ThinkingChoice): number {
  return Math.min(model.maxOutputTokens, REPLY_TOKENS[thinking]);
}

/**
 * The cache TTL for the next turn, from how the person chats: a 1-hour write
 * costs 2× the input price against 1.25× for 5 minutes, so it pays only when
 * turns come more than 5 minutes apart (a 5-minute entry would be gone) but
 * within the hour. The gap before the newest message is the best guess for the next.
 */
export function chooseCacheTtl(history: { createdAt: string }[], now = Date.now()): CacheTtl {
  const last = history.at(-1);
  if (!last) return '5m';
  const gap = now - Date.parse(last.createdAt);
  return gap > 5 * 60_000 && gap < 60 * 60_000 ? '1h' : '5m';
}

/** The cache TTL a request may use: the wished one if the model takes it, else its first, else none. */
export function cacheTtlFor(model: CatalogueModel, wished: CacheTtl): CacheTtl | undefined {
  if (model.cacheTtls.includes(wished)) return wished;
  return model.cacheTtls[0];
}

function thinkingFields(model: CatalogueModel, thinking: ThinkingChoice, maxTokens: number): Record<string, unknown> | undefined {
  // Off is asked by leaving thinking out: models that cannot stop thinking never get here with 'off'.
  if (thinking === 'off') return undefined;
  if (model.thinking === 'adaptive-effort') {
    return { thinking: { type: 'adaptive', display: 'summarized' }, output_config: { effort: THINKING_EFFORT[thinking] } };
  }
  if (model.thinking === 'extended-budget') {
    const budget = Math.min(THINKING_BUDGET[thinking], maxTokens - 1);
    if (budget >= 1_024) return { thinking: { type: 'enabled', budget_tokens: budget } };
  }
  return undefined;
}

/** The last user turn's text blocks become guardContent, so a guardrail judges only the newest turn. */
function guardNewestTurn(messages: BedrockMessage[]): BedrockMessage[] {
  const last = messages.at(-1);
  if (!last || last.role !== 'user') return messages;
  const content = (last.content ?? []).map((block): ContentBlock => ('text' in block && typeof block.text === 'string' ? { guardContent: { text: { text: block.text } } } : block));
  return [...messages.slice(0, -1), { ...last, content }];
}

/** A cache point at the end of the previous turn: the message before the new user text. */
function withTurnCachePoint(messages: BedrockMessage[], ttl: CacheTtl): BedrockMessage[] {
  if (messages.length < 2) return messages;
  const at = messages.length - 2;
  return messages.map((m, i) => (i === at ? { ...m, content: [...(m.content ?? []), { cachePoint: { type: 'default', ttl } }] } : m));
}

export function buildConverseRequest(parts: BedrockRequestParts): ConverseStreamCommandInput {
  const { model } = parts;
  const thinking = effectiveThinking(model, parts.thinking);
  const maxTokens = Math.min(replyMaxTokens(model, thinking), parts.maxOutputTokens ?? Number.POSITIVE_INFINITY);
  const extra = thinkingFields(model, thinking, maxTokens);
  const thinks = extra !== undefined;
  const inferenceConfig: { maxTokens: number; temperature?: number } = { maxTokens };
  if (model.acceptsTemperature && !thinks) {
    const choice = parts.temperature ?? 'default';
    inferenceConfig.temperature = choice === 'default' ? model.defaultTemperature : TEMPERATURES[choice];
  }
  const ttl = parts.cacheTtl;
  const system: SystemContentBlock[] = [{ text: parts.systemPrompt }];
  // Only what is the same on every turn goes before a cache point: the system prompt carries no date or name.
  if (ttl) system.push({ cachePoint: { type: 'default', ttl } });
  let messages = ttl ? withTurnCachePoint(parts.context, ttl) : parts.context;
  if (parts.guardrail) messages = guardNewestTurn(messages);
  return {
    modelId: model.modelId,
    system,
    messages,
    inferenceConfig,
    ...(extra ? { additionalModelRequestFields: extra as never } : {}),
    ...(parts.guardrail
      ? { guardrailConfig: { guardrailIdentifier: parts.guardrail.identifier, guardrailVersion: parts.guardrail.version, trace: 'enabled' } }
      : {}),
    ...(parts.metadata ? { requestMetadata: parts.metadata } : {}),
    ...(model.serviceTier ? { serviceTier: { type: model.serviceTier } } : {}),
  };
}
