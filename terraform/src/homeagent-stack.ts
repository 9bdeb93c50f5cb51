/**
 * The one stack, `homeagent`: every module built in phase order, each given
 * only what earlier phases produced, plus the outputs deploy.sh and the
 * GitHub workflow read with `terraform output -json`.
 */
import { Construct, Node } from 'constructs';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack, type TerraformElement } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { publicUrl, type HomeAgentConfig } from './config.js';
import { resourceNames } from './resource-names.js';
import type { StateBackend } from './state-backend.js';
import { Network } from './modules/network/index.js';
import { Dynamodb } from './modules/dynamodb/index.js';
import { Ecr } from './modules/ecr/index.js';
import { Observability } from './modules/observability/index.js';
import { Secrets } from './modules/secrets/index.js';
import { Security } from './modules/security/index.js';
import { Iam } from './modules/iam/index.js';
import { Ecs } from './modules/ecs/index.js';
import { Dns } from './modules/dns/index.js';
import { Alb } from './modules/alb/index.js';
import { HomeAgentService } from './modules/ecs-service/index.js';
import { Waf } from './modules/waf/index.js';
import { Alarms } from './modules/alarms/index.js';
import { Attachments } from './modules/attachments/index.js';
import { Guardrail } from './modules/guardrail/index.js';
import { ModelInvocationLogging } from './modules/model-invocation-logging/index.js';

export const STACK_NAME = 'homeagent';

/** Module construct ids and their phase (ARCHITECTURE.md); iam sits after phase 1. */
export const MODULE_PHASES = {
  network: 1, dynamodb: 1, attachments: 1, ecr: 1, observability: 1, secrets: 1, guardrail: 1, 'model-invocation-logging': 1,
  security: 2, iam: 2,
  ecs: 3, dns: 3,
  alb: 4,
  'ecs-service': 5, waf: 5,
  alarms: 6,
} as const;

/** Names of the outputs other tools read; they never change. */
export const OUTPUT_NAMES = [
  'aws_region', 'public_url', 'cluster_name', 'service_name', 'task_definition_family',
  'ecr_repository_url_agent', 'ecr_repository_url_app', 'ecr_repository_url_mercure',
  'deploy_role_arn', 'cpu_architecture', 'table_name', 'alarm_topic_arn', 'attachments_bucket_name',
] as const;

/** Two constructs would map to one Terraform address. */
export class AddressCollisionError extends Error {
  readonly code = 'address_collision';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AddressCollisionError';
  }
}

export interface HomeAgentStackProps {
  readonly config: HomeAgentConfig;
  readonly backend: StateBackend;
}

export class HomeAgentStack extends TerraformStack {
  private readonly usedLogicalIds = new Map<string, string>();

