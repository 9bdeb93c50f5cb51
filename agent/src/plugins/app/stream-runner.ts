/**
 * The heart of the agent: takes a person's message, reserves budget, stores
 * both messages, answers at once, then runs the reply (reply-job.ts) in the
 * background; it also settles replies that are not running here any more.
 */
import fp from 'fastify-plugin';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { DONE_EVENT, START_EVENT, conversationTopic, updateId, type DoneEvent } from '@homeagent/contract';
import { buildConverseRequest } from '../../bedrock-request.js';
import { BudgetExceededError, fitReply, monthOf, toMicroUsd, type BudgetPosition, type ReplyFit } from '../../budget.js';
import { titleFrom } from '../../conversation-context.js';
import { claimAttachments, releaseAttachments } from '../../message-attachments.js';
import { coalescingWindowMs } from '../../coalescing-window.js';
import type { CatalogueModel } from '../../model-catalogue.js';
import { newId } from '../../id-generator.js';
import type { SendIds } from '../../send-claim.js';
import { LiveEvents } from '../../live-events.js';
import { ConversationLock } from './conversation-lock.js';
import type { ConversationRecord } from './conversations-repository.js';
import type { MessageRecord } from './messages-repository.js';
import { DONE_ATTEMPTS, SHUTDOWN, STOP, runReply, type ReplyJob } from './reply-job.js';
import { planReply, type SendChoices } from './reply-plan.js';
import type { MonthlyUsage } from './usage-repository.js';
import type { UserRecord } from './users-repository.js';

/**
 * A streaming message without a lease (written before leases existed) not
 * saved for this long, and not running here, was left by a crashed process.
 */
export const STALE_STREAM_MS = 3 * 60_000;

export const INTERRUPTED_MESSAGE = 'The reply was interrupted before it finished. Please send your message again.';

const LAST_SEQUENCE = 999_999;
/** Reads and reservations that may race with other sends of the same person before one is given up. */
const RESERVE_ATTEMPTS = 5;

