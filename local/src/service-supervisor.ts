/**
 * Keeps the stack's child services (hub, agent, app) running: starts each one
 * and waits until it is healthy, and when one dies while the stack runs, starts
 * it again on the same port after a backoff, as ECS replaces a task whose
 * essential container stopped. The launcher (stack.ts) decides what each
 * service is given; this file decides what happens to it afterwards.
 */
import { EventEmitter, once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ServiceProcess, type LogEntry } from './service-process.js';

export type ServiceName = 'hub' | 'agent' | 'app';

/** A crashed service is restarted after 1 s, 2 s, 4 s … at most 30 s; a run of 60 s resets that. */
export const RESTART_BACKOFF = { firstMs: 1_000, maxMs: 30_000, stableMs: 60_000, maxFailedStarts: 5 } as const;

/** What the stack says about its children while it runs. */
export interface StackEvents {
  /** a service died and will be started again after `restartInMs` */
  crashed: { service: ServiceName; code: number | null; signal: NodeJS.Signals | null; restartInMs: number };
  /** a restarted service answers /healthz again, on the same port */
  restarted: { service: ServiceName; pid: number; attempt: number };
}

export interface ServiceExit {
  service: ServiceName;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceSupervisorOptions {
  /** the repository root the entries are relative to (also each child's cwd) */
  repoRoot: string;
  /** each service's entry script, relative to repoRoot */
  entries: Record<ServiceName, string>;
  /** what every child gets (PATH, LOG_LEVEL, …) under its own settings */
  baseEnv: Record<string, string>;
  /** extra environment per service, over its own settings */
  extraEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  onLog: (entry: LogEntry) => void;
  log: Logger;
  startTimeoutMs: number;
  stopGraceMs: number;
  /** false: a death only resolves `unexpectedExit`, nothing is restarted */
  restart: boolean;
}

interface Slot {
  env: Record<string, string>;
  service: ServiceProcess;
  upSince: number;
  backoffMs: number;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

export class ServiceSupervisor {
  /**
   * Resolves if a service exits while the stack is running (not during shutdown) and is not
   * brought back: with `restart` off at once, else after RESTART_BACKOFF.maxFailedStarts failed starts in a row.
   */
  readonly unexpectedExit: Promise<ServiceExit>;
  private reportExit: (exit: ServiceExit) => void = () => undefined;
  /** The current process of each service: a restart replaces it, on the same port. */
  private readonly slots = new Map<ServiceName, Slot>();
  /** every process ever started, for the last-resort kill when the launcher exits */
  private readonly processes: ServiceProcess[] = [];
  private readonly events = new EventEmitter();
  private stopping = false;
  /** aborts a restart's backoff wait when the stack stops */
  private readonly stopSignal = new AbortController();

  constructor(private readonly opts: ServiceSupervisorOptions) {
    this.unexpectedExit = new Promise<ServiceExit>((resolveExit) => {
      this.reportExit = resolveExit;
    });
  }

  /** The children's current process ids (0 for one not started). */
  get pids(): Record<ServiceName, number> {
    const pid = (name: ServiceName) => this.slots.get(name)?.service.pid ?? 0;
    return { hub: pid('hub'), agent: pid('agent'), app: pid('app') };
  }

  /**
   * Starts a service and resolves with its URL once it answers /healthz. `env` is remembered
   * with the port it took, so a restart comes back where the others (the app, the edge) look for it.
   */
  async launch(name: ServiceName, env: Record<string, string>): Promise<{ url: string }> {
    const { service, url } = await this.spawn(name, env);
    this.slots.set(name, { env: { ...env, PORT: String(portOf(url)) }, service, upSince: Date.now(), backoffMs: 0 });
    this.opts.log.info({ url, pid: service.pid }, `${name} ready`);
    return { url };
  }

  /** Stops one launched service (SIGTERM, then SIGKILL after the grace time); nothing when it never came up. */
  async stopService(name: ServiceName): Promise<void> {
    await this.slots.get(name)?.service.stop(this.opts.stopGraceMs);
  }

  /**
   * Whether `shutdown()` was called. A method, not the field, for the checks after an await: TypeScript keeps a
   * field read before the await narrowed to `false` across it, though shutdown() may run meanwhile.
   */
  private isStopping(): boolean {
    return this.stopping;
  }

  /** From now on a death is the stack stopping, not a crash: no restart, no `unexpectedExit`. */
  shutdown(): void {
    this.stopping = true;
    this.stopSignal.abort();
  }

