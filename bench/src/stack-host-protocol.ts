/** Messages between the benchmark and its stack-host child (stack-host.ts). */
import type { StackOptions, StackPorts } from '@homeagent/local/stack';

export type ServicePids = Record<'hub' | 'agent' | 'app' | 'launcher', number>;

export interface HostedStackInfo {
  url: string;
  adminInvite?: string;
  ports: StackPorts;
  endpoints: { dynamodb: string; bedrock?: string; hub: string; agent: string; app: string };
  /** hub, agent, app, and the launcher holding the edge, dynalite and the emulator */
  pids: ServicePids;
}

export type ParentMessage =
  | { type: 'start'; options: Pick<StackOptions, 'dataDir' | 'tokensPerSecond' | 'firstTokenDelayMs' | 'env' | 'ports'> }
  | { type: 'stop' };

export type HostMessage =
  | { type: 'ready'; stack: HostedStackInfo }
  | { type: 'failed'; message: string }
  | { type: 'log'; line: string }
  | { type: 'stopped' };
