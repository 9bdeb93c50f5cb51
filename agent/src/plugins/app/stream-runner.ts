/**
 * The heart of the agent: takes a person's message, reserves budget, stores
 * both messages, answers at once, then streams Claude's reply from Bedrock to
 * the hub in the background and stores how it ended.
 */
import fp from 'fastify-plugin';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { ConverseStreamCommand, type Message as BedrockMessage } from '@aws-sdk/client-bedrock-runtime';
import {
  DONE_EVENT,
  START_EVENT,
  conversationTopic,
  updateId,
  type DoneEvent,
  type MessageState,
  type Usage,
} from '@homeagent/contract';
import {
  MAX_OUTPUT_TOKENS,
  buildContext,
  costMicroUsd,
  estimateInputTokens,
  estimateTokens,
  titleFrom,
} from '../../conversation-context.js';
import { escapeHtml } from '../../html-escape.js';
import { HttpError, conflict, notFound } from '../../http-error.js';
import { newId } from '../../id-generator.js';
import type { ConversationRecord } from './conversations-repository.js';
import type { MessageRecord } from './messages-repository.js';
import { SettingsRepository, type ModelPrice } from './settings-repository.js';
import { dayOf, fromMicroUsd, monthOf, toMicroUsd } from './usage-repository.js';
import type { UserRecord } from './users-repository.js';

/** A streaming message not saved for this long, and not running here, was left by a crashed process. */
export const STALE_STREAM_MS = 3 * 60_000;
/** A conversation lock without its message for this long was left by a failed send. */
export const ORPHAN_LOCK_MS = 60_000;

export const INTERRUPTED_MESSAGE = 'The reply was interrupted before it finished. Please send your message again.';
const SHUTDOWN_MESSAGE = 'The reply was interrupted because the service restarted. Please send your message again.';

const LAST_SEQUENCE = 999_999;
/** `done` is retried: without it a page waits for a reply that has ended. */
const DONE_ATTEMPTS = 3;

/** Why a stream was aborted. */
const STOP = 'stop';
const SHUTDOWN = 'shutdown';
const IDLE = 'idle';
const IDLE_MESSAGE = 'Claude stopped answering before the reply was finished. Please try again.';

/** A sentence a person understands for each Bedrock failure. */
export function describeBedrockError(error: unknown): string {
  switch ((error as { name?: string } | null)?.name) {
    case 'ThrottlingException':
      return 'Claude is receiving too many requests right now. Please wait a minute and try again.';
    case 'ValidationException':
      return 'Claude could not accept this request: the conversation may be too long, or the model is not available. Try starting a new conversation, or ask an admin.';
    case 'AccessDeniedException':
      return 'This installation is not allowed to use the model yet. An admin needs to enable model access in Amazon Bedrock.';
    case 'ServiceUnavailableException':
    case 'ModelNotReadyException':
      return 'Claude is unavailable right now. Please try again in a few minutes.';
    case 'ModelTimeoutException':
      return 'Claude took too long to answer. Please try again.';
    default:
      return 'Claude ran into a problem while answering. Please try again.';
  }
}

export class BudgetExceededError extends HttpError {
  constructor(budgetUsd: number, committedUsd: number) {
    super(
      402,
      'budget_exceeded',
      `This message would go over your monthly budget of $${budgetUsd.toFixed(2)} ($${committedUsd.toFixed(2)} used so far). ` +
        'The budget renews on the first day of next month, or an admin can raise it.',
    );
  }
}

interface Reply {
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
  month: string;
  /** when the person's request arrived, for time to first token */
  requestedAt: number;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export class StreamRunner {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly log: FastifyBaseLogger,
  ) {}

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
    const reservedMicroUsd = costMicroUsd(price, estimatedInputTokens, MAX_OUTPUT_TOKENS);
    const month = monthOf();

