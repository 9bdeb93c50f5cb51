/**
 * The emulator's reading of a ConverseStream request body: refuses what
 * Bedrock refuses (with its ValidationException texts; errors the model
 * itself raises come wrapped as "The model returned the following errors: …",
 * as Bedrock wraps them) and says what it received.
 */
import { createHash } from 'node:crypto';
import type { EmulatedModel } from './bedrock-models.js';
import type { ConverseContentBlock, ConverseRequest } from './bedrock-reply.js';
import { checkFiles, describeFile, type ReceivedFile } from './bedrock-attachments.js';

/** A request the emulator refuses the way Bedrock does: an HTTP status, an error type and a message. */
export class BedrockRequestError extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BedrockRequestError';
    this.code = errorType;
  }
}

export function invalid(message: string): BedrockRequestError {
  return new BedrockRequestError(400, 'ValidationException', message);
}

const modelError = (message: string) => invalid(`The model returned the following errors: ${message}`);

export interface ThinkingAsked {
  type: 'enabled' | 'adaptive' | 'disabled';
  budgetTokens?: number;
  effort?: string;
  display?: string;
}

export interface CheckedRequest extends ConverseRequest {
  maxTokens?: number;
  temperature?: number;
  thinking?: ThinkingAsked;
  cachePoints: number;
  guardrail?: { identifier: string; version: string };
  metadata?: Record<string, string>;
  serviceTier?: string;
  /** every image and document block, in order, with the index of its message */
  files: Array<ReceivedFile & { message: number }>;
}

