/**
 * Phase (5) of the benchmark: relay latency per token at 1…500 concurrent
 * streams and several coalescing windows, CPU per 1,000 tokens, RSS idle and
 * under load, the direct-SDK baseline and (with --cpu-prof) a profile of the
 * agent and hub. One data folder for every stack start, so the people
 * registered once keep their sessions while STREAM_COALESCE_MS changes.
 */
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AgentApi, userIdFromHubCookie } from './agent-api.js';
import { BenchError } from './bench-error.js';
import { ChatUser } from './chat-user.js';
import { summarizeProfileFile, type ProfileSummary } from './cpu-profile-summary.js';
import { EmulatorProcess } from './emulator-process.js';
import { HostedStack } from './hosted-stack.js';
import { processMemory } from './process-memory.js';
import { measureBaselineCell, measureRelayCell, type BaselineCell, type ProcessName, type RelayCell, type RelayPerson } from './relay-latency.js';
import type { TimeBudget } from './time-budget.js';

export interface RelaySweepConfig {
  concurrency: number[];
  coalesceWindows: number[];
  /** the agent's STREAM_PIECES_PER_SECOND (its default when unset) */
  piecesPerSecond?: number;
  tokensPerSecond: number;
  firstTokenDelayMs: number;
  /** the concurrency whose CPU, RSS and profile are the headline (200 unless the sweep has no such cell) */
  headlineConcurrency: number;
  cpuProf: boolean;
  /** where .cpuprofile files are kept */
  profileDir: string;
}

export interface RelaySweep {
  config: RelaySweepConfig;
  people: number;
  /** how far the emulator's and this process's clocks may be apart, ms */
  clockUncertaintyMs: number;
  /** RSS of each process right after each stack start, MiB (the first start also before anyone registered) */
  idleRssMiB: Array<{ coalesceMs: number; rssMiB: Partial<Record<ProcessName, number>> }>;
  cells: RelayCell[];
  baseline: BaselineCell[];
  profile?: { concurrency: number; agent?: ProfileSummary; hub?: ProfileSummary; files: string[] };
  /** the headline cell again with replies about 6× longer, and its direct read: fixed and per-token cost (relay-report.ts) */
  longReplies?: { cell: RelayCell; baseline: BaselineCell };
  skipped: string[];
  /** warn and error lines the services wrote, over every stack start */
  serviceLog: { warnings: number; errors: number; lastLines: string[] };
}

const BODY =
  'We are planning a family trip to the mountains next month with two children and a dog. ' +
  'Could you suggest a packing list, a few easy hikes suitable for small legs, some rainy day activities, ' +
  'and a simple plan for meals that we can cook in a small cabin kitchen without much equipment or fuss?';
/**
 * The emulator's reply quotes the message (local/src/bedrock-reply.ts): this
 * one makes a reply of about 740 tokens (the short one's 115), as long as a
 * typical answer of Claude's. Measured beside the short one, it splits what a
 * reply costs into what every reply costs once and what each token adds.
 */
const LONG_BODY = Array.from({ length: 12 }, () => BODY).join('\n\n');
const SYSTEM_PROMPT_FOR_BASELINE = 'You are a helpful assistant.';
const MODEL_ID = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const CELL_TIMEOUT_MS = 120_000;
const REGISTER_AT_ONCE = 4;
/** the app's AUTH_BURST_PER_MINUTE for the benchmark: every person signs up from one address */
export const BENCH_AUTH_BURST = '10000';
/** the app's SEND_RATE_PER_MINUTE for the benchmark: bursts send far more than a person's 20 a minute */
export const BENCH_SEND_RATE = '10000';
/**
 * The agent's load shedding (send-admission.ts) would answer a burst of 50 sends with 503 busy past 8 in
 * flight: the benchmark measures the relay of every reply, so its stacks admit them all.
 */
