/**
 * The benchmark's handle on its stamping emulator (emulator-host.ts): where it
 * listens, its pid, the emit record of given replies, and the offset between
 * its clock and this process's (measured, not assumed).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { EmittedReply } from '@homeagent/local/bedrock-emulator';
import { epochNow } from '@homeagent/local/bedrock-emulator';
import { BenchError } from './bench-error.js';
import type { EmulatorHostMessage, EmulatorParentMessage } from './emulator-protocol.js';

const HOST_ENTRY = fileURLToPath(new URL('./emulator-host.js', import.meta.url));
const CLOCK_PINGS = 15;

export class EmulatorProcess {
  private nextRequest = 1;
  private readonly pending = new Map<number, (message: EmulatorHostMessage) => void>();
  /** add to an emulator time to get this process's time; set by calibrate() */
  clockOffsetMs = 0;
  /** half the quickest ping's round trip: how far off clockOffsetMs can be */
  clockUncertaintyMs = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on('message', (message: EmulatorHostMessage) => {
      if ('requestId' in message) {
        this.pending.get(message.requestId)?.(message);
        this.pending.delete(message.requestId);
      }
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start(pace: { tokensPerSecond: number; firstTokenDelayMs: number }, timeoutMs = 30_000): Promise<EmulatorProcess> {
    const child = fork(HOST_ENTRY, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], execArgv: [] });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BenchError('stack_failed', `the emulator did not start within ${timeoutMs} ms`)), timeoutMs);
      child.on('message', (message: EmulatorHostMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.url);
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new BenchError('stack_failed', `the emulator did not start: ${message.message}`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new BenchError('stack_failed', `the emulator host exited (${code}) while starting`));
      });
      child.send({ type: 'start', pace } satisfies EmulatorParentMessage);
    }).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    const emulator = new EmulatorProcess(child, url);
    await emulator.calibrate();
    return emulator;
  }

  private ask(message: { type: 'clock' } | { type: 'emitted'; keys: string[] }): Promise<EmulatorHostMessage> {
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new BenchError('stack_failed', `the emulator host did not answer "${message.type}" within 30 s`));
      }, 30_000);
      this.pending.set(requestId, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.child.send({ ...message, requestId });
    });
  }

  /**
   * Both clocks are the same system clock read through each process's
   * performance.timeOrigin; the pings measure what is left between them,
   * taking the quickest round trip (the one least delayed by a busy machine).
   */
  async calibrate(): Promise<void> {
    let best = { rtt: Infinity, offset: 0 };
    for (let i = 0; i < CLOCK_PINGS; i++) {
      const sent = epochNow();
      const answer = await this.ask({ type: 'clock' });
      const back = epochNow();
      if (answer.type !== 'clock') continue;
      const rtt = back - sent;
      if (rtt < best.rtt) best = { rtt, offset: (sent + back) / 2 - answer.now };
    }
    this.clockOffsetMs = best.offset;
    this.clockUncertaintyMs = best.rtt / 2;
  }

  /** The emit record of each reply, by its last user message (null when the emulator did not see it); each is read once. */
  async emitted(keys: string[]): Promise<Array<EmittedReply | null>> {
    const out: Array<EmittedReply | null> = [];
    // In slices, so no IPC message grows past a few MiB.
    for (let i = 0; i < keys.length; i += 100) {
      const answer = await this.ask({ type: 'emitted', keys: keys.slice(i, i + 100) });
      if (answer.type === 'emitted') out.push(...answer.replies);
    }
    return out.map((reply) => reply && { ...reply, emittedAt: reply.emittedAt.map((at: number) => at + this.clockOffsetMs) });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
