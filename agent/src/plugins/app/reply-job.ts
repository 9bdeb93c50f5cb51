/**
 * One reply from start to end: streams Claude's answer from Bedrock, relays
 * it to the hub in coalesced pieces (Markdown rendered block by block:
 * stream-markdown.ts), saves each piece before it is
 * published (reply-lease.ts), and stores how it ended (text, usage, cost,
 * budget settled).
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { ConverseStreamCommand, type ConverseStreamCommandInput } from '@aws-sdk/client-bedrock-runtime';
import { DELTA_EVENT, DONE_EVENT, THINKING_EVENT, conversationTopic, updateId, type CacheTtl, type DoneEvent, type MessageState, type Usage } from '@homeagent/contract';
import { BLOCKED_MESSAGE, describeBedrockError, isAccessRefusal, isFinalRefusal } from '../../bedrock-error.js';
import { cacheSavingMicroUsd, dayOf, fromMicroUsd, replyCostMicroUsd, toMicroUsd } from '../../budget.js';
import { estimateTokens, titleFrom } from '../../conversation-context.js';
import type { CatalogueModel } from '../../model-catalogue.js';
import { escapeHtml } from '../../html-escape.js';
import { StreamMarkdown } from '../../stream-markdown.js';
import type { ConversationLock } from './conversation-lock.js';
import type { ConversationRecord } from './conversations-repository.js';
import type { MessageRecord } from './messages-repository.js';
import { finishWhenReachable, whenReachable } from './reply-finish.js';
import { ReplyLease } from './reply-lease.js';
import type { UserRecord } from './users-repository.js';

/**
 * `done` is retried: without it a page waits for a reply that has ended.
 * A running reply's own `done`, when these quick attempts fail, is tried
 * again in the background for longer (hub-publisher.ts `publishLater`).
 */
export const DONE_ATTEMPTS = 3;

/** Why a stream was aborted. */
export const STOP = 'stop';
export const SHUTDOWN = 'shutdown';
const IDLE = 'idle';
/** Another process settled this reply (its lease had expired): nothing left to do here. */
const LEASE_LOST = 'lease-lost';
const IDLE_MESSAGE = 'Claude stopped answering before the reply was finished. Please try again.';
const SHUTDOWN_MESSAGE = 'The reply was interrupted because the service restarted. Please send your message again.';

