/**
 * One reply from start to end: streams Claude's answer from Bedrock, relays
 * it to the hub in coalesced, escaped pieces, checkpoints what was
 * published, and stores how it ended (text, usage, cost, budget settled).
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { ConverseStreamCommand, type Message as BedrockMessage } from '@aws-sdk/client-bedrock-runtime';
import { DONE_EVENT, conversationTopic, updateId, type DoneEvent, type MessageState, type Usage } from '@homeagent/contract';
import { describeBedrockError } from '../../bedrock-error.js';
import { buildConverseRequest } from '../../bedrock-request.js';
import { costMicroUsd, dayOf, fromMicroUsd, toMicroUsd } from '../../budget.js';
import { estimateTokens, titleFrom } from '../../conversation-context.js';
import { escapeHtml } from '../../html-escape.js';
import type { ConversationLock } from './conversation-lock.js';
import type { ConversationRecord } from './conversations-repository.js';
import type { MessageRecord } from './messages-repository.js';
import type { ModelPrice } from './settings-repository.js';
import type { UserRecord } from './users-repository.js';

/** `done` is retried: without it a page waits for a reply that has ended. */
export const DONE_ATTEMPTS = 3;

/** Why a stream was aborted. */
export const STOP = 'stop';
export const SHUTDOWN = 'shutdown';
const IDLE = 'idle';
const IDLE_MESSAGE = 'Claude stopped answering before the reply was finished. Please try again.';
const SHUTDOWN_MESSAGE = 'The reply was interrupted because the service restarted. Please send your message again.';

/** Everything a reply needs once its messages are stored and its budget is reserved. */
export interface ReplyJob {
  user: UserRecord;
  conversation: ConversationRecord;
  userText: string;
  assistant: MessageRecord;
  model: string;
  systemPrompt: string;
  price: ModelPrice | undefined;
  context: BedrockMessage[];
  estimatedInputTokens: number;
  reservedMicroUsd: number;
  /** the reply's output limit: the model's, or less so that its worst case fits the budget */
  maxOutputTokens: number;
  /** true when `maxOutputTokens` was lowered for the budget */
  shortenedByBudget: boolean;
  month: string;
  /** when the person's request arrived, for time to first token */
  requestedAt: number;
}

