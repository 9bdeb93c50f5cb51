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
  agent(method: string, path: string, opts?: { userId?: string; body?: unknown; key?: string }): Promise<AgentAnswer>;
}

export async function startReliabilityStack(t: Teardown, name: string, options: Omit<StackOptions, 'dataDir'> = {}): Promise<ReliabilityStack> {
  const logs = new LogCapture();
  const local = await startLocalStack(t, `homeagent-${name}-`, { logs, logLevel: 'info', ...options });
  const secrets = JSON.parse(await readFile(join(local.dataDir, 'secrets.json'), 'utf8')) as LocalSecrets;
  const edgeUrl = local.stack.url;
  return {
    ...local,
    logs,
    secrets,
    edgeUrl,
    async agent(method, path, opts = {}) {
      const key = opts.key ?? secrets.serviceKey;
      const headers: Record<string, string> = {};
      if (key !== '') headers.authorization = `Bearer ${key}`;
      if (opts.userId) headers['x-user-id'] = opts.userId;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      // Always read through the stack's current agent: a restart keeps its port.
      const response = await fetch(`${local.stack.endpoints.agent}${path}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
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
