/**
 * The benchmark's handle on a stack running in a stack-host child process:
 * start it, read where it listens, stop it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { BenchError } from './bench-error.js';
import type { HostedStackInfo, HostMessage, ParentMessage } from './stack-host-protocol.js';

const HOST_ENTRY = fileURLToPath(new URL('./stack-host.js', import.meta.url));

export class HostedStack {
  /** warn lines the services wrote */
  warnings = 0;
  /** error/fatal lines the services wrote */
  errors = 0;
  /** the last few warn/error lines */
  readonly lastLines: string[] = [];
  private stopped: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly info: HostedStackInfo,
  ) {
    child.on('message', (message: HostMessage) => {
      if (message.type === 'log') this.keep(message.line);
    });
    // An IPC write to a host that is already gone is not worth crashing the report for.
    child.on('error', () => undefined);
  }

  private keep(line: string): void {
    let level = 50;
    try {
      level = (JSON.parse(line) as { level?: number }).level ?? 50;
    } catch {
      // not a log entry (e.g. "the agent exited"): count it as an error
    }
    if (level >= 50) this.errors++;
    else this.warnings++;
    this.lastLines.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
    if (this.lastLines.length > 5) this.lastLines.shift();
  }

  static async start(options: Extract<ParentMessage, { type: 'start' }>['options'], timeoutMs: number): Promise<HostedStack> {
    // stderr is kept for a failure message; the AWS SDK's Node-version notice goes there too.
    const child = fork(HOST_ENTRY, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2_000);
    });
    const early: string[] = [];
    const ready = new Promise<HostedStackInfo>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BenchError('stack_failed', `the stack did not start within ${timeoutMs} ms`)), timeoutMs);
      child.on('message', (message: HostMessage) => {
        if (message.type === 'log') early.push(message.line);
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.stack);
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new BenchError('stack_failed', `the stack did not start: ${message.message}`));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new BenchError('stack_failed', `the stack host exited (${code ?? signal}) while starting: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      });
    });
    child.send({ type: 'start', options } satisfies ParentMessage);
    try {
      const info = await ready;
      const hosted = new HostedStack(child, info);
      for (const line of early) hosted.keep(line);
      return hosted;
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** Stops every service and the host; SIGKILL if that takes longer than `graceMs`. */
  stop(graceMs = 20_000): Promise<void> {
    this.stopped ??= (async () => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return;
      const exited = once(this.child, 'exit');
      // The host may have lost its channel (e.g. Ctrl-C reached it too): then a signal does the same.
      if (this.child.connected) this.child.send({ type: 'stop' } satisfies ParentMessage, (error) => error && this.child.kill('SIGTERM'));
      else this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return this.stopped;
  }
}