/** Everything a reply needs once its messages are stored and its budget is reserved. */
export interface ReplyJob {
  user: UserRecord;
  conversation: ConversationRecord;
  userText: string;
  assistant: MessageRecord;
  model: CatalogueModel;
  /** the ConverseStream request, as bedrock-request.ts built it */
  request: ConverseStreamCommandInput;
  cacheTtl: CacheTtl | undefined;
  /** the guardrail that judges this person's messages, if any */
  guardrail?: { identifier: string; version: string };
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

/**
 * `coalesceMs` says, each time a piece starts gathering, how long it gathers:
 * the process's current window (coalescing-window.ts), wider when many replies run.
 */
export async function runReply(
  app: FastifyInstance,
  lock: ConversationLock,
  baseLog: FastifyBaseLogger,
  job: ReplyJob,
  controller: AbortController,
  coalesceMs: () => number,
): Promise<void> {
  const config = app.config;
  const { assistant, user, conversation } = job;
  const messageId = assistant.id;
  const topic = conversationTopic(config.publicUrl, user.id, conversation.id);
  const log = baseLog.child({ messageId, conversationId: conversation.id });

  let sequence = 0;
  let received = '';
  let pending = '';
  let reasoning = '';
  let reasoningSignature: string | undefined;
  let pendingThinking = '';
  let coalesceTimer: NodeJS.Timeout | undefined;
  // What the hub has been sent, in order; checkpoints only ever claim this much as `text`.
  let published = { text: '', lastEventId: updateId(messageId, 0) };
  let publishing: Promise<void> = Promise.resolve();
  let inFlight = false;
  const lease = new ReplyLease(app, { conversationId: conversation.id, messageId, owner: assistant.leaseOwner ?? '' }, log, () => controller.abort(LEASE_LOST));

  const markdown = new StreamMarkdown(messageId);
  // One piece at a time: what arrives while a piece is being saved and sent
  // waits and goes out as the next piece, so a slow table coalesces more.
  // A piece is sent when its window (`coalesceMs()`, armed by its first token) has run out.
  // `last`: the reply ended; the rest is rendered and sent even when nothing is pending.
  const flush = (last = false) => {
    if (coalesceTimer) clearTimeout(coalesceTimer);
    coalesceTimer = undefined;
    if (inFlight || (pending === '' && pendingThinking === '' && !last)) return;
    inFlight = true;
    // Thinking is not part of the reply's text: it is stored whole at the end, so the lease's saves skip it.
    const thought = pendingThinking;
    pendingThinking = '';
    const thoughtId = thought === '' ? undefined : updateId(messageId, ++sequence);
    const piece = pending;
    pending = '';
    const id = piece === '' && !last ? undefined : updateId(messageId, ++sequence);
    // Rendered now, in sequence order: each block is sent once, the open one as text.
    const data = id === undefined ? '' : last ? markdown.end(piece) : markdown.piece(piece);
    publishing = (async () => {
      if (thoughtId) await app.hub.publish({ topic, id: thoughtId, type: THINKING_EVENT, data: escapeHtml(thought) });
      if (!id) return;
      await lease.beforePublish(published, piece);
      await app.hub.publish({ topic, id, type: DELTA_EVENT, data });
      // Kept even when the hub failed: the stored text must not lose what Bedrock sent.
      published = { text: published.text + piece, lastEventId: id };
    })()
      .catch((error: unknown) => log.error({ err: error }, 'could not publish a piece'))
      .finally(() => {
        inFlight = false;
        // A window that ran out during the save goes now; one still open is left to its timer,
        // so a token that came during the save does not go out alone as a piece of its own.
        if ((pending !== '' || pendingThinking !== '') && !coalesceTimer) flush();
      });
  };
  // Read through a call: flush() sets it from a callback TypeScript's narrowing does not see.
  const saving = () => inFlight;
  const drain = async () => {
    flush();
    while (saving()) await publishing;
    // The last piece renders what is left of the reply, after every earlier piece.
    flush(true);
    while (saving()) await publishing;
  };

  // Neither the SDK nor HTTP/2 gives up on a stream that goes quiet; without this a hung
  // stream would hold the conversation's lock for as long as the process lives.
  let idleTimer: NodeJS.Timeout | undefined;
  const stillAlive = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller.abort(IDLE), config.streamIdleTimeoutMs);
  };
  stillAlive();

  let usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number } | undefined;
  let stopReason: string | undefined;
  let state: Exclude<MessageState, 'streaming'> = 'complete';
  let errorText: string | undefined;
  let errorFinal = false;
  let blocked = false;
  try {
    const response = await app.bedrock.send(new ConverseStreamCommand(job.request), { abortSignal: controller.signal });
    let first = true;
    for await (const event of response.stream ?? []) {
      stillAlive();
      const thought = event.contentBlockDelta?.delta?.reasoningContent;
      if (thought) {
        if (thought.text) {
          reasoning += thought.text;
          pendingThinking += thought.text;
          coalesceTimer ??= setTimeout(flush, coalesceMs());
        }
        if (thought.signature) reasoningSignature = thought.signature;
        continue;
      }
      if (event.messageStop?.stopReason === 'guardrail_intervened') blocked = true;
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
        else coalesceTimer ??= setTimeout(() => flush(), coalesceMs());
      } else if (event.messageStop) {
        stopReason = event.messageStop.stopReason;
      } else if (event.metadata?.usage) {
        const u = event.metadata.usage;
        usage = {
          inputTokens: u.inputTokens ?? 0,
          outputTokens: u.outputTokens ?? 0,
          cacheReadTokens: u.cacheReadInputTokens ?? 0,
          cacheWriteTokens: u.cacheWriteInputTokens ?? 0,
        };
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) {
      state = 'error';
      errorText = describeBedrockError(error);
      errorFinal = isFinalRefusal(error);
      if (isAccessRefusal(error)) {
        await app.settings
          .recordAccessProblem({ modelId: job.model.modelId, errorName: error instanceof Error ? error.name : 'Error', detail: error instanceof Error ? error.message : String(error) })
          .catch((e: unknown) => log.warn({ err: e }, 'could not record the access problem'));
      }
      const throttled = (error as { name?: string }).name === 'ThrottlingException';
      app.metrics.put(throttled ? 'BedrockThrottles' : 'AgentErrors', 1);
      log.warn({ err: error }, 'Bedrock stream failed');
    }
  } finally {
    clearTimeout(idleTimer);
    await drain();
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

  if (blocked) {
    // The guardrail's own wording is replaced by the household's calm one; the turn leaves the context.
    state = 'error';
    errorText = BLOCKED_MESSAGE;
    errorFinal = true;
    received = '';
    reasoning = '';
    log.warn({ userId: user.id, conversationId: conversation.id, guardrail: job.guardrail }, 'a guardrail blocked a message');
    // The audit says who and which guardrail, never what was written: the admin sees that it happened.
    await app.audit.record({
      actor: { userId: user.id, username: user.username },
      action: 'message.blocked',
      target: { kind: 'conversation', id: conversation.id },
      outcome: 'refused',
      ...(job.guardrail ? { detail: { guardrail: job.guardrail.identifier, version: job.guardrail.version } } : {}),
    });
  }

  // Without Bedrock's own count (a stopped or failed stream), bill an estimate of what was used.
  const tokens = usage ?? {
    inputTokens: received === '' && reasoning === '' && state === 'error' ? 0 : job.estimatedInputTokens,
    outputTokens: estimateTokens(received) + estimateTokens(reasoning),
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
  const costUsd = fromMicroUsd(replyCostMicroUsd(job.model, { ...tokens, ...(job.cacheTtl ? { cacheTtl: job.cacheTtl } : {}) }));
  const finalUsage: Usage = {
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    ...(tokens.cacheReadTokens ? { cacheReadTokens: tokens.cacheReadTokens } : {}),
    ...(tokens.cacheWriteTokens ? { cacheWriteTokens: tokens.cacheWriteTokens } : {}),
    costUsd,
  };
  // Ended by the lowered limit, not by the model: the page says the budget cut it short.
  const cutShortByBudget = state === 'complete' && job.shortenedByBudget && stopReason === 'max_tokens';
  // The lease is renewed until the end is stored: a database away for a while must not hand the reply to another task.
  const finished = await finishWhenReachable(app, log, conversation.id, messageId, {
    text: received,
    state,
    lastEventId: published.lastEventId,
    usage: finalUsage,
    ...(errorText ? { error: errorText } : {}),
    ...(errorFinal ? { errorFinal } : {}),
    ...(reasoning ? { reasoning: { text: reasoning, ...(reasoningSignature ? { signature: reasoningSignature } : {}) } } : {}),
    ...(cutShortByBudget ? { cutShortByBudget } : {}),
  }).finally(() => lease.stop());
  if (!finished) {
    log.warn('the reply was settled elsewhere before the stream ended');
    return;
  }
  await settleBudget(app, job, finalUsage, log);
  // The title was given at the send; only a first reply tries again (a conditional write, a no-op once named).
  if (conversation.titleIsDefault) await app.conversations.nameIfUnnamed(user.id, conversation.id, titleFrom(job.userText)).catch((e: unknown) => log.error({ err: e }, 'could not name the conversation'));
  await lock.releaseAndTouch(conversation, messageId).catch((e: unknown) => log.error({ err: e }, 'could not release the conversation lock'));
  const done: DoneEvent = { messageId, state, usage: finalUsage, ...(errorText ? { error: errorText } : {}), ...(cutShortByBudget ? { cutShortByBudget } : {}) };
  const doneUpdate = { topic, id: updateId(messageId, sequence + 1), type: DONE_EVENT, data: JSON.stringify(done) };
  if (!(await app.hub.publish(doneUpdate, DONE_ATTEMPTS))) app.hub.publishLater(doneUpdate);
  await app.liveEvents.changed(user.id, conversation.id);
  log.info({ state, pieces: sequence, inputTokens: finalUsage.inputTokens, outputTokens: finalUsage.outputTokens, costUsd }, 'reply finished');
}

/**
 * Replaces the reply's reservation by what it cost, and adds that to the
 * day's spend (the person's and the installation's). Each write counts once
 * however often it is sent (usage-repository.ts), so a database away for a
 * while is waited for as the reply's end is: a reservation left held would
 * stay counted against the person's month.
 */
async function settleBudget(app: FastifyInstance, job: ReplyJob, usage: Usage, log: FastifyBaseLogger): Promise<void> {
  const microUsd = toMicroUsd(usage.costUsd);
  const replyId = job.assistant.id;
  const day = dayOf();
  try {
    await whenReachable(log, 'could not settle the budget', () =>
      app.usage.settle(job.user.id, job.month, replyId, job.reservedMicroUsd, {
        microUsd,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cacheReadTokens: usage.cacheReadTokens ?? 0,
        cacheWriteTokens: usage.cacheWriteTokens ?? 0,
        cacheSavedMicroUsd: cacheSavingMicroUsd(job.model, usage.cacheReadTokens ?? 0),
      }),
    );
    await whenReachable(log, "could not count the reply in the person's day", () =>
      app.usage.addPersonDay(job.user.id, day, replyId, { microUsd, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens }),
    );
    if (microUsd > 0) {
      const today = await whenReachable(log, "could not add to the day's spend", () => app.usage.addDailySpend(day, replyId, microUsd));
      app.metrics.put('DailySpendUsd', fromMicroUsd(today));
    }
  } catch (error) {
    log.error({ err: error }, 'could not settle the budget');
    app.metrics.put('AgentErrors', 1);
  }
}
