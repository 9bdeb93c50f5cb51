/**
 * The heart of the agent: takes a person's message, reserves budget, stores
 * both messages, answers at once, then runs the reply (reply-job.ts) in the
 * background; it also settles replies that are not running here any more.
 */
import fp from 'fastify-plugin';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { DONE_EVENT, START_EVENT, conversationTopic, updateId, type DoneEvent } from '@homeagent/contract';
import { BudgetExceededError, fitReply, monthOf, toMicroUsd, type BudgetPosition, type ReplyFit } from '../../budget.js';
import { MAX_OUTPUT_TOKENS, buildContext, estimateInputTokens } from '../../conversation-context.js';
import { newId } from '../../id-generator.js';
import { ConversationLock } from './conversation-lock.js';
import type { ConversationRecord } from './conversations-repository.js';
import type { MessageRecord } from './messages-repository.js';
import { DONE_ATTEMPTS, SHUTDOWN, STOP, runReply, type ReplyJob } from './reply-job.js';
import { SettingsRepository } from './settings-repository.js';
import type { UserRecord } from './users-repository.js';

/** A streaming message not saved for this long, and not running here, was left by a crashed process. */
export const STALE_STREAM_MS = 3 * 60_000;

export const INTERRUPTED_MESSAGE = 'The reply was interrupted before it finished. Please send your message again.';

