/**
 * What a reply will be asked with, worked out before a send writes anything:
 * the model and the person's choices, the conversation's history that fits
 * the model's window beside the whole reply, which files go with it (and
 * their bytes), the prompt cache's lifetime and the estimate of input tokens
 * the budget is reserved for. Reads only; a refusal here leaves nothing behind.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Message as BedrockMessage } from '@aws-sdk/client-bedrock-runtime';
import type { Attachment, CacheTtl, Guardrail, TemperatureChoice, ThinkingChoice } from '@homeagent/contract';
import { cacheTtlFor, chooseCacheTtl, effectiveThinking, replyMaxTokens } from '../../bedrock-request.js';
import { estimateTokens, planContext } from '../../conversation-context.js';
import { withAttachmentBlocks } from '../../attachment-blocks.js';
import { planAttachments, totalAttachmentTokens } from '../../attachment-tokens.js';
import { AttachmentNotFoundError, resolveAttachments } from '../../message-attachments.js';
import { HttpError } from '../../http-error.js';
import type { CatalogueModel } from '../../model-catalogue.js';
import type { ConversationRecord } from './conversations-repository.js';
import type { FullSettings } from './settings-repository.js';
import { SafetyRepository } from './safety-repository.js';
import type { UserRecord } from './users-repository.js';

/** What a person picked for this message (remembered on the conversation). */
export interface SendChoices {
  model?: string;
  temperature?: TemperatureChoice;
  thinking?: ThinkingChoice;
}

export class ModelUnavailableError extends HttpError {
  constructor(usable: string[]) {
    super(400, 'model_unavailable', `That model cannot be used here. Models you can use: ${usable.join(', ')}.`);
  }
}

export interface ReplyPlan {
  settings: FullSettings;
  model: CatalogueModel;
  temperature: TemperatureChoice | undefined;
  thinking: ThinkingChoice;
  /** the reply's output limit before the budget may lower it */
  maxTokens: number;
  guardrail: Guardrail | null;
  /** the new message's files, checked (the person's own, pending) */
  attachments: Attachment[];
  /** the history and the new message as Bedrock messages, files included */
  context: BedrockMessage[];
  /** what of the history went to the model, for the reply's record */
  contextSummary: { sent: number; leftOut: number };
  cacheTtl: CacheTtl | undefined;
  estimatedInputTokens: number;
  /** the choices that differ from the conversation's, to remember on it */
  remembered: SendChoices;
}

export async function planReply(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  user: UserRecord,
  conversation: ConversationRecord,
  text: string,
  choices: SendChoices,
  attachmentIds: readonly string[],
): Promise<ReplyPlan> {
  const [{ settings, safety }, history, attachments] = await Promise.all([
    app.settings.getWithSafety(),
    app.messages.listRecent(conversation.id, app.config.contextMessages * 2 + 4),
    resolveAttachments(app.attachments, user.id, attachmentIds),
  ]);
  const { guardrail } = SafetyRepository.guardrailOf(safety, user);
  const modelId = choices.model ?? conversation.model ?? settings.defaultModel;
  const model = settings.models.find((m) => m.modelId === modelId && m.enabled);
  if (!model) throw new ModelUnavailableError(settings.models.filter((m) => m.enabled).map((m) => m.displayName));
  const temperature = choices.temperature ?? conversation.temperature;
  const thinking = effectiveThinking(model, choices.thinking ?? conversation.thinking);
  const maxTokens = replyMaxTokens(model, thinking);
  const systemTokens = estimateTokens(settings.systemPrompt);
  // What the history may take: the window less the system prompt, the whole reply and the new files;
  // older files get only what the texts leave (attachment-tokens.ts).
  const windowTokens = model.contextWindow - systemTokens - maxTokens;
  const newFileTokens = totalAttachmentTokens(attachments);
  const plan = planContext(history, text, {
    limit: app.config.contextMessages,
    tokenBudget: windowTokens - newFileTokens,
    model: model.modelId,
  });
  const turns = plan.attachments.map((files, i) => (i === plan.attachments.length - 1 ? [...files, ...attachments] : files));
  const files = planAttachments(turns, new Set(attachments.map((a) => a.id)), windowTokens - newFileTokens - plan.estimatedTokens);
  const context = await withAttachmentBlocks(plan.messages, files.kept, (a) => readFile(app, log, user.id, a, attachments.includes(a)));
  return {
    settings,
    model,
    temperature,
    thinking,
    maxTokens,
    guardrail,
    attachments,
    context,
    contextSummary: { sent: plan.sent, leftOut: plan.leftOut },
    cacheTtl: cacheTtlFor(model, chooseCacheTtl(history)),
    estimatedInputTokens: systemTokens + plan.estimatedTokens + files.tokens,
    remembered: {
      ...(choices.model && choices.model !== conversation.model ? { model: choices.model } : {}),
      ...(choices.temperature && choices.temperature !== conversation.temperature ? { temperature: choices.temperature } : {}),
      ...(choices.thinking && choices.thinking !== conversation.thinking ? { thinking: choices.thinking } : {}),
    },
  };
}

/**
 * A file's bytes for the request. The new message's must be there (gone: the
 * person attaches it again); an older one that cannot be read is left out of
 * the context rather than failing every later turn.
 */
async function readFile(app: FastifyInstance, log: FastifyBaseLogger, userId: string, attachment: { id: string; name: string }, required: boolean): Promise<Uint8Array | undefined> {
  try {
    return await app.attachments.bytes(userId, attachment.id);
  } catch (error) {
    const missing = (error as { name?: string }).name === 'NoSuchKey';
    if (required) throw missing ? new AttachmentNotFoundError() : error;
    log.warn({ err: error, attachmentId: attachment.id }, 'an earlier attachment could not be read; left out of the context');
    return undefined;
  }
}
