/**
 * The inputs of the infrastructure app as one TypeBox schema: types, defaults
 * and the JSON Schema that `homeagent.config.json`'s `$schema` points at
 * (`homeagent.config.schema.json`, written by `npm run schema`) all come from
 * here. Rules that tie two inputs together live in config-rules.ts.
 */
import { Type, type Static } from 'typebox';

/** Which ALB TLS policies we accept: TLS 1.3 first, TLS 1.2 only with AEAD ciphers. */
export const TLS_POLICIES = [
  'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-2021-06',
] as const;
export type TlsPolicy = (typeof TLS_POLICIES)[number];

/** CloudWatch Logs accepts only these retention values. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Strengths of a Bedrock guardrail content filter (CreateGuardrail `inputStrength`/`outputStrength`). */
export const FILTER_STRENGTHS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
/** Content filter categories of a Bedrock guardrail (AWS Bedrock User Guide, guardrails-content-filters, checked 2026-12-01). */
export const FILTER_TYPES = ['HATE', 'INSULTS', 'SEXUAL', 'VIOLENCE', 'MISCONDUCT', 'PROMPT_ATTACK'] as const;

/** One of a list of literals, keeping the literal types (`Type.Enum` widens them). */
const oneOf = <const T extends readonly (string | number)[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v)), options));
const strings = oneOf;

/** One line a person understands, per input, for refusals (the schema says what; this says how). */
export const HINTS: Record<string, string> = {
  namePrefix: 'lower-case letters, digits and dashes, 2–20 characters, starting with a letter',
  region: 'an AWS region such as eu-central-1',
  hostedZoneName: 'a public Route 53 zone such as example.com, without a trailing dot',
  hostedZoneId: 'a Route 53 zone id such as Z0123456789ABC',
  subdomain: 'one DNS label such as chat',
  githubRepository: 'owner/name of the GitHub repository that deploys',
  githubBranch: 'a branch name without refs/heads/',
  githubEnvironment: 'a GitHub environment name',
  githubOidcProviderArn: "the ARN of the account's GitHub OIDC provider",
  alarmEmail: 'an e-mail address',
  email: 'an e-mail address',
  allowedModels: 'a Bedrock model id or inference-profile id such as us.anthropic.claude-opus-4-6-v1',
  imageTags: 'an image tag such as the git SHA',
  cpuArchitecture: 'X86_64 or ARM64',
  natMode: 'gateway or instance',
  natInstanceType: 'an ARM burstable type: t4g.nano, t4g.micro, t4g.small or t4g.medium',
  vpcId: 'vpc-…',
  publicSubnetIds: 'subnet-…',
  privateSubnetIds: 'subnet-…',
  vpcCidr: 'a private /16 such as 10.40.0.0/16',
  tableName: 'a DynamoDB table name',
  wafChatPathPatterns: 'a regular expression anchored with ^ and $, such as ^/c/[^/]+/messages$',
  allowedGuardrailArns: 'a guardrail ARN such as arn:aws:bedrock:eu-central-1:123456789012:guardrail/abc123',
};