  constructor(scope: Construct, props: HomeAgentStackProps) {
    super(scope, STACK_NAME);
    const { config } = props;
    const names = resourceNames(config);

    new AwsProvider(this, 'aws', {
      region: config.region,
      defaultTags: [{ tags: { Project: 'HomeAgent', ManagedBy: 'terraform', Stack: config.namePrefix, ...config.tags } }],
    });
    new RandomProvider(this, 'random');
    this.configureBackend(props.backend);

    // ---- phase 1 ----
    const network = new Network(this, 'network', {
      namePrefix: config.namePrefix,
      region: config.region,
      cidr: config.vpcCidr,
      ipv6: config.ipv6,
      natMode: config.natMode,
      natInstanceType: config.natInstanceType,
      ...(config.existingVpc ? { existingVpc: config.existingVpc } : {}),
    });
    const table = new Dynamodb(this, 'dynamodb', { tableName: config.tableName, deletionProtection: config.deletionProtection });
    const attachments = new Attachments(this, 'attachments', { namePrefix: config.namePrefix, forceDestroy: config.forceDelete });
    const ecr = new Ecr(this, 'ecr', { repositoryNames: names.repository, forceDelete: config.forceDelete });
    const budgetEmail = config.accountBudget.email ?? config.alarmEmail;
    const observability = new Observability(this, 'observability', {
      namePrefix: config.namePrefix,
      logGroupNames: names.logGroup,
      retentionDays: config.logRetentionDays,
      alarmTopicName: names.alarmTopic,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
      accountBudgetUsd: config.accountBudget.monthlyUsd,
      ...(budgetEmail ? { budgetEmail } : {}),
      ...(config.costAnomalyDetection.enabled ? { anomalyThresholdUsd: config.costAnomalyDetection.thresholdUsd } : {}),
    });
    const secrets = new Secrets(this, 'secrets', { secretName: names.secret, recoveryWindowDays: config.secretRecoveryWindowDays });
    const guardrail = config.guardrail ? new Guardrail(this, 'guardrail', { namePrefix: config.namePrefix, config: config.guardrail }) : undefined;
    if (config.modelInvocationLogging.enabled) {
      new ModelInvocationLogging(this, 'model-invocation-logging', { namePrefix: config.namePrefix, retentionDays: config.modelInvocationLogging.retentionDays });
    }

    // ---- phase 2 (and iam, which needs only phase 1) ----
    const security = new Security(this, 'security', { namePrefix: config.namePrefix, vpcId: network.vpcId, ipv6: config.ipv6 });
    const iam = new Iam(this, 'iam', {
      names,
      tableArn: table.tableArn,
      secretArn: secrets.secretArn,
      repositoryArns: ecr.repositoryArns,
      logGroupArns: observability.logGroupArns,
      allowedModels: config.allowedModels,
      githubRepository: config.githubRepository,
      ...(config.githubBranch !== undefined ? { githubBranch: config.githubBranch } : {}),
      ...(config.githubEnvironment !== undefined ? { githubEnvironment: config.githubEnvironment } : {}),
      ...(config.githubOidcProviderArn ? { githubOidcProviderArn: config.githubOidcProviderArn } : {}),
      githubOidcProviderExists: config.githubOidcProviderExists,
      attachmentsBucketArn: attachments.bucketArn,
      attachmentsPrefix: attachments.objectPrefix,
      guardrailArns: [...(guardrail ? [guardrail.guardrailArn] : []), ...config.allowedGuardrailArns],
    });

    // ---- phase 3 ----
    const ecs = new Ecs(this, 'ecs', {
      names,
      region: config.region,
      cpu: config.taskCpu,
      memory: config.taskMemory,
      cpuArchitecture: config.cpuArchitecture,
      containerInsights: config.containerInsights,
      executionRoleArn: iam.executionRoleArn,
      taskRoleArn: iam.taskRoleArn,
      repositoryUrls: ecr.repositoryUrls,
      imageTags: config.imageTags,
      logGroupNames: observability.logGroupNames,
      secretArn: secrets.secretArn,
      secretValueFrom: (key) => secrets.valueFrom(key),
      publicUrl: publicUrl(config),
      tableName: table.tableName,
      attachmentsBucket: attachments.bucketName,
      attachmentsPrefix: attachments.objectPrefix,
      bedrockModelId: config.allowedModels[0]!,
      monthlyBudgetUsd: config.monthlyBudgetUsd,
      mercureHeartbeatSeconds: config.mercureHeartbeatSeconds,
    });
    const dns = new Dns(this, 'dns', {
      hostedZoneName: config.hostedZoneName,
      subdomain: config.subdomain,
      ...(config.hostedZoneId ? { hostedZoneId: config.hostedZoneId } : {}),
    });

    // ---- phase 4 ----
    const alb = new Alb(this, 'alb', {
      namePrefix: config.namePrefix,
      region: config.region,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      securityGroupId: security.albSecurityGroupId,
      certificateArn: dns.certificateArn,
      zoneId: dns.zoneId,
      domainName: dns.domainName,
      ipv6: config.ipv6,
      tlsPolicy: config.tlsPolicy,
      hubHeartbeatSeconds: config.mercureHeartbeatSeconds,
      deletionProtection: config.deletionProtection,
      forceDestroyLogs: config.forceDelete,
    });

    // ---- phase 5 ----
    const service = new HomeAgentService(this, 'ecs-service', {
      serviceName: names.service,
      clusterArn: ecs.clusterArn,
      taskDefinitionArn: ecs.taskDefinitionArn,
      privateSubnetIds: network.privateSubnetIds,
      taskSecurityGroupId: security.taskSecurityGroupId,
      appTargetGroupArn: alb.appTargetGroupArn,
      hubTargetGroupArn: alb.hubTargetGroupArn,
      routing: alb.routing,
      desiredCount: config.desiredCount,
    });
    const waf = new Waf(this, 'waf', {
      namePrefix: config.namePrefix,
      albArn: alb.albArn,
      rateLimit: config.wafRateLimit,
      chatPathPatterns: config.wafChatPathPatterns,
      logRetentionDays: config.logRetentionDays,
    });

    // ---- phase 6 ----
    new Alarms(this, 'alarms', {
      namePrefix: config.namePrefix,
      alarmTopicArn: observability.alarmTopicArn,
      albArnSuffix: alb.albArnSuffix,
      appTargetGroupArnSuffix: alb.appTargetGroupArnSuffix,
      hubTargetGroupArnSuffix: alb.hubTargetGroupArnSuffix,
      clusterName: ecs.clusterName,
      serviceName: service.serviceName,
      timeToFirstTokenP95Ms: config.alarms.timeToFirstTokenP95Ms,
      dailySpendUsd: config.alarms.dailySpendUsd,
      alb5xxPercent: config.alarms.alb5xxPercent,
      serviceRunning: config.desiredCount > 0,
      clusterArn: ecs.clusterArn,
      tableName: table.tableName,
      webAclName: waf.webAclName,
      region: config.region,
      wafBlockedPer5Minutes: config.alarms.wafBlockedPer5Minutes,
      ...(network.natInstanceId ? { natInstanceId: network.natInstanceId } : {}),
    });

    const outputs: Record<(typeof OUTPUT_NAMES)[number], { value: string; description: string }> = {
      aws_region: { value: config.region, description: 'Region of every resource' },
      public_url: { value: publicUrl(config), description: 'Where people open the chat' },
      cluster_name: { value: ecs.clusterName, description: 'ECS cluster' },
      service_name: { value: service.serviceName, description: 'ECS service that deploy.sh rolls' },
      task_definition_family: { value: ecs.taskDefinitionFamily, description: 'Task definition family deploy.sh registers revisions in' },
      ecr_repository_url_agent: { value: ecr.repositoryUrls.agent, description: 'ECR repository of the agent image' },
      ecr_repository_url_app: { value: ecr.repositoryUrls.app, description: 'ECR repository of the app image' },
      ecr_repository_url_mercure: { value: ecr.repositoryUrls.mercure, description: 'ECR repository of the hub image' },
      deploy_role_arn: { value: iam.deployRoleArn, description: 'Role the GitHub workflow assumes through OIDC' },
      cpu_architecture: { value: config.cpuArchitecture, description: 'X86_64 or ARM64: the platform images must be built for' },
      table_name: { value: table.tableName, description: 'DynamoDB table' },
      alarm_topic_arn: { value: observability.alarmTopicArn, description: 'SNS topic of the alarms' },
      attachments_bucket_name: { value: attachments.bucketName, description: 'S3 bucket of the attachments (ATTACHMENTS_BUCKET of the agent)' },
    };
    for (const name of OUTPUT_NAMES) new TerraformOutput(this, name, outputs[name]);
    if (guardrail) {
      // What an admin enters on the Settings page to attach the household guardrail to a person.
      new TerraformOutput(this, 'household_guardrail_id', { value: guardrail.guardrailId, description: 'Bedrock guardrail of the household' });
      new TerraformOutput(this, 'household_guardrail_version', { value: guardrail.guardrailVersion, description: 'Its numbered version' });
    }
  }