    const userMessageId = newId();
    const assistantId = newId();
    await this.lockConversation(conversation, assistantId);
    try {
      const budgetUsd = user.monthlyBudgetUsd ?? this.config.monthlyBudgetUsd;
      if (!(await this.app.usage.reserve(user.id, month, reservedMicroUsd, toMicroUsd(budgetUsd)))) {
        const current = await this.app.usage.get(user.id, month);
        throw new BudgetExceededError(budgetUsd, fromMicroUsd(current.committedMicroUsd));
      }
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
          month,
          requestedAt,
        });
        return { userMessage, assistant, topic };
      } catch (error) {
        await this.app.usage.release(user.id, month, reservedMicroUsd).catch((e: unknown) => this.log.error({ err: e }, 'could not release a budget reservation'));
        throw error;
      }
    } catch (error) {
      await this.app.conversations.unlock(user.id, conversation.id, assistantId).catch((e: unknown) => this.log.error({ err: e }, 'could not release a conversation lock'));
      throw error;
    }
  }

  /** Takes the one-reply-at-a-time lock, clearing one left behind by a crash. */
  private async lockConversation(conversation: ConversationRecord, messageId: string): Promise<void> {
    const { userId, id } = conversation;
    if (await this.app.conversations.lock(userId, id, messageId)) return;
    const current = await this.app.conversations.get(userId, id);
    // Deleted since the route read it.
    if (!current) throw notFound('That conversation does not exist.');
    const holder = current.activeMessageId;
    if (holder) {
      const message = await this.app.messages.get(id, holder);
      // The holder is done (or crashed), or it never got as far as writing its message.
      const settled = message
        ? (await this.recoverIfStale(message)).state !== 'streaming'
        : !current.activeSince || Date.now() - Date.parse(current.activeSince) > ORPHAN_LOCK_MS;
      if (settled) await this.app.conversations.unlock(userId, id, holder);
      if (settled && (await this.app.conversations.lock(userId, id, messageId))) return;
    } else if (await this.app.conversations.lock(userId, id, messageId)) {
      return;
    }
    throw conflict('reply_in_progress', 'Claude is still answering the previous message in this conversation. Wait for it to finish, or stop it.');
  }

  private spawn(reply: Reply): void {
    const controller = new AbortController();
    const done = this.run(reply, controller)
      .catch((error: unknown) => {
        this.log.error({ err: error, messageId: reply.assistant.id }, 'the reply stream failed unexpectedly');
        this.app.metrics.put('AgentErrors', 1);
      })
      .finally(() => this.running.delete(reply.assistant.id));
    this.running.set(reply.assistant.id, { controller, done });
  }

  private async run(reply: Reply, controller: AbortController): Promise<void> {
    const { assistant, user, conversation } = reply;
    const messageId = assistant.id;
    const topic = conversationTopic(this.config.publicUrl, user.id, conversation.id);
    const log = this.log.child({ messageId, conversationId: conversation.id });

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
        await this.app.hub.publish({ topic, id, data: escapeHtml(piece) });
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
      this.app.messages
        .checkpoint(conversation.id, messageId, snapshot.text, snapshot.lastEventId)
        .then(() => {
          checkpointed = snapshot.lastEventId;
        })
        .catch((error: unknown) => log.warn({ err: error }, 'could not save a checkpoint'))
        .finally(() => {
          checkpointing = false;
        });
    }, this.config.streamCheckpointMs);

    // Neither the SDK nor HTTP/2 gives up on a stream that goes quiet; without this a hung
    // stream would hold the conversation's lock for as long as the process lives.
    let idleTimer: NodeJS.Timeout | undefined;
    const stillAlive = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => controller.abort(IDLE), this.config.streamIdleTimeoutMs);
    };
    stillAlive();

    let usage: { inputTokens: number; outputTokens: number } | undefined;
    let state: Exclude<MessageState, 'streaming'> = 'complete';
    let errorText: string | undefined;
    try {
      const response = await this.app.bedrock.send(
        new ConverseStreamCommand({
          modelId: reply.model,
          system: [{ text: reply.systemPrompt }],
          messages: reply.context,
          inferenceConfig: { maxTokens: MAX_OUTPUT_TOKENS },
        }),
        { abortSignal: controller.signal },
      );
      let first = true;
      for await (const event of response.stream ?? []) {
        stillAlive();
        const text = event.contentBlockDelta?.delta?.text;
        if (text) {
          if (first) {
            first = false;
            this.app.metrics.put('TimeToFirstTokenMs', Date.now() - reply.requestedAt);
          }
          received += text;
          pending += text;
          // The first piece goes out at once: the wait for the first token is what people feel most.
          if (sequence === 0) flush();
          else coalesceTimer ??= setTimeout(flush, this.config.streamCoalesceMs);
        } else if (event.metadata?.usage) {
          usage = { inputTokens: event.metadata.usage.inputTokens ?? 0, outputTokens: event.metadata.usage.outputTokens ?? 0 };
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) {
        state = 'error';
        errorText = describeBedrockError(error);
        const throttled = (error as { name?: string }).name === 'ThrottlingException';
        this.app.metrics.put(throttled ? 'BedrockThrottles' : 'AgentErrors', 1);
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
        this.app.metrics.put('AgentErrors', 1);
        log.warn({ idleMs: this.config.streamIdleTimeoutMs }, 'Bedrock stream went quiet; given up');
      } else {
        state = 'error';
        errorText = SHUTDOWN_MESSAGE;
      }
    }

    // Without Bedrock's own count (a stopped or failed stream), bill an estimate of what was used.
    const tokens = usage ?? {
      inputTokens: received === '' && state === 'error' ? 0 : reply.estimatedInputTokens,
      outputTokens: estimateTokens(received),
    };
    const costUsd = fromMicroUsd(costMicroUsd(reply.price, tokens.inputTokens, tokens.outputTokens));
    const finalUsage: Usage = { ...tokens, costUsd };
    const finished = await this.app.messages.finish(conversation.id, messageId, {
      text: received,
      state,
      lastEventId: published.lastEventId,
      usage: finalUsage,
      ...(errorText ? { error: errorText } : {}),
    });
    if (!finished) {
      log.warn('the reply was settled elsewhere before the stream ended');
      return;
    }
    await this.settle(reply, finalUsage, log);
    await this.app.conversations.touch(user.id, conversation.id, titleFrom(reply.userText)).catch((e: unknown) => log.error({ err: e }, 'could not update the conversation'));
    await this.app.conversations.unlock(user.id, conversation.id, messageId).catch((e: unknown) => log.error({ err: e }, 'could not release the conversation lock'));
    const done: DoneEvent = { messageId, state, usage: finalUsage, ...(errorText ? { error: errorText } : {}) };
    await this.app.hub.publish({ topic, id: updateId(messageId, sequence + 1), type: DONE_EVENT, data: JSON.stringify(done) }, DONE_ATTEMPTS);
    log.info({ state, pieces: sequence, inputTokens: finalUsage.inputTokens, outputTokens: finalUsage.outputTokens, costUsd }, 'reply finished');
  }

  private async settle(reply: Reply, usage: Usage, log: FastifyBaseLogger): Promise<void> {
    const microUsd = toMicroUsd(usage.costUsd);
    try {
      await this.app.usage.settle(reply.user.id, reply.month, reply.reservedMicroUsd, { microUsd, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens });
      if (microUsd > 0) {
        const today = await this.app.usage.addDailySpend(dayOf(), microUsd);
        this.app.metrics.put('DailySpendUsd', fromMicroUsd(today));
      }
    } catch (error) {
      log.error({ err: error }, 'could not settle the budget');
      this.app.metrics.put('AgentErrors', 1);
    }
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
    await this.app.conversations.unlock(message.userId, message.conversationId, message.id).catch((e: unknown) => this.log.error({ err: e }, 'could not release a conversation lock'));
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
  }
}

export default fp(
  async (app) => {
    const runner = new StreamRunner(app, app.log);
    app.decorate('streamRunner', runner);
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
