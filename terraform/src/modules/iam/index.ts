/**
 * iam (spans phases; built after phase 1, before ecs): the task's two roles
 * and the GitHub deploy role.
 *
 * - execution role: what ECS itself needs to start the task — pull from the
 *   three repositories, write the three log groups, read the app's keys from
 *   the secret.
 * - task role: what the code needs — the table and its indexes, streaming
 *   invocations of the allowed models only, the agent's secret, its own
 *   prefix of the attachments bucket, and applying the configured guardrails.
 *   No AWS Marketplace permissions: the first use of an Anthropic model
 *   (the Marketplace subscription and Anthropic's use-case form) is done once
 *   by an administrator, see docs/deploy.md.
 * - deploy role: what deploy.sh needs from a GitHub workflow — push to the
 *   three repositories, register task definitions, roll this one service,
 *   pass the two roles to ECS. Trust pins `aud` and the exact `sub`.
 *
 * Later-phase resources (service, task definition) are addressed by the names
 * that `resource-names.ts` fixes, so this module takes only phase-1 outputs.
 */
import { Construct } from 'constructs';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region/index.js';
import { DataAwsIamOpenidConnectProvider } from '@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider/index.js';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { ConfigError } from '../../config.js';
import { CONTAINERS, type ContainerName, type ResourceNames } from '../../resource-names.js';

import { GITHUB_OIDC_HOST } from '../../oidc-preflight.js';

export { GITHUB_OIDC_HOST };

/** Geography prefixes of Bedrock cross-region inference profiles (`us.anthropic…`). */
const INFERENCE_PROFILE_PREFIXES = new Set(['us', 'eu', 'apac', 'global', 'us-gov', 'jp', 'au', 'ca']);

export interface IamProps {
  /** Names fixed for this stack (roles, cluster, service, task family). */
  readonly names: ResourceNames;
  /** The table (dynamodb output). */
  readonly tableArn: string;
  /** The secret (secrets output). */
  readonly secretArn: string;
  /** The three repositories (ecr output). */
  readonly repositoryArns: Record<ContainerName, string>;
  /** The three log groups (observability output). */
  readonly logGroupArns: Record<ContainerName, string>;
  /** Bedrock model / inference-profile ids the agent may stream from. At least one. */
  readonly allowedModels: string[];
  /** `owner/name` of the repository whose workflows may deploy. */
  readonly githubRepository: string;
  /** GitHub environment allowed to deploy. Default `production` (the environment deploy.yml runs in). */
  readonly githubEnvironment?: string;
  /** Trust this branch instead of an environment (for workflows without one). */
  readonly githubBranch?: string;
  /** Reuse the account's GitHub OIDC provider instead of creating one. */
  readonly githubOidcProviderArn?: string;
  /** The account already has the GitHub OIDC provider: look it up by URL. Default `false`. */
  readonly githubOidcProviderExists?: boolean;
  /** The attachments bucket (attachments output) and the prefix the agent may use in it. */
  readonly attachmentsBucketArn: string;
  readonly attachmentsPrefix: string;
  /** Guardrails the agent may apply (the household's and any listed in the config). */
  readonly guardrailArns?: string[];
}

/** The OIDC subject of a GitHub job: the environment's when the job declares one, else the branch's. */
export function githubSubject(repository: string, trust: { environment?: string; branch?: string }): string {
  return trust.branch !== undefined
    ? `repo:${repository}:ref:refs/heads/${trust.branch}`
    : `repo:${repository}:environment:${trust.environment ?? 'production'}`;
}

/** Outputs of the iam module. */
export interface IamOutputs {
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  readonly deployRoleArn: string;
}

type Statement = { Sid: string; Effect: 'Allow' | 'Deny'; Action: string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string | string[]>> };