/** What a reasoning block's signature is for its text: the emulator's stand-in for Anthropic's. */
export function reasoningSignature(text: string): string {
  return createHash('sha256').update(`homeagent-emulator-reasoning\n${text}`).digest('base64');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const METADATA_KEY = /^[a-zA-Z0-9\s:_@$#=/+,.-]{1,256}$/;
const SERVICE_TIERS = ['default', 'flex', 'priority', 'reserved'];
const EFFORTS = ['low', 'medium', 'high', 'max'];

function checkCachePoint(block: ConverseContentBlock, where: string, model: EmulatedModel): void {
  // Still the request's JSON, whatever the block type says: the TTL may be anything.
  const point: unknown = block.cachePoint;
  if (!isObject(point) || point.type !== 'default') {
    throw invalid(`1 validation error detected: Value at '${where}.cachePoint.type' failed to satisfy constraint: Member must satisfy enum value set: [default]`);
  }
  if (point.ttl !== undefined && !model.cacheTtls.includes(point.ttl as '5m')) {
    throw invalid(`The cache TTL ${typeof point.ttl === 'string' ? point.ttl : JSON.stringify(point.ttl)} at ${where} is not supported by this model. Supported TTLs: ${model.cacheTtls.join(', ')}.`);
  }
}

function checkMessages(messages: unknown[], model: EmulatedModel): number {
  let cachePoints = 0;
  messages.forEach((message, i) => {
    if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      throw invalid(`1 validation error detected: Value at 'messages.${i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`);
    }
    if (!Array.isArray(message.content) || message.content.length === 0) {
      throw invalid(`The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`);
    }
    message.content.forEach((block: unknown, j: number) => {
      if (!isObject(block)) throw invalid(`The ContentBlock object at messages.${i}.content.${j} must be an object.`);
      if ('text' in block && (typeof block.text !== 'string' || block.text.trim() === '')) {
        throw invalid(`The text field in the ContentBlock object at messages.${i}.content.${j} is blank. Add text to the text field, and try again.`);
      }
      if ('cachePoint' in block) {
        cachePoints += 1;
        checkCachePoint(block, `messages.${i}.content.${j}`, model);
      }
      if ('reasoningContent' in block) {
        if (message.role !== 'assistant') throw modelError(`messages.${i}.content.${j}: thinking blocks may only be in assistant messages`);
        const reasoning = (block as ConverseContentBlock).reasoningContent?.reasoningText;
        if (!reasoning || typeof reasoning.text !== 'string') throw modelError(`messages.${i}.content.${j}.thinking.thinking: Field required`);
        if (typeof reasoning.signature !== 'string') throw modelError(`messages.${i}.content.${j}.thinking.signature: Field required`);
        // A changed text or signature is refused: the blocks must come back exactly as the model sent them.
        if (reasoning.signature !== reasoningSignature(reasoning.text)) throw modelError(`messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
      }
    });
  });
  return cachePoints;
}

function checkThinking(fields: unknown, model: EmulatedModel, maxTokens: number | undefined): ThinkingAsked | undefined {
  const thinking = isObject(fields) ? fields.thinking : undefined;
  if (thinking === undefined) {
    if (model.thinkingRequired) return { type: 'adaptive', effort: 'high' };
    return undefined;
  }
  if (!isObject(thinking)) throw modelError('thinking: Input should be an object');
  const outputConfig = isObject(fields) && isObject(fields.output_config) ? fields.output_config : undefined;
  const effort = outputConfig?.effort;
  if (effort !== undefined && (typeof effort !== 'string' || !EFFORTS.includes(effort))) {
    throw modelError(`output_config.effort: Input should be ${EFFORTS.map((e) => `'${e}'`).join(', ')}`);
  }
  switch (thinking.type) {
    case 'disabled':
      if (model.thinkingRequired) throw modelError('thinking.type: "disabled" is not supported for this model. Use thinking.type: "adaptive".');
      return { type: 'disabled' };
    case 'adaptive':
      if (model.thinking !== 'adaptive') throw modelError('thinking.type: "adaptive" is not supported for this model. Use thinking.type: "enabled" with budget_tokens.');
      return { type: 'adaptive', effort: (effort) ?? 'high', ...(typeof thinking.display === 'string' ? { display: thinking.display } : {}) };
    case 'enabled': {
      if (model.thinking === 'none') throw modelError('thinking: Extra inputs are not permitted');
      if (!model.budgetAccepted) throw modelError('thinking.type: "enabled" is not supported for this model. Use thinking.type: "adaptive" and output_config.effort.');
      const budget = thinking.budget_tokens;
      if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1024) throw modelError('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
      if (maxTokens !== undefined && budget >= maxTokens) throw modelError('`max_tokens` must be greater than `thinking.budget_tokens`.');
      return { type: 'enabled', budgetTokens: budget };
    }
    default:
      throw modelError("thinking.type: Input should be 'enabled', 'adaptive' or 'disabled'");
  }
}

/** Checks the request body the way Bedrock does for the parts the emulator relies on. */
export function checkConverseRequest(raw: Buffer, model: EmulatedModel): CheckedRequest {
  let body: unknown;
  try {
    body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new BedrockRequestError(400, 'SerializationException', 'The request body is not valid JSON.', { cause });
  }
  if (!isObject(body)) throw invalid('The request body must be a JSON object.');
  const { messages, system, inferenceConfig, additionalModelRequestFields, guardrailConfig, requestMetadata, serviceTier } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  }
  let cachePoints = checkMessages(messages, model);
  // checkMessages has seen that each is an object with a role and a list of blocks.
  const roles = (messages as CheckedRequest['messages']).map((m) => m.role);
  if (roles[0] !== 'user') {
    throw invalid('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  }
  for (let i = 1; i < roles.length; i++) {
    if (roles[i] === roles[i - 1]) {
      throw invalid('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
    }
  }
  if (system !== undefined && !Array.isArray(system)) throw invalid('The system field must be a list of SystemContentBlock objects.');
  for (const [i, block] of (system ?? []).entries()) {
    if (isObject(block) && 'cachePoint' in block) {
      cachePoints += 1;
      checkCachePoint(block, `system.${i}`, model);
    }
  }
  if (cachePoints > 0 && model.cacheTtls.length === 0) throw invalid('This model does not support prompt caching: remove the cachePoint blocks.');
  if (cachePoints > 4) throw modelError(`A maximum of 4 blocks with cache_control may be provided. Found ${cachePoints}.`);

  const files = checkFiles(messages as CheckedRequest['messages']);
  const checked: CheckedRequest = { messages: messages as CheckedRequest['messages'], system: system as CheckedRequest['system'], cachePoints, files };
  if (isObject(inferenceConfig) && inferenceConfig.maxTokens !== undefined) {
    if (typeof inferenceConfig.maxTokens !== 'number' || !Number.isInteger(inferenceConfig.maxTokens) || inferenceConfig.maxTokens < 1) {
      throw invalid("1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1");
    }
    checked.maxTokens = inferenceConfig.maxTokens;
  }
  const thinking = checkThinking(additionalModelRequestFields, model, checked.maxTokens);
  if (thinking) checked.thinking = thinking;
  if (isObject(inferenceConfig) && inferenceConfig.temperature !== undefined) {
    const temperature = inferenceConfig.temperature;
    if (typeof temperature !== 'number' || temperature < 0 || temperature > 1) {
      throw invalid("1 validation error detected: Value at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1");
    }
    if (!model.temperature) throw modelError('temperature: Setting a non-default value is not supported for this model.');
    if (thinking && thinking.type !== 'disabled' && temperature !== 1) {
      throw modelError('`temperature` may only be set to 1 when thinking is enabled or in adaptive thinking mode.');
    }
    checked.temperature = temperature;
  }
  if (guardrailConfig !== undefined) {
    if (!isObject(guardrailConfig) || typeof guardrailConfig.guardrailIdentifier !== 'string' || typeof guardrailConfig.guardrailVersion !== 'string') {
      throw invalid('The guardrail configuration needs a guardrailIdentifier and a guardrailVersion.');
    }
    if (!/^(([a-z0-9]+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail\/[a-z0-9]+))$/.test(guardrailConfig.guardrailIdentifier)) {
      throw invalid("1 validation error detected: Value at 'guardrailConfig.guardrailIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern");
    }
    if (!/^(([1-9][0-9]{0,7})|(DRAFT))$/.test(guardrailConfig.guardrailVersion)) {
      throw invalid("1 validation error detected: Value at 'guardrailConfig.guardrailVersion' failed to satisfy constraint: Member must satisfy regular expression pattern");
    }
    checked.guardrail = { identifier: guardrailConfig.guardrailIdentifier, version: guardrailConfig.guardrailVersion };
  }
  if (requestMetadata !== undefined) {
    if (!isObject(requestMetadata)) throw invalid('requestMetadata must be a map of strings.');
    for (const [key, value] of Object.entries(requestMetadata)) {
      if (!METADATA_KEY.test(key) || typeof value !== 'string' || value.length > 256) {
        throw invalid("1 validation error detected: Value at 'requestMetadata' failed to satisfy constraint: Map keys and values must satisfy constraints");
      }
    }
    checked.metadata = requestMetadata as Record<string, string>;
  }
  if (serviceTier !== undefined) {
    const type = isObject(serviceTier) ? serviceTier.type : undefined;
    if (typeof type !== 'string' || !SERVICE_TIERS.includes(type)) {
      throw invalid(`1 validation error detected: Value at 'serviceTier.type' failed to satisfy constraint: Member must satisfy enum value set: [${SERVICE_TIERS.join(', ')}]`);
    }
    checked.serviceTier = type;
  }
  checked.received = receivedLines(checked);
  return checked;
}

/** One line per thing received beyond the messages: what the echo marker makes the reply say. */
function receivedLines(r: CheckedRequest): string[] {
  const lines = [`maxTokens: ${r.maxTokens ?? 'none'}`, `temperature: ${r.temperature ?? 'none'}`];
  const t = r.thinking;
  lines.push(`thinking: ${t ? (t.type === 'enabled' ? `enabled, budget ${t.budgetTokens}` : t.type === 'adaptive' ? `adaptive, effort ${t.effort}` : 'disabled') : 'none'}`);
  lines.push(`cache points: ${r.cachePoints}`);
  lines.push(`guardrail: ${r.guardrail ? `${r.guardrail.identifier} version ${r.guardrail.version}` : 'none'}`);
  lines.push(`guarded blocks: ${r.messages.reduce((n, m) => n + m.content.filter((b) => b.guardContent !== undefined).length, 0)}`);
  lines.push(`reasoning blocks sent back: ${r.messages.reduce((n, m) => n + m.content.filter((b) => b.reasoningContent !== undefined).length, 0)}`);
  lines.push(`request metadata: ${r.metadata ? Object.keys(r.metadata).sort().join(', ') : 'none'}`);
  lines.push(`service tier: ${r.serviceTier ?? 'none'}`);
  lines.push(`files in the request: ${r.files.length === 0 ? 'none' : r.files.map((f) => `${describeFile(f)} in message ${f.message + 1}`).join('; ')}`);
  return lines;
}
