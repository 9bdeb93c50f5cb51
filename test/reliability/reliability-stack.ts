/**
 * The whole local system for one reliability test file: started on free
 * loopback ports in a fresh folder (app/test/local-stack.ts), every log line
 * captured for the secret scan, the local secrets at hand, and the agent's
 * own API reachable the way the app calls it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalSecrets, StackOptions } from '@homeagent/local/stack';
import { startLocalStack, type LocalStack, type Teardown } from '../../app/test/local-stack.js';
import { DatabaseLink } from './database-link.js';
import { LogCapture } from './log-capture.js';

export interface AgentAnswer {
  status: number;
  body: unknown;
}

export interface ReliabilityStack extends LocalStack {
  logs: LogCapture;
  secrets: LocalSecrets;
  /** the edge, as a browser reaches it (http://localhost:<port>, loopback only) */
  edgeUrl: string;
  /** the agent's API as the app calls it; `key` replaces the service key (or '' for none) */
  agent(method: string, path: string, opts?: { userId?: string; body?: unknown; key?: string; file?: { bytes: Buffer; name: string } }): Promise<AgentAnswer>;
  /** the agent's way to DynamoDB, to cut and mend (with `{ databaseLink: true }`) */
  databaseLink?: DatabaseLink;
}

export interface ReliabilityOptions extends Omit<StackOptions, 'dataDir'> {
  /** put a DatabaseLink between the agent and DynamoDB */
  databaseLink?: boolean;
}

/** Where the launcher said dynalite listens (its `dynamodb ready` line). */
function dynamoEndpointIn(logs: LogCapture): URL | undefined {
  const line = logs.lines.find((l) => l.includes('"msg":"dynamodb ready"'));
  const endpoint = line ? (JSON.parse(line) as { endpoint?: string }).endpoint : undefined;
  return endpoint ? new URL(endpoint) : undefined;
}

export async function startReliabilityStack(t: Teardown, name: string, reliability: ReliabilityOptions = {}): Promise<ReliabilityStack> {
  const { databaseLink: wantLink, ...options } = reliability;
  const logs = new LogCapture();
  let databaseLink: DatabaseLink | undefined;
  if (wantLink) {
    const link = new DatabaseLink(() => dynamoEndpointIn(logs));
    await link.listen();
    databaseLink = link;
    // Only the agent goes through the link; the launcher and the table audit reach dynalite directly.
    options.env = { ...options.env, agent: { ...options.env?.agent, AWS_ENDPOINT_URL_DYNAMODB: link.url } };
  }
  // A service's start is not the scenario: on a shared machine under load it may take longer than the launcher's 60 s.
  const local = await startLocalStack(t, `homeagent-${name}-`, { logs, logLevel: 'info', startTimeoutMs: 180_000, ...options }).catch(async (error: unknown) => {
    await databaseLink?.close();
    throw error;
  });
  // After the stack's own clean-up: the agent keeps its database until it has stopped.
  if (databaseLink) t.teardown(() => databaseLink.close());
  const secrets = JSON.parse(await readFile(join(local.dataDir, 'secrets.json'), 'utf8')) as LocalSecrets;
  const edgeUrl = local.stack.url;
  return {
    ...local,
    logs,
    secrets,
    edgeUrl,
    ...(databaseLink ? { databaseLink } : {}),
    async agent(method, path, opts = {}) {
      const key = opts.key ?? secrets.serviceKey;
      const headers: Record<string, string> = {};
      if (key !== '') headers.authorization = `Bearer ${key}`;
      if (opts.userId) headers['x-user-id'] = opts.userId;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      if (opts.file) {
        headers['content-type'] = 'application/octet-stream';
        headers['x-file-name'] = encodeURIComponent(opts.file.name);
      }
      // Always read through the stack's current agent: a restart keeps its port.
      const response = await fetch(`${local.stack.endpoints.agent}${path}`, {
        method,
        headers,
        body: opts.file ? opts.file.bytes : opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: kept as text
      }
      return { status: response.status, body };
    },
  };
}