  private configureBackend(backend: StateBackend): void {
    if (backend.kind === 'local') {
      new LocalBackend(this, { path: 'terraform.tfstate' });
      return;
    }
    const s = backend.settings;
    new S3Backend(this, {
      bucket: s.bucket,
      key: s.key,
      region: s.region,
      encrypt: s.encrypt,
      ...(s.dynamodbTable ? { dynamodbTable: s.dynamodbTable } : {}),
    });
    // cdktf 0.21 has no typed field for S3-native locking yet.
    if (s.useLockfile) this.addOverride('terraform.backend.s3.use_lockfile', true);
    this.addOverride('terraform.required_version', '>= 1.10.0');
  }

  /**
   * Readable, stable addresses (`aws_vpc.network_vpc`) instead of cdktf's
   * hashed ones: the synthesized folder is meant to be read and run with plain
   * terraform, and the golden address list keeps renames deliberate.
   */
  protected override allocateLogicalId(element: TerraformElement | Node): string {
    const node = element instanceof Node ? element : element.node;
    const stackIndex = node.scopes.indexOf(this);
    const id = node.scopes
      .slice(stackIndex + 1)
      .map((scope) => scope.node.id)
      .join('_')
      .replace(/[^A-Za-z0-9_]/g, '_');
    const owner = this.usedLogicalIds.get(id);
    if (owner && owner !== node.path) throw new AddressCollisionError(`two resources would share the address ${id}: ${owner} and ${node.path}`);
    this.usedLogicalIds.set(id, node.path);
    return id;
  }
}