const ImageTag = Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$' });
const SubnetId = Type.String({ pattern: '^subnet-[0-9a-f]{8,17}$' });
const Email = Type.String({ pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$' });

export const ExistingVpcSchema = Type.Object({
  vpcId: Type.String({ pattern: '^vpc-[0-9a-f]{8,17}$', description: 'id of a VPC that already exists' }),
  publicSubnetIds: Type.Array(SubnetId, { minItems: 2, description: 'two or more public subnets (in different AZs) for the ALB' }),
  privateSubnetIds: Type.Array(SubnetId, { minItems: 2, description: 'two or more private subnets with their own outbound internet, for the task' }),
}, { additionalProperties: false });

export const GuardrailSchema = Type.Object({
  contentFilters: Type.Object(
    Object.fromEntries(FILTER_TYPES.map((type) => [type, Type.Optional(strings(FILTER_STRENGTHS))])) as Record<(typeof FILTER_TYPES)[number], ReturnType<typeof Type.Optional<ReturnType<typeof strings<typeof FILTER_STRENGTHS>>>>>,
    {
      additionalProperties: false,
      default: { HATE: 'HIGH', INSULTS: 'MEDIUM', SEXUAL: 'HIGH', VIOLENCE: 'MEDIUM', MISCONDUCT: 'HIGH', PROMPT_ATTACK: 'HIGH' },
      description: 'strength per content filter category, for prompts and replies alike (PROMPT_ATTACK filters prompts only); a category left out is not filtered',
    },
  ),
  deniedTopics: Type.Array(Type.Object({
    name: Type.String({ pattern: '^[0-9a-zA-Z_ !?.-]{1,100}$', description: 'a short name, e.g. "Gambling"' }),
    definition: Type.String({ minLength: 1, maxLength: 200, description: 'what the topic is, in a sentence' }),
    examples: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 5, default: [], description: 'example phrases of the topic' }),
  }, { additionalProperties: false }), { maxItems: 30, default: [], description: 'topics the guardrail refuses' }),
  blockedMessage: Type.String({
    minLength: 1, maxLength: 500,
    default: "This message was blocked by your household's safety settings.",
    description: 'what Bedrock answers instead, for a blocked prompt or reply',
  }),
}, { additionalProperties: false, description: 'creates a Bedrock guardrail for the household (e.g. for children\'s accounts)' });