function policy(statements: Statement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The ARNs a streaming invocation of `modelId` is authorized against. */
export function bedrockResourceArns(modelId: string, partition: string, region: string, account: string): string[] {
  const [prefix, ...rest] = modelId.split('.');
  if (prefix && INFERENCE_PROFILE_PREFIXES.has(prefix) && rest.length >= 2) {
    // A cross-region profile is authorized on the profile and on the model in
    // whichever region the profile routes to (empty region for global ones).
    return [
      `arn:${partition}:bedrock:${region}:${account}:inference-profile/${modelId}`,
      `arn:${partition}:bedrock:*::foundation-model/${rest.join('.')}`,
    ];
  }
  return [`arn:${partition}:bedrock:${region}::foundation-model/${modelId}`];
}

export class Iam extends Construct implements IamOutputs {
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  readonly deployRoleArn: string;

  constructor(scope: Construct, id: string, props: IamProps) {
    super(scope, id);
    if (props.allowedModels.length === 0) throw new ConfigError('iam: allowedModels needs at least one model id');
    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    const partition = new DataAwsPartition(this, 'partition').partition;
    const region = new DataAwsRegion(this, 'region').region;
    const n = props.names;

    // Confused-deputy guard: only ECS acting for this account may assume the task roles.
    const ecsTrust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:ecs:${region}:${account}:*` },
        },
      }],
    });

    const repositoryArns = CONTAINERS.map((c) => props.repositoryArns[c]);

    const execution = new IamRole(this, 'execution-role', {
      name: n.executionRole,
      description: 'ECS pulls the HomeAgent images, writes their logs and injects the app keys',
      assumeRolePolicy: ecsTrust,
    });
    new IamRolePolicy(this, 'execution-policy', {
      name: 'start-task',
      role: execution.id,
      policy: policy([
        // GetAuthorizationToken has no resource-level permissions.
        { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
        { Sid: 'PullImages', Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: repositoryArns },
        { Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: CONTAINERS.map((c) => `${props.logGroupArns[c]}:*`) },
        { Sid: 'InjectSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [props.secretArn] },
      ]),
    });
    this.executionRoleArn = execution.arn;

    const modelArns = [...new Set(props.allowedModels.flatMap((m) => bedrockResourceArns(m, partition, region, account)))];
    const task = new IamRole(this, 'task-role', {
      name: n.taskRole,
      description: 'HomeAgent containers: the table, the allowed Bedrock models, the agent secret',
      assumeRolePolicy: ecsTrust,
    });
    new IamRolePolicy(this, 'task-policy', {
      name: 'run-homeagent',
      role: task.id,
      policy: policy([
        {
          Sid: 'Table',
          Effect: 'Allow',
          // No transactions (dynalite has none, so the agent never uses them).
          Action: [
            'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem',
            'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem',
            'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable',
          ],
          Resource: [props.tableArn, `${props.tableArn}/index/*`],
        },
        { Sid: 'StreamAllowedModels', Effect: 'Allow', Action: ['bedrock:InvokeModelWithResponseStream'], Resource: modelArns },
        { Sid: 'AgentSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [props.secretArn] },
        {
          Sid: 'OwnAttachments',
          Effect: 'Allow',
          // Objects under the agent's prefix only; no listing, no bucket settings.
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
          Resource: [`${props.attachmentsBucketArn}/${props.attachmentsPrefix}*`],
        },
        // A Converse request with guardrailConfig needs ApplyGuardrail on that guardrail
        // (Amazon Bedrock User Guide, guardrails-permissions, checked 2026-12-01). The invoke
        // permission is not conditioned on bedrock:GuardrailIdentifier: only some people
        // (e.g. children) have a guardrail, the others chat without one.
        ...(props.guardrailArns && props.guardrailArns.length > 0
          ? [{ Sid: 'ApplyConfiguredGuardrails', Effect: 'Allow' as const, Action: ['bedrock:ApplyGuardrail'], Resource: props.guardrailArns }]
          : []),
      ]),
    });
    this.taskRoleArn = task.arn;

    // One provider per URL per account: creating a second fails late in the apply with
    // EntityAlreadyExists, so `npm run preflight` tells which of these to set.
    const oidcUrl = `https://${GITHUB_OIDC_HOST}`;
    const oidcProviderArn = props.githubOidcProviderArn
      ?? (props.githubOidcProviderExists
        ? new DataAwsIamOpenidConnectProvider(this, 'github-oidc-existing', { url: oidcUrl }).arn
        : new IamOpenidConnectProvider(this, 'github-oidc', { url: oidcUrl, clientIdList: ['sts.amazonaws.com'] }).arn);
    const subject = githubSubject(props.githubRepository, { ...(props.githubEnvironment !== undefined ? { environment: props.githubEnvironment } : {}), ...(props.githubBranch !== undefined ? { branch: props.githubBranch } : {}) });
    const deploy = new IamRole(this, 'deploy-role', {
      name: n.deployRole,
      description: `GitHub Actions of ${props.githubRepository} deploy HomeAgent (push images, roll the service)`,
      maxSessionDuration: 3600,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { Federated: oidcProviderArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          // StringEquals, not StringLike: one repository, one branch or environment.
          Condition: { StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC_HOST}:sub`]: subject } },
        }],
      }),
    });
    const serviceArn = `arn:${partition}:ecs:${region}:${account}:service/${n.cluster}/${n.service}`;
    new IamRolePolicy(this, 'deploy-policy', {
      name: 'deploy-homeagent',
      role: deploy.id,
      policy: policy([
        // These three actions have no resource-level permissions in IAM; the
        // PassRole statement below is what limits what a new revision can do.
        { Sid: 'NoResourceLevelActions', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken', 'ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'], Resource: '*' },
        {
          Sid: 'PushImages',
          Effect: 'Allow',
          // DescribeImages: deploy.sh checks a tag exists before rolling with --skip-build.
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage', 'ecr:BatchGetImage', 'ecr:DescribeImages'],
          Resource: repositoryArns,
        },
        {
          // deploy.sh copies the running revision with its tags; tagging on register needs this.
          Sid: 'TagNewRevisions',
          Effect: 'Allow',
          Action: ['ecs:TagResource'],
          Resource: [`arn:${partition}:ecs:${region}:${account}:task-definition/${n.taskFamily}:*`],
          Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
        },
        { Sid: 'RollService', Effect: 'Allow', Action: ['ecs:UpdateService', 'ecs:DescribeServices'], Resource: [serviceArn] },
        {
          Sid: 'PassTaskRoles',
          Effect: 'Allow',
          Action: ['iam:PassRole'],
          Resource: [execution.arn, task.arn],
          Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        },
      ]),
    });
    this.deployRoleArn = deploy.arn;
  }
}
