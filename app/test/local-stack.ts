/**
 * The whole local system (hub, dynalite, Bedrock emulator, agent, app, edge)
 * on free ports in a fresh data folder, for tests that drive it over HTTP or
 * from a browser. It stops, and the folder goes, when the test ends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack, type StackOptions } from '@homeagent/local/stack';
import { HttpVisitor } from './http-visitor.js';

export const PASSWORD = 'correct horse battery staple';

/** The part of a tap test needed here: somewhere to put the clean-up. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface LocalStack {
  stack: Stack;
  /** the data folder (secrets.json, the DynamoDB data) */
  dataDir: string;
  /** the first admin invite the stack made on its empty data folder */
  adminInvite: string;
}

export async function startLocalStack(t: Teardown, dataDirPrefix: string, options: Omit<StackOptions, 'dataDir'> = {}): Promise<LocalStack> {
  const dataDir = await mkdtemp(join(tmpdir(), dataDirPrefix));
  // On a shared test machine the agent's event loop lags with the machine, not with the scenario: only the tests of
  // backpressure (send-admission.ts) shed sends for it, by setting the threshold themselves.
  const env = { ...options.env, agent: { SEND_MAX_EVENT_LOOP_LAG_MS: '60000', ...options.env?.agent } };
  const stack = await startStack({ dataDir, logLevel: 'warn', ...options, env });
  t.teardown(async () => {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  if (!stack.adminInvite) throw new Error('the stack made no first admin invite on an empty data folder');
  return { stack, dataDir, adminInvite: stack.adminInvite };
}

export interface Household extends LocalStack {
  /** the first admin, signed in */
  ann: HttpVisitor;
  /** a member Ann invited, signed in */
  bob: HttpVisitor;
}

/** A fresh stack with two people signed in over HTTP: Ann (the first admin) and Bob (a member she invited). */
export async function startHousehold(t: Teardown, dataDirPrefix: string, options: Omit<StackOptions, 'dataDir'> = {}): Promise<Household> {
  const local = await startLocalStack(t, dataDirPrefix, options);
  const ann = new HttpVisitor(local.stack.url);
  const annJoined = await ann.register(local.adminInvite, 'ann', PASSWORD);
  if (annJoined.status !== 303) throw new Error(`ann could not register: ${annJoined.status} ${annJoined.body.slice(0, 300)}`);
  const bob = new HttpVisitor(local.stack.url);
  const bobJoined = await bob.register(await ann.createInvite(), 'bob', PASSWORD);
  if (bobJoined.status !== 303) throw new Error(`bob could not register: ${bobJoined.status} ${bobJoined.body.slice(0, 300)}`);
  return { ...local, ann, bob };
}