export { ModelUnavailableError, type SendChoices } from './reply-plan.js';

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export class StreamRunner {
  private readonly running = new Map<string, Running>();
  /** replies found streaming under another owner at start, each waiting for its lease to run out */
  private readonly watching = new Map<string, NodeJS.Timeout>();
  private closed = false;
  readonly lock: ConversationLock;
  /** this process, as the owner of the leases of the replies it runs */
  readonly owner = newId();

  constructor(
    private readonly app: FastifyInstance,
    private readonly log: FastifyBaseLogger,
  ) {
    this.lock = new ConversationLock(app, (message) => this.recoverIfStale(message));
  }

  private get config() {
    return this.app.config;
  }

  /** How long a piece of a running reply gathers tokens now: wider the more replies run here. */
  coalesceMs(): number {
    return coalescingWindowMs(this.config.streamCoalesceMs, this.running.size, this.config.streamPiecesPerSecond);
  }

  isRunning(messageId: string): boolean {
    return this.running.has(messageId);
  }

  /**
   * Stores the person's message and an empty streaming reply, publishes the
   * `start` event and starts the stream in the background. Each step that can
   * fail undoes the earlier ones, so nothing is left half-written. Writes that
   * do not depend on each other go out together: with many sends at once each
   * round trip to the table is a wait in the queue before the 202. `ids` are
   * chosen beforehand when a send key names them (send-claim.ts).
   */
  async send(user: UserRecord, conversation: ConversationRecord, text: string, requestedAt = Date.now(), choices: SendChoices = {}, attachmentIds: readonly string[] = [], ids: SendIds = { userMessageId: newId(), assistantId: newId() }) {
    const plan = await planReply(this.app, this.log, user, conversation, text, choices, attachmentIds);
    const { settings, model, guardrail, attachments, cacheTtl, estimatedInputTokens } = plan;
    const month = monthOf();

    const { userMessageId, assistantId } = ids;
    // Read while the lock is taken: only a position, the reservation itself stays one conditional update.
    const usageRead = this.app.usage.get(user.id, month);
    void usageRead.catch(() => undefined);
    await this.lock.acquire(conversation, assistantId);
    try {
      const fit = await this.reserve(user, month, assistantId, model, estimatedInputTokens, { maxTokens: plan.maxTokens, cacheTtl }, usageRead);
      const { reservedMicroUsd } = fit;
      // The request is built once the reservation says how long the reply may be.
      const request = buildConverseRequest({
        model,
        systemPrompt: settings.systemPrompt,
        context: plan.context,
        ...(plan.temperature ? { temperature: plan.temperature } : {}),
        thinking: plan.thinking,
        ...(cacheTtl ? { cacheTtl } : {}),
        ...(guardrail ? { guardrail } : {}),
        metadata: { userId: user.id, conversationId: conversation.id },
        maxOutputTokens: fit.maxOutputTokens,
      });
      let claimed = false;
      try {
        // Only now, with the lock and the budget held: a refusal before this leaves the uploads pending.
        await claimAttachments(this.app.attachments, user.id, attachments);
        claimed = true;
        const now = new Date().toISOString();
        const userMessage: MessageRecord = {
          id: userMessageId,
          conversationId: conversation.id,
          userId: user.id,
          role: 'user',
          text,
          state: 'complete',
          createdAt: now,
          // Only what describes the files: their bytes stay in the bucket.
          ...(attachments.length > 0 ? { attachments } : {}),
        };
        const assistant: MessageRecord = {
          id: assistantId,
          conversationId: conversation.id,
          userId: user.id,
          role: 'assistant',
          text: '',
          state: 'streaming',
          createdAt: now,
          lastEventId: updateId(assistantId, 0),
          model: model.modelId,
          modelName: model.displayName,
          context: plan.contextSummary,
          checkpointAt: now,
          leaseOwner: this.owner,
          leaseExpiresAt: Date.now() + this.config.replyLeaseMs,
          reservedMicroUsd,
          reservationHeld: true,
          usageMonth: month,
        };
        await this.storeBoth(userMessage, assistant);
        const topic = conversationTopic(this.config.publicUrl, user.id, conversation.id);
        // None of these throws (a failure is logged), and none needs another: they go out together.
        await Promise.all([
          this.app.conversations
            .remember(user.id, conversation.id, plan.remembered)
            .catch((e: unknown) => this.log.warn({ err: e }, "could not remember the conversation's choices")),
          // Published before the 202 so a subscriber that starts from this id misses nothing.
          this.app.hub.publish({ topic, id: updateId(assistantId, 0), type: START_EVENT, data: JSON.stringify({ messageId: assistantId }) }),
          // The title (from the first message) and the list order change now, not when the reply ends.
          // A conversation named once keeps its name: no conditional write that can only fail.
          this.app.conversations.touch(user.id, conversation.id, conversation.titleIsDefault ? titleFrom(text) : undefined).catch((e: unknown) => this.log.error({ err: e }, 'could not update the conversation')),
          // Every other open page of the conversation fetches both bubbles and follows the reply.
          this.app.liveEvents.sent(user.id, conversation.id, userMessageId, assistantId),
        ]);
        this.spawn({
          user,
          conversation,
          userText: text,
          assistant,
          model,
          request,
          cacheTtl,
          ...(guardrail ? { guardrail } : {}),
          estimatedInputTokens,
          reservedMicroUsd,
          maxOutputTokens: fit.maxOutputTokens,
          shortenedByBudget: fit.shortened,
          month,
          requestedAt,
        });
        return { userMessage, assistant, topic };
      } catch (error) {
        if (claimed) await releaseAttachments(this.app.attachments, user.id, attachments).catch((e: unknown) => this.log.error({ err: e }, 'could not give back the attachments'));
        await this.app.usage.release(user.id, month, assistantId, reservedMicroUsd).catch((e: unknown) => this.log.error({ err: e }, 'could not release a budget reservation'));
        throw error;
      }
    } catch (error) {
      await this.lock.release(conversation, assistantId).catch((e: unknown) => this.log.error({ err: e }, 'could not release a conversation lock'));
      throw error;
    }
  }

  /**
   * Writes the person's message and the reply together. When either fails,
   * both are deleted: a write whose request failed may still have been
   * stored (a late answer), and deleting an item that is not there is nothing.
   */
  private async storeBoth(userMessage: MessageRecord, assistant: MessageRecord): Promise<void> {
    const [first, second] = await Promise.allSettled([this.app.messages.create(userMessage), this.app.messages.create(assistant)]);
    if (first.status === 'fulfilled' && second.status === 'fulfilled') return;
    await Promise.all(
      [userMessage, assistant].map((m) => this.app.messages.delete(m.conversationId, m.id).catch((e: unknown) => this.log.error({ err: e, messageId: m.id }, 'could not undo a message'))),
    );
    throw first.status === 'rejected' ? first.reason : (second as PromiseRejectedResult).reason;
  }

  /**
   * Reserves the reply's worst case, lowered to fit what is left of the
   * budget (budget.ts `fitReply`). The reservation is one conditional update,
   * so two sends at once cannot both squeeze in: the one that loses reads the
   * new position and fits again.
   */
  private async reserve(
    user: UserRecord,
    month: string,
    replyId: string,
    model: CatalogueModel,
    inputTokens: number,
    reply: { maxTokens: number; cacheTtl: '5m' | '1h' | undefined },
    firstRead?: Promise<MonthlyUsage>,
  ): Promise<ReplyFit> {
    const budgetMicroUsd = toMicroUsd(user.monthlyBudgetUsd ?? this.config.monthlyBudgetUsd);
    const limits = { ...reply, minTokens: this.config.budgetMinOutputTokens };
    let position: BudgetPosition | undefined;
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      const usage = attempt === 0 && firstRead ? await firstRead : await this.app.usage.get(user.id, month);
      position = { budgetMicroUsd, spentMicroUsd: usage.spentMicroUsd, committedMicroUsd: usage.committedMicroUsd };
      const fit = fitReply(model, inputTokens, limits, position);
      if (!fit) break;
      if (await this.app.usage.reserve(user.id, month, fit.reservedMicroUsd, budgetMicroUsd, replyId)) return fit;
    }
    throw new BudgetExceededError(position!, month);
  }

  private spawn(job: ReplyJob): void {
    const controller = new AbortController();
    const done = runReply(this.app, this.lock, this.log, job, controller, () => this.coalesceMs())
      .catch((error: unknown) => {
        this.log.error({ err: error, messageId: job.assistant.id }, 'the reply stream failed unexpectedly');
        this.app.metrics.put('AgentErrors', 1);
      })
      .finally(() => this.running.delete(job.assistant.id));
    this.running.set(job.assistant.id, { controller, done });
  }

  /** Stops a running reply and waits until its partial text is stored. False when it is not running here. */
  async stop(messageId: string): Promise<boolean> {
    const running = this.running.get(messageId);
    if (!running) return false;
    running.controller.abort(STOP);
    await running.done;
    return true;
  }

  /**
   * Ends, without a stream, a reply that is `streaming` in the table but not
   * running in this process: as `error` when a crash left it (its lease ran
   * out), or as `stopped` when someone asks. Keeps its saved text, with the
   * piece that was being published, releases its reservation and lock, and
   * tells subscribers it is done.
   */
  async settleOrphan(message: MessageRecord, state: 'error' | 'stopped'): Promise<MessageRecord> {
    const error = state === 'error' ? INTERRUPTED_MESSAGE : undefined;
    const finished = await this.app.messages.finish(message.conversationId, message.id, {
      text: message.text + (message.pendingText ?? ''),
      state,
      ...(error ? { error } : {}),
    });
    if (!finished) return (await this.app.messages.get(message.conversationId, message.id)) ?? message;
    if (message.usageMonth && message.reservedMicroUsd) {
      await this.app.usage.release(message.userId, message.usageMonth, message.id, message.reservedMicroUsd, message.reservationHeld === true).catch((e: unknown) => this.log.error({ err: e }, 'could not release a budget reservation'));
    }
    await this.lock.release({ userId: message.userId, id: message.conversationId }, message.id).catch((e: unknown) => this.log.error({ err: e }, 'could not release a conversation lock'));
    const topic = conversationTopic(this.config.publicUrl, message.userId, message.conversationId);
    const done: DoneEvent = { messageId: message.id, state, ...(error ? { error } : {}) };
    // The crashed process may have used the sequences after the checkpoint; the last possible one is surely free.
    await this.app.hub.publish({ topic, id: updateId(message.id, LAST_SEQUENCE), type: DONE_EVENT, data: JSON.stringify(done) }, DONE_ATTEMPTS);
    this.log.info({ messageId: message.id, state, previousOwner: message.leaseOwner }, 'settled a reply that was not running');
    return finished;
  }

  /** Whether a reply streaming in the table has been left by the process that ran it. */
  private isAbandoned(message: MessageRecord, now: number): boolean {
    if (message.state !== 'streaming' || this.running.has(message.id)) return false;
    if (message.leaseExpiresAt !== undefined) return now >= message.leaseExpiresAt;
    const savedAt = Date.parse(message.checkpointAt ?? message.createdAt);
    return now - savedAt >= STALE_STREAM_MS;
  }

  /** Read and send paths call this: a reply whose owner is gone (lease expired) becomes `error`. */
  async recoverIfStale(message: MessageRecord, now = Date.now()): Promise<MessageRecord> {
    if (!this.isAbandoned(message, now)) return message;
    return this.settleOrphan(message, 'error');
  }

  /**
   * At start: every reply left streaming by another process is settled once
   * its lease has run out, so a conversation is free again within seconds of
   * a crash even if no one opens it. A lease that is renewed meanwhile
   * belongs to a live process (a second task), and is left to it.
   */
  async sweep(): Promise<void> {
    const streaming = await this.app.messages.listStreaming();
    for (const message of streaming) {
      if (message.leaseOwner !== this.owner) this.watch(message);
    }
    if (streaming.length > 0) this.log.info({ replies: streaming.length }, 'found replies streaming at start');
  }

  private watch(message: MessageRecord): void {
    if (this.closed || this.watching.has(message.id)) return;
    const due = message.leaseExpiresAt ?? Date.parse(message.checkpointAt ?? message.createdAt) + STALE_STREAM_MS;
    const timer = setTimeout(() => {
      this.watching.delete(message.id);
      void this.settleIfStillAbandoned(message);
    }, Math.max(0, due - Date.now()) + 50);
    timer.unref();
    this.watching.set(message.id, timer);
  }

  private async settleIfStillAbandoned(seen: MessageRecord): Promise<void> {
    try {
      const current = await this.app.messages.get(seen.conversationId, seen.id);
      if (!current || current.state !== 'streaming') return;
      if (current.leaseOwner === seen.leaseOwner && current.leaseExpiresAt !== seen.leaseExpiresAt) return;
      await this.recoverIfStale(current);
    } catch (error) {
      this.log.warn({ err: error, messageId: seen.id }, 'could not settle a reply left streaming');
    }
  }

  /** On shutdown: end every running reply as interrupted, and wait until each is stored. */
  async closeAll(): Promise<void> {
    this.closed = true;
    for (const timer of this.watching.values()) clearTimeout(timer);
    this.watching.clear();
    const all = [...this.running.values()];
    for (const running of all) running.controller.abort(SHUTDOWN);
    await Promise.all(all.map((r) => r.done));
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    streamRunner: StreamRunner;
    conversationLock: ConversationLock;
    liveEvents: LiveEvents;
  }
}

export default fp(
  async (app) => {
    const runner = new StreamRunner(app, app.log);
    app.decorate('streamRunner', runner);
    app.decorate('conversationLock', runner.lock);
    // In the background once ready: a table that cannot be read must not keep the agent from starting.
    let sweeping: Promise<void> = Promise.resolve();
    app.addHook('onReady', async () => {
      sweeping = runner.sweep().catch((error: unknown) => app.log.warn({ err: error }, 'could not look for replies left streaming'));
    });
    app.decorate('liveEvents', new LiveEvents(app));
    // preClose runs before any onClose hook, so the clients are still open while replies are saved.
    app.addHook('preClose', async () => {
      // A scan still running when the table's client closes would fail against a closed connection.
      await sweeping;
      await runner.closeAll();
    });
  },
  {
    name: 'stream-runner',
    dependencies: [
      'config',
      'bedrock-client',
      'hub-publisher',
      'metrics',
      'settings-repository',
      'safety-repository',
      'messages-repository',
      'conversations-repository',
      'usage-repository',
      'attachments-repository',
    ],
  },
);