export async function runReply(app: FastifyInstance, lock: ConversationLock, baseLog: FastifyBaseLogger, job: ReplyJob, controller: AbortController): Promise<void> {
  const config = app.config;
  const { assistant, user, conversation } = job;
  const messageId = assistant.id;
  const topic = conversationTopic(config.publicUrl, user.id, conversation.id);
  const log = baseLog.child({ messageId, conversationId: conversation.id });

  let sequence = 0;
  let received = '';
  let pending = '';
  let coalesceTimer: NodeJS.Timeout | undefined;
  // What the hub has been sent, in order; checkpoints only ever claim this much.
  let published = { text: '', lastEventId: updateId(messageId, 0) };
  let publishing: Promise<void> = Promise.resolve();

  const flush = () => {
    if (coalesceTimer) clearTimeout(coalesceTimer);
    coalesceTimer = undefined;
    if (pending === '') return;
    const piece = pending;
    pending = '';
    sequence += 1;
    const id = updateId(messageId, sequence);
    publishing = publishing.then(async () => {
      await app.hub.publish({ topic, id, data: escapeHtml(piece) });
      // Kept even when the hub failed: the stored text must not lose what Bedrock sent.
      published = { text: published.text + piece, lastEventId: id };
    });
  };

  let checkpointed = published.lastEventId;
  let checkpointing = false;
  const checkpointTimer = setInterval(() => {
    if (checkpointing || published.lastEventId === checkpointed) return;
    checkpointing = true;
    const snapshot = published;
    app.messages
      .checkpoint(conversation.id, messageId, snapshot.text, snapshot.lastEventId)
      .then(() => {
        checkpointed = snapshot.lastEventId;
      })
      .catch((error: unknown) => log.warn({ err: error }, 'could not save a checkpoint'))
      .finally(() => {
        checkpointing = false;
      });
  }, config.streamCheckpointMs);

  // Neither the SDK nor HTTP/2 gives up on a stream that goes quiet; without this a hung
  // stream would hold the conversation's lock for as long as the process lives.
  let idleTimer: NodeJS.Timeout | undefined;
  const stillAlive = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller.abort(IDLE), config.streamIdleTimeoutMs);
  };
  stillAlive();

  let usage: { inputTokens: number; outputTokens: number } | undefined;
  let stopReason: string | undefined;
  let state: Exclude<MessageState, 'streaming'> = 'complete';
  let errorText: string | undefined;
  try {
    const response = await app.bedrock.send(new ConverseStreamCommand(buildConverseRequest(job)), { abortSignal: controller.signal });
    let first = true;
    for await (const event of response.stream ?? []) {
      stillAlive();
      const text = event.contentBlockDelta?.delta?.text;
      if (text) {
        if (first) {
          first = false;
          app.metrics.put('TimeToFirstTokenMs', Date.now() - job.requestedAt);
        }
        received += text;
        pending += text;
        // The first piece goes out at once: the wait for the first token is what people feel most.
        if (sequence === 0) flush();
        else coalesceTimer ??= setTimeout(flush, config.streamCoalesceMs);
      } else if (event.messageStop) {
        stopReason = event.messageStop.stopReason;
      } else if (event.metadata?.usage) {
        usage = { inputTokens: event.metadata.usage.inputTokens ?? 0, outputTokens: event.metadata.usage.outputTokens ?? 0 };
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) {
      state = 'error';
      errorText = describeBedrockError(error);
      const throttled = (error as { name?: string }).name === 'ThrottlingException';
      app.metrics.put(throttled ? 'BedrockThrottles' : 'AgentErrors', 1);
      log.warn({ err: error }, 'Bedrock stream failed');
    }
  } finally {
    clearTimeout(idleTimer);
    clearInterval(checkpointTimer);
    flush();
    await publishing;
  }
  // An abort can end the event stream quietly as well as with an error: the reason decides.
  if (controller.signal.aborted) {
    if (controller.signal.reason === STOP) {
      state = 'stopped';
    } else if (controller.signal.reason === IDLE) {
      state = 'error';
      errorText = IDLE_MESSAGE;
      app.metrics.put('AgentErrors', 1);
      log.warn({ idleMs: config.streamIdleTimeoutMs }, 'Bedrock stream went quiet; given up');
    } else {
      state = 'error';
      errorText = SHUTDOWN_MESSAGE;
    }
  }

  // Without Bedrock's own count (a stopped or failed stream), bill an estimate of what was used.
  const tokens = usage ?? {
    inputTokens: received === '' && state === 'error' ? 0 : job.estimatedInputTokens,
    outputTokens: estimateTokens(received),
  };
  const costUsd = fromMicroUsd(costMicroUsd(job.price, tokens.inputTokens, tokens.outputTokens));
  const finalUsage: Usage = { ...tokens, costUsd };
  // Ended by the lowered limit, not by the model: the page says the budget cut it short.
  const cutShortByBudget = state === 'complete' && job.shortenedByBudget && stopReason === 'max_tokens';
  const finished = await app.messages.finish(conversation.id, messageId, {
    text: received,
    state,
    lastEventId: published.lastEventId,
    usage: finalUsage,
    ...(errorText ? { error: errorText } : {}),
    ...(cutShortByBudget ? { cutShortByBudget } : {}),
  });
  if (!finished) {
    log.warn('the reply was settled elsewhere before the stream ended');
    return;
  }
  await settleBudget(app, job, finalUsage, log);
  await app.conversations.touch(user.id, conversation.id, titleFrom(job.userText)).catch((e: unknown) => log.error({ err: e }, 'could not update the conversation'));
  await lock.release(conversation, messageId).catch((e: unknown) => log.error({ err: e }, 'could not release the conversation lock'));
  const done: DoneEvent = { messageId, state, usage: finalUsage, ...(errorText ? { error: errorText } : {}), ...(cutShortByBudget ? { cutShortByBudget } : {}) };
  await app.hub.publish({ topic, id: updateId(messageId, sequence + 1), type: DONE_EVENT, data: JSON.stringify(done) }, DONE_ATTEMPTS);
  log.info({ state, pieces: sequence, inputTokens: finalUsage.inputTokens, outputTokens: finalUsage.outputTokens, costUsd }, 'reply finished');
}

/** Replaces the reply's reservation by what it cost, and adds that to the day's spend. */
async function settleBudget(app: FastifyInstance, job: ReplyJob, usage: Usage, log: FastifyBaseLogger): Promise<void> {
  const microUsd = toMicroUsd(usage.costUsd);
  try {
    await app.usage.settle(job.user.id, job.month, job.reservedMicroUsd, { microUsd, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens });
    if (microUsd > 0) {
      const today = await app.usage.addDailySpend(dayOf(), microUsd);
      app.metrics.put('DailySpendUsd', fromMicroUsd(today));
    }
  } catch (error) {
    log.error({ err: error }, 'could not settle the budget');
    app.metrics.put('AgentErrors', 1);
  }
}
