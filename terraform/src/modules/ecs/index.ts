/**
 * ecs (phase 3): the cluster and the task definition with the three
 * containers of one task sharing localhost: app :8080, hub :3701, and the
 * agent bound to 127.0.0.1:8000.
 *
 * Every container runs as a non-root user on a read-only root filesystem
 * with only /tmp writable, drops all Linux capabilities, has a health check,
 * logs to its own group, and gets keys only through `secrets[].valueFrom`.
 * Images are pinned by tag; deploy.sh later registers revisions with new tags.
 */
import { Construct } from 'constructs';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster/index.js';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition/index.js';
import type { CpuArchitecture } from '../../config.js';
import { CONTAINERS, type ContainerName, type ResourceNames } from '../../resource-names.js';
import type { SecretKey } from '../secrets/index.js';

export const PORTS = { app: 8080, agent: 8000, mercure: 3701 } as const;

/** UID:GID of the `node` user of the official Node images; never root. */
export const CONTAINER_USER = '1000:1000';

export interface EcsProps {
  /** Names fixed for this stack (cluster, task family). */
  readonly names: ResourceNames;
  /** Region for the awslogs driver and the agent's SDK. */
  readonly region: string;
  /** Task size: CPU units and MiB. Default 512 / 1024 (0.5 vCPU, 1 GB). */
  readonly cpu?: number;
  readonly memory?: number;
  /** Fargate CPU architecture. Default `X86_64`. */
  readonly cpuArchitecture?: CpuArchitecture;
  /** Container Insights on the cluster. Default `true`. */
  readonly containerInsights?: boolean;
  /** Roles (iam outputs). */
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  /** Repository URL per container (ecr output) and the tag to run. */
  readonly repositoryUrls: Record<ContainerName, string>;
  readonly imageTags: Record<ContainerName, string>;
  /** Log group per container (observability output). */
  readonly logGroupNames: Record<ContainerName, string>;
  /** The secret (secrets output): its ARN and the `valueFrom` of one JSON key. */
  readonly secretArn: string;
  readonly secretValueFrom: (key: SecretKey) => string;
  /** `https://chat.example.com`: the origin and the prefix of hub topics. */
  readonly publicUrl: string;
  /** The table (dynamodb output). */
  readonly tableName: string;
  /** Default Bedrock model of the agent. */
  readonly bedrockModelId: string;
  /** The attachments bucket (attachments output) and the prefix the agent writes under. */
  readonly attachmentsBucket: string;
  readonly attachmentsPrefix: string;
  /** Default monthly budget per person in USD. Default `20`. */
  readonly monthlyBudgetUsd?: number;
  /** Hub heartbeat in seconds. Default `40`. */
  readonly mercureHeartbeatSeconds?: number;
}

/** Outputs of the ecs module. */
export interface EcsOutputs {
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly taskDefinitionFamily: string;
}

interface ContainerDefinition {
  name: ContainerName;
  image: string;
  essential: boolean;
  user: string;
  readonlyRootFilesystem: boolean;
  portMappings: { containerPort: number; protocol: 'tcp'; name: string }[];
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  mountPoints: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
  healthCheck: { command: string[]; interval: number; timeout: number; retries: number; startPeriod: number };
  logConfiguration: { logDriver: 'awslogs'; options: Record<string, string> };
  linuxParameters: { initProcessEnabled: boolean; capabilities: { drop: string[] } };
  dependsOn?: { containerName: ContainerName; condition: 'HEALTHY' | 'START' }[];
  stopTimeout: number;
}

/** A health check that needs nothing but node, which every image has. */
function healthCheck(port: number): ContainerDefinition['healthCheck'] {
  return {
    command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${port}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
    interval: 15,
    timeout: 5,
    retries: 3,
    startPeriod: 20,
  };
}

export class Ecs extends Construct implements EcsOutputs {
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly taskDefinitionFamily: string;