export const ConfigSchema = Type.Object({
  $schema: Type.Optional(Type.String({ description: 'path or URL of homeagent.config.schema.json, for editors' })),
  namePrefix: Type.String({ pattern: '^[a-z][a-z0-9-]{1,19}$', default: 'homeagent', description: 'prefix of every name (roles, table, cluster, repositories, buckets); a second install in the account needs its own' }),
  region: Type.String({ pattern: '^[a-z]{2}(-gov)?-[a-z]+-\\d$', description: 'AWS region of everything, e.g. eu-central-1' }),
  hostedZoneName: Type.String({ pattern: '^(?!-)[a-z0-9-]{1,63}(\\.[a-z0-9-]{1,63})+$', description: 'public Route 53 hosted zone that exists already, e.g. example.com' }),
  hostedZoneId: Type.Optional(Type.String({ pattern: '^Z[A-Z0-9]{4,32}$', description: 'its id, to skip the lookup by name' })),
  subdomain: Type.String({ pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', default: 'chat', description: 'the chat lives at https://<subdomain>.<hostedZoneName>' }),
  githubRepository: Type.String({ pattern: '^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$', description: 'owner/name of the repository whose workflows may deploy through OIDC' }),
  githubEnvironment: Type.String({ pattern: '^[A-Za-z0-9._-]+$', default: 'production', description: 'GitHub environment whose jobs may deploy (deploy.yml runs in "production"); OIDC sub = repo:<repo>:environment:<env>' }),
  githubBranch: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._/-]+$', description: 'trust this branch instead of the environment (sub = repo:<repo>:ref:refs/heads/<branch>); for workflows without an environment' })),
  githubOidcProviderArn: Type.Optional(Type.String({ pattern: '^arn:aws[a-z-]*:iam::\\d{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$', description: 'reuse this GitHub OIDC provider (an account holds one per URL; `npm run preflight` tells)' })),
  githubOidcProviderExists: Type.Boolean({ default: false, description: 'the account already has the GitHub OIDC provider: look it up instead of creating it' }),
  alarmEmail: Type.Optional(Type.String({ ...Email, description: 'subscribed to the alarm topic (confirm the mail AWS sends); also the default budget e-mail' })),
  allowedModels: Type.Array(Type.String({ pattern: '^([a-z]{2,6}\\.)?[a-z0-9-]+\\.[A-Za-z0-9.:_-]+$' }), { minItems: 1, default: ['us.anthropic.claude-opus-4-6-v1', 'us.anthropic.claude-sonnet-5-5', 'us.anthropic.claude-haiku-4-5-20251001-v1:0'], description: 'Bedrock model or inference-profile ids the agent may stream from; the first is the default model' }),
  imageTags: Type.Object({ agent: ImageTag, app: ImageTag, mercure: ImageTag }, { additionalProperties: false, description: 'tags of the first task definition (the git SHA deploy.sh pushes); never latest' }),
  cpuArchitecture: strings(['X86_64', 'ARM64'] as const, { default: 'X86_64', description: 'Fargate CPU architecture (lean: ARM64)' }),
  taskCpu: Type.Integer({ minimum: 256, maximum: 4096, default: 512, description: 'task CPU units (lean: 256)' }),
  taskMemory: Type.Integer({ minimum: 512, maximum: 30720, default: 1024, description: 'task memory in MiB (a Fargate combination with taskCpu)' }),
  desiredCount: Type.Integer({ minimum: 0, maximum: 100, default: 1, description: 'running tasks: 0 for the first apply (no images yet; the example starts there), 1 after the first deploy.sh; more is refused while the hub has no shared transport' }),
  natMode: strings(['gateway', 'instance'] as const, { default: 'gateway', description: 'NAT for the private subnets (lean: instance)' }),
  natInstanceType: Type.String({ pattern: '^t4g\\.(nano|micro|small|medium)$', default: 't4g.nano', description: 'type of the NAT instance' }),
  existingVpc: Type.Optional(Type.Object(ExistingVpcSchema.properties, { additionalProperties: false, description: 'reuse this VPC instead of creating one; its private subnets need their own egress' })),
  vpcCidr: Type.String({ pattern: '^10\\.\\d{1,3}\\.0\\.0/16$|^172\\.(1[6-9]|2\\d|3[01])\\.0\\.0/16$|^192\\.168\\.0\\.0/16$', default: '10.40.0.0/16', description: 'CIDR of the VPC this app creates' }),
  ipv6: Type.Boolean({ default: true, description: 'dual-stack ALB and AAAA record' }),
  tableName: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{3,255}$', description: 'DynamoDB table; default: the name prefix' })),
  logRetentionDays: oneOf(LOG_RETENTION_DAYS, { default: 30, description: 'retention of every log group in days' }),
  containerInsights: Type.Boolean({ default: true, description: 'ECS Container Insights (about $6/month; lean: off)' }),
  deletionProtection: Type.Boolean({ default: true, description: 'deletion protection of the table and the ALB; turn off (and apply) before a destroy' }),
  forceDelete: Type.Boolean({ default: false, description: 'throwaway stacks only: a destroy also deletes images in ECR and objects in the buckets' }),
  secretRecoveryWindowDays: Type.Integer({ minimum: 0, maximum: 30, default: 7, description: 'days a deleted secret can be restored: 0 (deleted at once, for throwaway stacks) or 7–30' }),
  tlsPolicy: strings(TLS_POLICIES, { default: TLS_POLICIES[0], description: 'TLS policy of the HTTPS listener' }),
  mercureHeartbeatSeconds: Type.Integer({ minimum: 5, maximum: 3000, default: 40, description: 'hub heartbeat; the ALB idle timeout is set 20 s above it' }),
  wafRateLimit: Type.Integer({ minimum: 10, maximum: 2_000_000_000, default: 2000, description: 'requests per 5 minutes per client IP before WAF blocks' }),
  // Anchored at both ends, and nothing Terraform would read as a template (`${`, `%{`).
  wafChatPathPatterns: Type.Array(Type.String({ pattern: '^\\^/(?!.*[$%]\\{).*\\$$' }), {
    minItems: 1,
    default: ['^/c/[^/]+/messages$'],
    description: 'anchored path regexes of the message-send route: POSTs there may carry long bodies and text the body rules would misread as attacks (see README, WAF)',
  }),
  monthlyBudgetUsd: Type.Number({ minimum: 0, maximum: 100_000, default: 20, description: 'default monthly Bedrock budget per person in USD (agent MONTHLY_BUDGET_USD)' }),
  householdSize: Type.Integer({ minimum: 1, maximum: 1000, default: 4, description: 'people expected to use the chat; bounds the Bedrock spend npm run cost prints' }),
  accountBudget: Type.Object({
    monthlyUsd: Type.Number({ minimum: 1, maximum: 1_000_000, default: 200, description: "the whole account's monthly cost budget in USD" }),
    email: Type.Optional(Email),
  }, { additionalProperties: false, default: {}, description: 'AWS Budgets: alerts at 80 % and 100 % of forecast and actual cost, to this e-mail (default alarmEmail) and the alarm topic' }),
  costAnomalyDetection: Type.Object({
    enabled: Type.Boolean({ default: false, description: 'create a Cost Anomaly Detection services monitor (an account holds one; new accounts often have a default one already)' }),
    thresholdUsd: Type.Number({ minimum: 1, maximum: 100_000, default: 20, description: 'e-mail when an anomaly costs at least this much' }),
  }, { additionalProperties: false, default: {} }),
  guardrail: Type.Optional(GuardrailSchema),
  allowedGuardrailArns: Type.Array(Type.String({ pattern: '^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\\d{12}:guardrail/[a-z0-9]+$' }), { default: [], description: 'guardrails made outside this stack that the agent may also apply' }),
  modelInvocationLogging: Type.Object({
    enabled: Type.Boolean({ default: false, description: "Bedrock model-invocation logging of this region to a log group (account-wide: one configuration per region)" }),
    retentionDays: oneOf(LOG_RETENTION_DAYS, { default: 30, description: 'retention of the invocation log group' }),
  }, { additionalProperties: false, default: {} }),
  alarms: Type.Object({
    timeToFirstTokenP95Ms: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 }),
    dailySpendUsd: Type.Number({ minimum: 0.01, maximum: 100_000, default: 10 }),
    alb5xxPercent: Type.Number({ minimum: 0.1, maximum: 100, default: 5 }),
    wafBlockedPer5Minutes: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 500 }),
  }, { additionalProperties: false, default: {}, description: 'alarm thresholds' }),
  tags: Type.Record(Type.String(), Type.String(), { default: {}, description: 'extra tags on every resource' }),
  lean: Type.Boolean({ default: false, description: 'the lean switch: NAT instance, ARM64, no Container Insights, 0.25 vCPU (defaults only; explicit inputs win)' }),
}, { additionalProperties: false, title: 'HomeAgent infrastructure config (terraform/homeagent.config.json)' });

