/**
 * Names that several modules and deploy.sh agree on, derived from the name
 * prefix once. The IAM policies are written against these names rather than
 * against resources of later phases, so that a module only takes what earlier
 * phases produce.
 */
import type { HomeAgentConfig } from './config.js';

export const CONTAINERS = ['agent', 'app', 'mercure'] as const;
export type ContainerName = (typeof CONTAINERS)[number];

export interface ResourceNames {
  cluster: string;
  service: string;
  taskFamily: string;
  repository: Record<ContainerName, string>;
  logGroup: Record<ContainerName, string>;
  executionRole: string;
  taskRole: string;
  deployRole: string;
  secret: string;
  alarmTopic: string;
}

export function resourceNames(config: Pick<HomeAgentConfig, 'namePrefix'>): ResourceNames {
  const p = config.namePrefix;
  const perContainer = (f: (c: ContainerName) => string) =>
    Object.fromEntries(CONTAINERS.map((c) => [c, f(c)])) as Record<ContainerName, string>;
  return {
    cluster: p,
    service: p,
    taskFamily: p,
    repository: perContainer((c) => `${p}/${c}`),
    logGroup: perContainer((c) => `/${p}/ecs/${c}`),
    executionRole: `${p}-task-execution`,
    taskRole: `${p}-task`,
    deployRole: `${p}-github-deploy`,
    secret: `${p}/app-secrets`,
    alarmTopic: `${p}-alarms`,
  };
}