  constructor(scope: Construct, id: string, props: EcsProps) {
    super(scope, id);
    const cluster = new EcsCluster(this, 'cluster', {
      name: props.names.cluster,
      setting: [{ name: 'containerInsights', value: props.containerInsights ?? true ? 'enabled' : 'disabled' }],
    });
    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;

    const env = (vars: Record<string, string>) => Object.entries(vars).map(([name, value]) => ({ name, value }));
    const secret = (name: string, key: SecretKey) => ({ name, valueFrom: props.secretValueFrom(key) });
    const base = (name: ContainerName): Omit<ContainerDefinition, 'portMappings' | 'environment' | 'secrets' | 'healthCheck'> => ({
      name,
      image: `${props.repositoryUrls[name]}:${props.imageTags[name]}`,
      essential: true,
      user: CONTAINER_USER,
      readonlyRootFilesystem: true,
      // The only writable path. Fargate creates the volume root-owned 0755 unless
      // the image declares `VOLUME /tmp` (then it copies the image's 1777 /tmp).
      mountPoints: [{ sourceVolume: `${name}-tmp`, containerPath: '/tmp', readOnly: false }],
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': props.logGroupNames[name], 'awslogs-region': props.region, 'awslogs-stream-prefix': name, mode: 'non-blocking', 'max-buffer-size': '4m' },
      },
      // An init process reaps zombies and forwards SIGTERM so Node closes gracefully.
      linuxParameters: { initProcessEnabled: true, capabilities: { drop: ['ALL'] } },
      stopTimeout: 30,
    });

    const common = { PUBLIC_URL: props.publicUrl, LOG_LEVEL: 'info', NODE_ENV: 'production' };
    const containers: ContainerDefinition[] = [
      {
        ...base('mercure'),
        portMappings: [{ containerPort: PORTS.mercure, protocol: 'tcp', name: 'hub' }],
        environment: env({
          ...common,
          HOST: '0.0.0.0',
          PORT: String(PORTS.mercure),
          MERCURE_HEARTBEAT: `${props.mercureHeartbeatSeconds ?? 40}s`,
          MERCURE_PUBLISHER_JWT_ALG: 'HS256',
          MERCURE_SUBSCRIBER_JWT_ALG: 'HS256',
          MERCURE_ANONYMOUS: '0',
        }),
        secrets: [secret('MERCURE_PUBLISHER_JWT_KEY', 'mercurePublisherJwtKey'), secret('MERCURE_SUBSCRIBER_JWT_KEY', 'mercureSubscriberJwtKey')],
        healthCheck: healthCheck(PORTS.mercure),
      },
      {
        ...base('agent'),
        // No port mapping: the agent listens on 127.0.0.1 and only its task neighbours reach it.
        portMappings: [],
        environment: env({
          ...common,
          HOST: '127.0.0.1',
          PORT: String(PORTS.agent),
          AWS_REGION: props.region,
          TABLE_NAME: props.tableName,
          // The ARN is not secret; the agent reads the value itself with its task role.
          AGENT_SECRET_ID: props.secretArn,
          BEDROCK_MODEL_ID: props.bedrockModelId,
          MERCURE_PUBLISH_URL: `http://127.0.0.1:${PORTS.mercure}/.well-known/mercure`,
          MONTHLY_BUDGET_USD: String(props.monthlyBudgetUsd ?? 20),
          ATTACHMENTS_BUCKET: props.attachmentsBucket,
          ATTACHMENTS_PREFIX: props.attachmentsPrefix,
        }),
        secrets: [],
        healthCheck: healthCheck(PORTS.agent),
        dependsOn: [{ containerName: 'mercure', condition: 'HEALTHY' }],
      },
      {
        ...base('app'),
        portMappings: [{ containerPort: PORTS.app, protocol: 'tcp', name: 'app' }],
        environment: env({
          ...common,
          HOST: '0.0.0.0',
          PORT: String(PORTS.app),
          AGENT_URL: `http://127.0.0.1:${PORTS.agent}`,
        }),
        secrets: [
          secret('AGENT_SERVICE_KEY', 'serviceKey'),
          secret('SESSION_SECRET', 'sessionSecret'),
          secret('MERCURE_SUBSCRIBER_JWT_KEY', 'mercureSubscriberJwtKey'),
        ],
        healthCheck: healthCheck(PORTS.app),
        dependsOn: [{ containerName: 'agent', condition: 'HEALTHY' }],
      },
    ];

    const taskDefinition = new EcsTaskDefinition(this, 'task-definition', {
      family: props.names.taskFamily,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(props.cpu ?? 512),
      memory: String(props.memory ?? 1024),
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: props.cpuArchitecture ?? 'X86_64' },
      executionRoleArn: props.executionRoleArn,
      taskRoleArn: props.taskRoleArn,
      // Plain JSON with Terraform references inside strings: readable in the
      // synthesized file and checkable by the policy tests.
      containerDefinitions: JSON.stringify(containers),
      volume: CONTAINERS.map((c) => ({ name: `${c}-tmp` })),
      // Old revisions stay registered so a rollback has something to roll back to.
      skipDestroy: true,
    });
    this.taskDefinitionArn = taskDefinition.arn;
    this.taskDefinitionFamily = taskDefinition.family;
  }
}