export type ConfigInput = Static<typeof ConfigSchema>;
export type ExistingVpc = Static<typeof ExistingVpcSchema>;
export type GuardrailConfig = Static<typeof GuardrailSchema>;
export type CpuArchitecture = ConfigInput['cpuArchitecture'];
export type NatMode = ConfigInput['natMode'];

/**
 * The validated config: the input with defaults applied, and exactly one of
 * `githubEnvironment` / `githubBranch` (the OIDC subject the deploy role trusts).
 */
export type HomeAgentConfig = Omit<ConfigInput, '$schema' | 'tableName' | 'githubEnvironment'> & {
  tableName: string;
  githubEnvironment?: string;
};

/** What lean changes; every switch keeps the security posture (private task, WAF, TLS, least privilege). */
export const LEAN_SETTINGS = {
  natMode: 'instance',
  cpuArchitecture: 'ARM64',
  containerInsights: false,
  // A family's chat is I/O-bound; memory stays at 1 GB for the three Node processes.
  taskCpu: 256,
} as const satisfies Partial<ConfigInput>;

/** The sub-schema at a JSON pointer of the instance (`/alarms/dailySpendUsd`, `/allowedModels/0`). */
export function schemaAt(pointer: string): SchemaNode | undefined {
  let schema: SchemaNode | undefined = ConfigSchema as SchemaNode;
  for (const part of pointer.split('/').filter(Boolean)) {
    if (schema === undefined) return undefined;
    if (schema.properties?.[part]) schema = schema.properties[part];
    else if (schema.items) schema = schema.items;
    else if (schema.patternProperties) schema = Object.values(schema.patternProperties)[0];
    else return undefined;
  }
  return schema;
}

/**
 * What `schemaAt` reads of a schema: the keywords it walks through (an object's properties, an array's
 * items, a record's one pattern) and the bounds and choices an error message names.
 */
export interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  patternProperties?: Record<string, SchemaNode>;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: { const?: string | number | boolean }[];
}