const LAST_SEQUENCE = 999_999;
/** Reads and reservations that may race with other sends of the same person before one is given up. */
const RESERVE_ATTEMPTS = 5;

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export class StreamRunner {
  private readonly running = new Map<string, Running>();
  readonly lock: ConversationLock;

  constructor(
    private readonly app: FastifyInstance,
    private readonly log: FastifyBaseLogger,
  ) {
    this.lock = new ConversationLock(app, (message) => this.recoverIfStale(message));
  }

  private get config() {
    return this.app.config;
  }

  isRunning(messageId: string): boolean {
    return this.running.has(messageId);
  }

  /**
   * Stores the person's message and an empty streaming reply, publishes the
   * `start` event and starts the stream in the background. Each step that can
   * fail undoes the earlier ones, so nothing is left half-written.
   */
  async send(user: UserRecord, conversation: ConversationRecord, text: string, requestedAt = Date.now()) {
    const [settings, history] = await Promise.all([
      this.app.settings.get(),
      this.app.messages.listRecent(conversation.id, this.config.contextMessages * 2 + 4),
    ]);
    const model = settings.defaultModel;
    const price = SettingsRepository.priceOf(settings, model);
    const context = buildContext(history, text, this.config.contextMessages);
    const estimatedInputTokens = estimateInputTokens(settings.systemPrompt, context);
    const month = monthOf();

    const userMessageId = newId();
    const assistantId = newId();
    await this.lock.acquire(conversation, assistantId);
    try {
      const fit = await this.reserve(user, month, price, estimatedInputTokens);
      const { reservedMicroUsd } = fit;
      try {
        const now = new Date().toISOString();
        const userMessage: MessageRecord = {
          id: userMessageId,
          conversationId: conversation.id,
          userId: user.id,
          role: 'user',
          text,
          state: 'complete',
          createdAt: now,
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
          model,
          checkpointAt: now,
          reservedMicroUsd,
          usageMonth: month,
        };
        await this.app.messages.create(userMessage);
        try {
          await this.app.messages.create(assistant);
        } catch (error) {
          await this.app.messages.delete(conversation.id, userMessageId).catch((e: unknown) => this.log.error({ err: e }, 'could not undo the user message'));
          throw error;
        }
        const topic = conversationTopic(this.config.publicUrl, user.id, conversation.id);
        // Published before the 202 so a subscriber that starts from this id misses nothing.
        await this.app.hub.publish({ topic, id: updateId(assistantId, 0), type: START_EVENT, data: JSON.stringify({ messageId: assistantId }) });
        this.spawn({
          user,
          conversation,
          userText: text,
          assistant,
          model,
          systemPrompt: settings.systemPrompt,
          price,
          context,
          estimatedInputTokens,
          reservedMicroUsd,
          maxOutputTokens: fit.maxOutputTokens,
          shortenedByBudget: fit.shortened,
          month,
          requestedAt,
        });
        return { userMessage, assistant, topic };
      } catch (error) {
        await this.app.usage.release(user.id, month, reservedMicroUsd).catch((e: unknown) => this.log.error({ err: e }, 'could not release a budget reservation'));
        throw error;
      }
    } catch (error) {
      await this.lock.release(conversation, assistantId).catch((e: unknown) => this.log.error({ err: e }, 'could not release a conversation lock'));
      throw error;
    }
  }

  /**
   * Reserves the reply's worst case, lowered to fit what is left of the
   * budget (budget.ts `fitReply`). The reservation is one conditional update,
   * so two sends at once cannot both squeeze in: the one that loses reads the
   * new position and fits again.
   */
  private async reserve(user: UserRecord, month: string, price: ReturnType<typeof SettingsRepository.priceOf>, inputTokens: number): Promise<ReplyFit> {
    const budgetMicroUsd = toMicroUsd(user.monthlyBudgetUsd ?? this.config.monthlyBudgetUsd);
    const limits = { maxTokens: MAX_OUTPUT_TOKENS, minTokens: this.config.budgetMinOutputTokens };
    let position: BudgetPosition | undefined;
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      const usage = await this.app.usage.get(user.id, month);
      position = { budgetMicroUsd, spentMicroUsd: usage.spentMicroUsd, committedMicroUsd: usage.committedMicroUsd };
      const fit = fitReply(price, inputTokens, limits, position);
      if (!fit) break;
      if (await this.app.usage.reserve(user.id, month, fit.reservedMicroUsd, budgetMicroUsd)) return fit;
    }
    throw new BudgetExceededError(position!, month);
  }

  private spawn(job: ReplyJob): void {
    const controller = new AbortController();
    const done = runReply(this.app, this.lock, this.log, job, controller)
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
   * running in this process: as `error` when a crash left it (no checkpoint
   * for a while), or as `stopped` when someone asks. Keeps its saved text,
   * releases its reservation and lock, and tells subscribers it is done.
   */
  async settleOrphan(message: MessageRecord, state: 'error' | 'stopped'): Promise<MessageRecord> {
    const error = state === 'error' ? INTERRUPTED_MESSAGE : undefined;
    const finished = await this.app.messages.finish(message.conversationId, message.id, {
      text: message.text,
      state,
      ...(error ? { error } : {}),
    });
    if (!finished) return (await this.app.messages.get(message.conversationId, message.id)) ?? message;
    if (message.usageMonth && message.reservedMicroUsd) {
      await this.app.usage.release(message.userId, message.usageMonth, message.reservedMicroUsd).catch((e: unknown) => this.log.error({ err: e }, 'could not release a budget reservation'));
    }
    await this.lock.release({ userId: message.userId, id: message.conversationId }, message.id).catch((e: unknown) => this.log.error({ err: e }, 'could not release a conversation lock'));
    const topic = conversationTopic(this.config.publicUrl, message.userId, message.conversationId);
    const done: DoneEvent = { messageId: message.id, state, ...(error ? { error } : {}) };
    // The crashed process may have used the sequences after the checkpoint; the last possible one is surely free.
    await this.app.hub.publish({ topic, id: updateId(message.id, LAST_SEQUENCE), type: DONE_EVENT, data: JSON.stringify(done) }, DONE_ATTEMPTS);
    this.log.info({ messageId: message.id, state }, 'settled a reply that was not running');
    return finished;
  }

  /** Read paths call this: a reply left `streaming` by a crashed process becomes `error`. */
  async recoverIfStale(message: MessageRecord, now = Date.now()): Promise<MessageRecord> {
    if (message.state !== 'streaming' || this.running.has(message.id)) return message;
    const savedAt = Date.parse(message.checkpointAt ?? message.createdAt);
    if (now - savedAt < STALE_STREAM_MS) return message;
    return this.settleOrphan(message, 'error');
  }

  /** On shutdown: end every running reply as interrupted, and wait until each is stored. */
  async closeAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const running of all) running.controller.abort(SHUTDOWN);
    await Promise.all(all.map((r) => r.done));
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    streamRunner: StreamRunner;
    conversationLock: ConversationLock;
  }
}

export default fp(
  async (app) => {
    const runner = new StreamRunner(app, app.log);
    app.decorate('streamRunner', runner);
    app.decorate('conversationLock', runner.lock);
    // preClose runs before any onClose hook, so the clients are still open while replies are saved.
    app.addHook('preClose', async () => {
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
      'messages-repository',
      'conversations-repository',
      'usage-repository',
    ],
  },
);
