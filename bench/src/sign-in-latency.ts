/**
 * Phase 4: signing in through the edge, one at a time and in one concurrent
 * batch, beside the cost of the password hash alone in this process.
 */
import type http from 'node:http';
import { scrypt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ChatUser, type Credentials } from './chat-user.js';
import { summarize, type Summary } from './stats.js';
import type { TimeBudget } from './time-budget.js';

export interface SignInLatency {
  sequential: Summary;
  /** a batch of this many sign-ins started together */
  concurrentBatch: number;
  concurrent?: Summary;
  /** one scrypt verification with the agent's parameters, in the bench process */
  scryptAlone: Summary;
}

// Mirrors agent/src/password-hash.ts (N = 2^15, r = 8, p = 1, 32-byte key): the
// baseline is only meaningful with the parameters the agent really uses.
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 128 * (1 << 15) * 8 * 2 };

function timedScrypt(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    scrypt('correct horse battery staple', 'bench-salt-16byt', 32, SCRYPT, (error) => (error ? reject(error) : resolve(performance.now() - started)));
  });
}

export async function measureSignIn(port: number, agent: http.Agent, credentials: Credentials, count: number, budget: TimeBudget): Promise<SignInLatency> {
  const scryptSamples: number[] = [];
  for (let i = 0; i < count && !budget.expired(); i++) scryptSamples.push(await timedScrypt());

  await ChatUser.signIn(port, agent, credentials); // warm-up
  const sequential: number[] = [];
  for (let i = 0; i < count && !budget.expired(); i++) {
    sequential.push((await ChatUser.signIn(port, agent, credentials)).signInMs);
  }

  const batch = Math.min(8, count);
  let concurrent: Summary | undefined;
  if (!budget.expired()) {
    const results = await Promise.all(Array.from({ length: batch }, () => ChatUser.signIn(port, agent, credentials)));
    concurrent = summarize(results.map((r) => r.signInMs));
  }
  return { sequential: summarize(sequential), concurrentBatch: batch, concurrent, scryptAlone: summarize(scryptSamples) };
}
