/**
 * The lease of one running reply. The process that runs a reply owns it for
 * `REPLY_LEASE_MS` at a time: each piece is saved, with the lease renewed,
 * before it is published (so the table never holds less than the hub was
 * sent), and a heartbeat renews the lease while no piece goes out (before the
 * first token, a slow model). A process that dies stops renewing; once its
 * lease has expired any process may settle the reply (stream-runner.ts), and
 * the owner gives up a reply it finds settled.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';

/** How often a running reply renews its lease: well within it, so one slow write does not lose it. */
export function heartbeatMs(config: Pick<Config, 'replyLeaseMs' | 'streamCheckpointMs'>): number {
  return Math.max(100, Math.min(config.streamCheckpointMs, Math.floor(config.replyLeaseMs / 3)));
}

export interface LeasedReply {
  conversationId: string;
  messageId: string;
  owner: string;
}

export class ReplyLease {
  private readonly timer: NodeJS.Timeout;
  private readonly every: number;
  private lastWrite = Date.now();
  private renewing = false;
  private lost = false;

  constructor(
    private readonly app: FastifyInstance,
    private readonly reply: LeasedReply,
    private readonly log: FastifyBaseLogger,
    /** called once when the reply turns out to be settled elsewhere */
    private readonly onLost: () => void,
  ) {
    this.every = heartbeatMs(app.config);
    this.timer = setInterval(() => void this.beat(), this.every);
  }

  private until(): number {
    return Date.now() + this.app.config.replyLeaseMs;
  }

  /**
   * Saves what was published so far and the piece about to be: a crash
   * between here and the hub loses nothing, and a reloading page still
   * resumes from `lastEventId`, whose text it gets whole.
   */
  async beforePublish(published: { text: string; lastEventId: string }, piece: string): Promise<void> {
    if (this.lost) return;
    const { conversationId, messageId, owner } = this.reply;
    try {
      const held = await this.app.messages.checkpoint(conversationId, messageId, {
        text: published.text,
        lastEventId: published.lastEventId,
        pendingText: piece,
        owner,
        leaseExpiresAt: this.until(),
      });
      this.lastWrite = Date.now();
      if (!held) this.lose();
    } catch (error) {
      // The piece still goes out: the person would rather read it than wait for the table.
      this.log.warn({ err: error }, 'could not save a checkpoint');
    }
  }

  private async beat(): Promise<void> {
    if (this.lost || this.renewing || Date.now() - this.lastWrite < this.every) return;
    this.renewing = true;
    const { conversationId, messageId, owner } = this.reply;
    try {
      const held = await this.app.messages.renewLease(conversationId, messageId, owner, this.until());
      this.lastWrite = Date.now();
      if (!held) this.lose();
    } catch (error) {
      this.log.warn({ err: error }, 'could not renew the reply lease');
    } finally {
      this.renewing = false;
    }
  }

  private lose(): void {
    if (this.lost) return;
    this.lost = true;
    this.log.warn('the reply was settled elsewhere; giving up its stream');
    this.onLost();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
