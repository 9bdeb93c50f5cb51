/**
 * One of HomeAgent's services (hub, agent, app) run as a child process the
 * way production runs it (`node <workspace>/dist/server.js`), with its JSON
 * log lines collected so the launcher can react to them and show them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './stack-error.js';

/** A log line of a service: its pino JSON object plus `service`. */
export type LogEntry = Record<string, unknown> & { service: string; level: number; msg?: string };

export interface ServiceProcessOptions {
  name: string;
  /** absolute path of the entry script */
  entry: string;
  cwd: string;
  env: Record<string, string>;
  onLog(entry: LogEntry): void;
}

/**
 * Preloaded into every child: when the launcher dies without stopping it
 * (SIGKILL, a crash), the child is re-parented, notices, and stops itself
 * gracefully, so no orphan keeps holding a port. A data: URL, so it works
 * the same whether the launcher runs from src/ (tests) or dist/.
 */
const PARENT_WATCH = `data:text/javascript,${encodeURIComponent(
  'const launcher = process.ppid; const watch = setInterval(() => { if (process.ppid !== launcher) { clearInterval(watch); process.kill(process.pid, "SIGTERM"); } }, 500); watch.unref();',
)}`;

const KEEP_LINES = 40;
const KEEP_ENTRIES = 200;
const PINO_ERROR = 50;
const PINO_WARN = 40;

export class ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** resolves when the process has exited, however that happened */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly lastLines: string[] = [];
  private readonly entries: LogEntry[] = [];
  private readonly events = new EventEmitter();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(opts: ServiceProcessOptions) {
    this.name = opts.name;
    this.child = spawn(process.execPath, ['--import', PARENT_WATCH, opts.entry], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.events.emit('exit');
        resolve({ code, signal });
      });
      this.child.once('error', (err) => {
        this.remember(`${opts.name} could not be started: ${err.message}`);
        this.exitInfo = { code: null, signal: null };
        this.events.emit('exit');
        resolve({ code: null, signal: null });
      });
    });
    const take = (stream: NodeJS.ReadableStream | null, fromStderr: boolean) => {
      if (!stream) return;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        if (line.trim() === '') return;
        this.remember(line);
        const entry = this.parse(line, fromStderr);
        this.entries.push(entry);
        if (this.entries.length > KEEP_ENTRIES) this.entries.shift();
        this.events.emit('entry', entry);
        opts.onLog(entry);
      });
    };
    take(this.child.stdout, false);
    take(this.child.stderr, true);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last lines the process wrote, for an error message. */
  tail(): string {
    return this.lastLines.join('\n');
  }

  private remember(line: string): void {
    // The first admin invite is logged once, on purpose, for the operator; a crash report that
    // repeats a service's last lines must not hand it out again.
    if (line.includes('"msg":"first admin invite"')) return;
    this.lastLines.push(line);
    if (this.lastLines.length > KEEP_LINES) this.lastLines.shift();
  }

  private parse(line: string, fromStderr: boolean): LogEntry {
    if (line.startsWith('{')) {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        const level = typeof parsed.level === 'number' ? parsed.level : fromStderr ? PINO_ERROR : 30;
        return { ...parsed, level, service: this.name };
      } catch {
        // not JSON after all: fall through
      }
    }
    // Plain text is what a service writes when it cannot even start (a config error) or a Node warning.
    return { level: fromStderr ? PINO_WARN : 30, time: Date.now(), service: this.name, msg: line };
  }

  private exitError(what: string): StackError {
    const how = this.exitInfo?.signal ? `was killed by ${this.exitInfo.signal}` : `exited with code ${String(this.exitInfo?.code)}`;
    const tail = this.tail();
    return new StackError('service_exited', `the ${this.name} ${how} ${what}${tail ? `; its last lines:\n${tail}` : ''}`);
  }

  /** Resolves with the first log entry that matches (also one already written); rejects if the process exits first. */
  async waitForEntry(matches: (entry: LogEntry) => boolean, what: string, timeoutMs: number): Promise<LogEntry> {
    const seen = this.entries.find(matches);
    if (seen) return seen;
    if (!this.running) throw this.exitError(`before ${what}`);
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off('entry', onEntry);
        this.events.off('exit', onExit);
      };
      const onEntry = (entry: LogEntry) => {
        if (!matches(entry)) return;
        cleanup();
        resolve(entry);
      };
      const onExit = () => {
        // Lines written just before exit may still be in the pipe; give readline a turn.
        setImmediate(() => {
          const late = this.entries.find(matches);
          cleanup();
          if (late) resolve(late);
          else reject(this.exitError(`before ${what}`));
        });
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new StackError('start_timeout', `the ${this.name} did not report ${what} within ${timeoutMs / 1000} s; its last lines:\n${this.tail()}`));
      }, timeoutMs);
      this.events.on('entry', onEntry);
      this.events.once('exit', onExit);
    });
  }

  /** Polls `GET /healthz` until it answers 200; rejects if the process exits or time runs out. */
  async waitForHealth(baseUrl: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastProblem = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.running) throw this.exitError('before it was healthy');
      try {
        const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
        await res.body?.cancel();
        if (res.status === 200) return;
        lastProblem = `status ${res.status}`;
      } catch (err) {
        lastProblem = (err as Error).message;
      }
      // A poll interval, not a guess at readiness: the loop ends on the condition.
      await sleep(100);
    }
    throw new StackError('start_timeout', `the ${this.name} did not answer /healthz within ${timeoutMs / 1000} s (${lastProblem})`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.child.kill('SIGKILL');
    }, graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last resort when the launcher itself is exiting: no waiting possible. */
  killNow(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