  /** Last resort when the launcher itself is exiting: no waiting possible. */
  killNow(): void {
    for (const service of this.processes) service.killNow();
  }

  /** Watches every launched service from now on. */
  superviseAll(): void {
    for (const name of this.slots.keys()) this.supervise(name);
  }

  /** Resolves with the next event of that kind (a test waits on `restarted`). */
  async next<K extends keyof StackEvents>(event: K): Promise<StackEvents[K]> {
    return (await once(this.events, event))[0] as StackEvents[K];
  }

  /** For fault tests: kills one service as a crash would and resolves once the supervisor has it serving again. */
  async restart(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const slot = this.slots.get(name)!;
    const back = (async () => {
      for (;;) {
        const event = await this.next('restarted');
        if (event.service === name) return;
      }
    })();
    slot.service.child.kill(signal);
    await back;
  }

  /** One service process, up and healthy; a failed start is stopped again before the error is thrown. */
  private async spawn(name: ServiceName, env: Record<string, string>): Promise<{ service: ServiceProcess; url: string }> {
    const { repoRoot, entries, baseEnv, extraEnv, onLog, startTimeoutMs, stopGraceMs } = this.opts;
    const service = new ServiceProcess({
      name,
      entry: join(repoRoot, entries[name]),
      cwd: repoRoot,
      env: { ...baseEnv, ...env, ...extraEnv?.[name] },
      onLog,
    });
    this.processes.push(service);
    try {
      const listening = await service.waitForEntry((e) => e.msg === 'listening' && typeof e.url === 'string', 'that it listens', startTimeoutMs);
      const url = `http://127.0.0.1:${portOf(listening.url as string)}`;
      await service.waitForHealth(url, startTimeoutMs);
      return { service, url };
    } catch (err) {
      await service.stop(stopGraceMs);
      throw err;
    }
  }

  /**
   * Watches one service: when it dies (not during shutdown), it is started again after a
   * backoff and the terminal says so. A service that keeps failing to start is given up after a few tries.
   */
  private supervise(name: ServiceName): void {
    const { log } = this.opts;
    const slot = this.slots.get(name)!;
    const watched = slot.service;
    void watched.exited.then(async ({ code, signal }) => {
      if (this.isStopping()) return;
      if (!this.opts.restart) {
        log.error({ code, signal, lastLines: watched.tail() }, `the ${name} stopped unexpectedly`);
        this.reportExit({ service: name, code, signal });
        return;
      }
      const stable = Date.now() - slot.upSince >= RESTART_BACKOFF.stableMs;
      slot.backoffMs = stable || slot.backoffMs === 0 ? RESTART_BACKOFF.firstMs : Math.min(RESTART_BACKOFF.maxMs, slot.backoffMs * 2);
      for (let attempt = 1; ; attempt++) {
        const how = signal ? `killed by ${signal}` : `exited with code ${String(code)}`;
        log.error(
          { code, signal, lastLines: attempt === 1 ? watched.tail() : undefined, restartInMs: slot.backoffMs, attempt },
          `the ${name} stopped unexpectedly (${how}); restarting it in ${slot.backoffMs / 1000} s`,
        );
        this.events.emit('crashed', { service: name, code, signal, restartInMs: slot.backoffMs });
        try {
          await sleep(slot.backoffMs, undefined, { signal: this.stopSignal.signal });
        } catch {
          return; // the stack is stopping
        }
        if (this.isStopping()) return;
        try {
          const { service } = await this.spawn(name, slot.env);
          if (this.isStopping()) {
            await service.stop(this.opts.stopGraceMs);
            return;
          }
          slot.service = service;
          slot.upSince = Date.now();
          log.info({ pid: service.pid, attempt }, `the ${name} is running again`);
          this.events.emit('restarted', { service: name, pid: service.pid ?? 0, attempt });
          this.supervise(name);
          return;
        } catch (err) {
          if (this.isStopping()) return;
          if (attempt >= RESTART_BACKOFF.maxFailedStarts) {
            log.error({ err, attempts: attempt }, `the ${name} could not be started again; giving up`);
            this.reportExit({ service: name, code, signal });
            return;
          }
          log.warn({ err }, `the ${name} did not come back`);
          slot.backoffMs = Math.min(RESTART_BACKOFF.maxMs, slot.backoffMs * 2);
        }
      }
    });
  }
}