export const BENCH_ADMIT_ALL = { SEND_MAX_IN_FLIGHT: '10000', SEND_MAX_EVENT_LOOP_LAG_MS: '60000' } as const;
/** how long a profiled service may take to write its profile */
const PROFILE_WRITE_MS = 20_000;

/** Waits (bounded, polling) until `file` exists. */
async function appears(file: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      await access(file);
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

async function rssOf(pids: Partial<Record<ProcessName, number>>): Promise<Partial<Record<ProcessName, number>>> {
  const out: Partial<Record<ProcessName, number>> = {};
  for (const [name, pid] of Object.entries(pids) as Array<[ProcessName, number]>) {
    const reading = await processMemory(pid);
    if (reading) out[name] = reading.rssMiB;
  }
  return out;
}

/** The admin from the first invite, then `count` people invited by the admin and registered through the app. */
async function registerPeople(stack: HostedStack, dataDir: string, httpAgent: http.Agent, count: number, budget: TimeBudget): Promise<{ people: RelayPerson[]; serviceKey: string; adminId: string }> {
  const { info } = stack;
  if (!info.adminInvite) throw new BenchError('no_invite', 'the fresh installation logged no first admin invite');
  const admin = await ChatUser.register(info.ports.edge, httpAgent, info.adminInvite, { username: 'relay.admin', password: randomBytes(18).toString('base64url') });
  const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as { serviceKey: string };
  const adminId = userIdFromHubCookie(admin.client.cookie('mercureAuthorization') ?? '');
  const api = new AgentApi(info.endpoints.agent, secrets.serviceKey, adminId, httpAgent);
  const people: RelayPerson[] = [];
  /** each person's chat, started with its first message; its reply runs on while the next people register */
  const chats: Array<Promise<void>> = [];
  const failures: Error[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count && !budget.expired()) {
      const i = next++;
      // Setup, not measured: the invite straight from the agent, the account through the app as a person makes it.
      const invite = await api.postJson<{ code: string }>('/v1/invites', { role: 'member' });
      const user = await ChatUser.register(info.ports.edge, httpAgent, invite.code, { username: `relay.person.${i}`, password: randomBytes(18).toString('base64url') });
      const userId = userIdFromHubCookie(user.client.cookie('mercureAuthorization') ?? '');
      chats.push(
        user.startChat(`Hello from person ${i}`, CELL_TIMEOUT_MS).then(
          (conversationId) => {
            people.push({ user, userId, conversationId });
          },
          (error: unknown) => {
            failures.push(error as Error);
          },
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(REGISTER_AT_ONCE, count) }, worker));
  await Promise.all(chats);
  if (failures[0]) throw new BenchError('stack_failed', `${failures.length} of ${count} people could not start their chat: ${failures[0].message}`, { cause: failures[0] });
  if (people.length < count) throw new BenchError('stack_failed', `only ${people.length} of ${count} people registered before the time limit`);
  return { people, serviceKey: secrets.serviceKey, adminId };
}

export async function runRelaySweep(config: RelaySweepConfig, budget: TimeBudget, log: (line: string) => void): Promise<RelaySweep> {
  const maxPeople = Math.max(...config.concurrency);
  const emulator = await EmulatorProcess.start({ tokensPerSecond: config.tokensPerSecond, firstTokenDelayMs: config.firstTokenDelayMs });
  const dataDir = await mkdtemp(join(os.tmpdir(), 'homeagent-bench-relay-'));
  const edgePort = await freePort();
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const sweep: RelaySweep = {
    config,
    people: maxPeople,
    clockUncertaintyMs: emulator.clockUncertaintyMs,
    idleRssMiB: [],
    cells: [],
    baseline: [],
    skipped: [],
    serviceLog: { warnings: 0, errors: 0, lastLines: [] },
  };
  let people: RelayPerson[] | undefined;
  /** the service key and the admin, to call the agent directly (its port changes with each start) */
  let apiAccess: { serviceKey: string; adminId: string } | undefined;
  const apiFor = (stack: HostedStack) => new AgentApi(stack.info.endpoints.agent, apiAccess!.serviceKey, apiAccess!.adminId, httpAgent);

  /** One stack start at one coalescing window; `profile` adds --cpu-prof to the agent and hub. */
  const withStack = async (coalesceMs: number, profile: string | undefined, run: (stack: HostedStack, pids: Partial<Record<ProcessName, number>>) => Promise<void>) => {
    const agentEnv: Record<string, string> = {
      MONTHLY_BUDGET_USD: '100000',
      STREAM_COALESCE_MS: String(coalesceMs),
      ...(config.piecesPerSecond ? { STREAM_PIECES_PER_SECOND: String(config.piecesPerSecond) } : {}),
      // The agent reads the stamping emulator; the stack's own one stays idle.
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
    };
    const hubEnv: Record<string, string> = {};
    if (profile) {
      await mkdir(join(profile, 'agent'), { recursive: true });
      await mkdir(join(profile, 'hub'), { recursive: true });
      // Node 20 does not take --cpu-prof in NODE_OPTIONS: a preload starts and stops the profiler on SIGUSR2.
      const preload = `--import=${pathToFileURL(fileURLToPath(new URL('./cpu-profiler-preload.js', import.meta.url))).href}`;
      agentEnv.NODE_OPTIONS = preload;
      agentEnv.BENCH_CPU_PROF_DIR = join(profile, 'agent');
      hubEnv.NODE_OPTIONS = preload;
      hubEnv.BENCH_CPU_PROF_DIR = join(profile, 'hub');
    }
    // Hundreds of people register from 127.0.0.1 in a few minutes: above the app's burst limit per address (60 a minute).
    const appEnv: Record<string, string> = { AUTH_BURST_PER_MINUTE: BENCH_AUTH_BURST, SEND_RATE_PER_MINUTE: BENCH_SEND_RATE };
    // BENCH_SERVICE_NODE_OPTIONS: flags for the three services (e.g. a V8 heap setting), to measure what they change.
    const serviceFlags = process.env.BENCH_SERVICE_NODE_OPTIONS?.trim();
    if (serviceFlags) {
      for (const env of [agentEnv, hubEnv, appEnv]) env.NODE_OPTIONS = [env.NODE_OPTIONS, serviceFlags].filter(Boolean).join(' ');
    }
    const stack = await HostedStack.start({ dataDir, ports: { edge: edgePort }, env: { agent: { ...agentEnv, ...BENCH_ADMIT_ALL }, hub: hubEnv, app: appEnv } }, 90_000);
    try {
      const pids = { ...stack.info.pids, emulator: emulator.pid };
      sweep.idleRssMiB.push({ coalesceMs, rssMiB: await rssOf(pids) });
      await run(stack, pids);
    } catch (error) {
      // What the services said before it failed: the run stops here, and results.json is not written.
      for (const line of stack.lastLines) log(`relay: service log: ${line}`);
      throw error;
    } finally {
      await stack.stop();
      // Kept-alive sockets went to the stopped stack; the next start listens on the same port.
      httpAgent.destroy();
      sweep.serviceLog.warnings += stack.warnings;
      sweep.serviceLog.errors += stack.errors;
      sweep.serviceLog.lastLines.push(...stack.lastLines);
      sweep.serviceLog.lastLines.splice(0, Math.max(0, sweep.serviceLog.lastLines.length - 5));
    }
  };

  try {
    for (const coalesceMs of config.coalesceWindows) {
      if (budget.expired()) {
        sweep.skipped.push(`coalescing ${coalesceMs} ms`);
        continue;
      }
      log(`relay: coalescing window ${coalesceMs} ms…`);
      await withStack(coalesceMs, undefined, async (stack, pids) => {
        if (!people) {
          log(`relay: registering ${maxPeople} people…`);
          const registered = await registerPeople(stack, dataDir, httpAgent, maxPeople, budget);
          people = registered.people;
          apiAccess = registered;
        }
        for (const n of config.concurrency) {
          if (budget.expired()) {
            sweep.skipped.push(`coalescing ${coalesceMs} ms, N=${n}`);
            continue;
          }
          let cell: RelayCell;
          try {
            cell = await measureRelayCell({ people: people.slice(0, n), coalesceMs, tag: `c${coalesceMs}-n${n}`, body: BODY, emulator, api: apiFor(stack), pids, timeoutMs: CELL_TIMEOUT_MS });
          } catch (error) {
            // One cell that could not be measured (e.g. the stored text could not be read back) leaves the rest of the sweep.
            sweep.skipped.push(`coalescing ${coalesceMs} ms, N=${n}: ${(error as Error).message.slice(0, 200)}`);
            log(`relay:   N=${n}: not measured: ${(error as Error).message.slice(0, 200)}`);
            continue;
          }
          sweep.cells.push(cell);
          log(`relay:   N=${n}: ${cell.measured} streams, ${cell.tokens} tokens, per token p50 ${cell.perToken?.p50.toFixed(1) ?? '–'} ms${cell.failed ? `; ${cell.failed} failed, first: ${cell.firstFailure?.slice(0, 160)}` : ''}`);
          if (coalesceMs === 40 && n === config.headlineConcurrency && !budget.expired()) {
            log(`relay:   N=${n}, long replies…`);
            try {
              const long = await measureRelayCell({ people: people.slice(0, n), coalesceMs, tag: `long-c${coalesceMs}-n${n}`, body: LONG_BODY, emulator, api: apiFor(stack), pids, timeoutMs: CELL_TIMEOUT_MS });
              const direct = await measureBaselineCell({ concurrency: n, tag: `long-direct-n${n}`, body: LONG_BODY, systemPrompt: SYSTEM_PROMPT_FOR_BASELINE, modelId: MODEL_ID, emulator });
              sweep.longReplies = { cell: long, baseline: direct };
            } catch (error) {
              sweep.skipped.push(`long replies, N=${n}: ${(error as Error).message.slice(0, 200)}`);
            }
          }
        }
      });
    }

    // The baseline before the profile: it is quick, and the time limit should cut the profile, not it.
    for (const n of config.concurrency) {
      if (budget.expired()) {
        sweep.skipped.push(`baseline N=${n}`);
        continue;
      }
      log(`relay: baseline, ${n} streams read directly…`);
      sweep.baseline.push(await measureBaselineCell({ concurrency: n, tag: `direct-n${n}`, body: BODY, systemPrompt: SYSTEM_PROMPT_FOR_BASELINE, modelId: MODEL_ID, emulator }));
    }

    if (config.cpuProf && people && !budget.expired()) {
      const n = Math.min(config.headlineConcurrency, people.length);
      const dir = join(config.profileDir, `cpu-prof-${Date.now()}`);
      log(`relay: --cpu-prof, ${n} streams at 40 ms…`);
      const profile: NonNullable<RelaySweep['profile']> = { concurrency: n, files: [] };
      await withStack(40, dir, async (stack, pids) => {
        const profiled = { agent: stack.info.pids.agent, hub: stack.info.pids.hub };
        for (const pid of Object.values(profiled)) process.kill(pid, 'SIGUSR2');
        await measureRelayCell({ people: people!.slice(0, n), coalesceMs: 40, tag: `prof-n${n}`, body: BODY, emulator, api: apiFor(stack), pids, timeoutMs: CELL_TIMEOUT_MS });
        for (const pid of Object.values(profiled)) process.kill(pid, 'SIGUSR2');
        for (const [service, pid] of Object.entries(profiled) as Array<['agent' | 'hub', number]>) {
          const file = join(dir, service, `${pid}.cpuprofile`);
          if (!(await appears(file, PROFILE_WRITE_MS))) continue;
          profile.files.push(file);
          profile[service] = await summarizeProfileFile(file, { top: 15 });
        }
      });
      sweep.profile = profile;
    }
  } finally {
    httpAgent.destroy();
    await emulator.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return sweep;
}
