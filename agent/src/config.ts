/**
 * The agent's configuration: read from the environment once, at boot, and
 * validated against one schema. Everything else reads this typed object,
 * never `process.env`. Variables are listed in docs/runtime.md.
 */
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { AgentSecretError, readAgentSecret, secretsManagerClient, type AgentSecret } from './agent-secret.js';

export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful, friendly assistant for a family or a small team. ' +
  'Answer clearly and concisely, and use Markdown when it helps.';

const EnvSchema = Type.Object({
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  PUBLIC_URL: Type.String({ pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' }),
  AWS_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  TABLE_NAME: Type.String({ pattern: '^[a-zA-Z0-9_.-]{3,255}$', default: 'homeagent' }),
  AGENT_SECRET_ID: Type.Optional(Type.String({ minLength: 1 })),
  AGENT_SERVICE_KEY: Type.Optional(Type.String({ minLength: 32 })),
  MERCURE_PUBLISHER_JWT_KEY: Type.Optional(Type.String({ minLength: 1 })),
  MERCURE_PUBLISH_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3701/.well-known/mercure' }),
  BEDROCK_MODEL_ID: Type.String({ minLength: 1, default: 'us.anthropic.claude-opus-4-6-v1' }),
  SYSTEM_PROMPT: Type.String({ minLength: 1, default: DEFAULT_SYSTEM_PROMPT }),
  STREAM_COALESCE_MS: Type.Integer({ minimum: 0, maximum: 5_000, default: 40 }),
  STREAM_PIECES_PER_SECOND: Type.Integer({ minimum: 1, maximum: 100_000, default: 100 }),
  STREAM_CHECKPOINT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 3_000 }),
  STREAM_IDLE_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 120_000 }),
  REPLY_LEASE_MS: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 10_000 }),
  CONTEXT_MESSAGES: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  MONTHLY_BUDGET_USD: Type.Number({ minimum: 0, maximum: 1_000_000, default: 20 }),
  DYNAMODB_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 1_000 }),
  DYNAMODB_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 2_000 }),
  AGENT_SECRET_REFRESH_S: Type.Integer({ minimum: 0, maximum: 86_400, default: 300 }),
  AGENT_SECRET_OVERLAP_S: Type.Integer({ minimum: 0, maximum: 604_800, default: 3_600 }),
  ATTACHMENTS_BUCKET: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', default: 'homeagent-attachments' }),
  // Set only locally (the S3 stand-in); the SDK reads it itself, the agent only learns to use path-style addresses.
  AWS_ENDPOINT_URL_S3: Type.Optional(Type.String({ pattern: '^https?://' })),
  BUDGET_MIN_OUTPUT_TOKENS: Type.Integer({ minimum: 1, maximum: 100_000, default: 256 }),
  // Backpressure on sends (send-admission.ts), sized for a 0.5 vCPU task: 0 refuses every send.
  SEND_MAX_IN_FLIGHT: Type.Integer({ minimum: 0, maximum: 10_000, default: 8 }),
  SEND_MAX_EVENT_LOOP_LAG_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 500 }),
  SEND_RETRY_AFTER_S: Type.Integer({ minimum: 1, maximum: 600, default: 2 }),
});
type Env = Static<typeof EnvSchema>;

/** Human wording for a schema rule, so the one-line refusal reads well. */
const EXPECTATIONS: Record<string, string> = {
  PORT: 'a port number between 0 and 65535',
  PUBLIC_URL: 'an absolute http(s) URL such as https://chat.example.com',
  TABLE_NAME: 'a DynamoDB table name (3-255 letters, digits, _ . -)',
  AGENT_SERVICE_KEY: 'at least 32 characters',
  MERCURE_PUBLISH_URL: 'an absolute http(s) URL',
  STREAM_COALESCE_MS: 'a whole number of milliseconds between 0 and 5000',
  STREAM_PIECES_PER_SECOND: 'a whole number of pieces a second between 1 and 100000',
  STREAM_CHECKPOINT_MS: 'a whole number of milliseconds between 100 and 600000',
  STREAM_IDLE_TIMEOUT_MS: 'a whole number of milliseconds between 50 and 3600000',
  REPLY_LEASE_MS: 'a whole number of milliseconds between 1000 and 600000',
  CONTEXT_MESSAGES: 'a whole number between 1 and 500',
  MONTHLY_BUDGET_USD: 'a number of US dollars between 0 and 1000000',
  BUDGET_MIN_OUTPUT_TOKENS: 'a whole number of tokens between 1 and 100000',
  LOG_LEVEL: 'one of fatal, error, warn, info, debug, trace, silent',
  DYNAMODB_CONNECT_TIMEOUT_MS: 'a whole number of milliseconds between 50 and 60000',
  DYNAMODB_REQUEST_TIMEOUT_MS: 'a whole number of milliseconds between 50 and 60000',
  AGENT_SECRET_REFRESH_S: 'a whole number of seconds between 0 (never) and 86400',
  AGENT_SECRET_OVERLAP_S: 'a whole number of seconds between 0 and 604800',
  ATTACHMENTS_BUCKET: 'an S3 bucket name (3-63 lower-case letters, digits, dots and dashes)',
  AWS_ENDPOINT_URL_S3: 'an absolute http(s) URL',
  SEND_MAX_IN_FLIGHT: 'a whole number of sends between 0 (refuse every send) and 10000',
  SEND_MAX_EVENT_LOOP_LAG_MS: 'a whole number of milliseconds between 10 and 60000',
  SEND_RETRY_AFTER_S: 'a whole number of seconds between 1 and 600',
};

export interface Config {
  host: string;
  port: number;
  logLevel: string;
  publicUrl: string;
  awsRegion: string;
  tableName: string;
  serviceKey: string;
  mercurePublisherJwtKey: string;
  mercurePublishUrl: string;
  bedrockModelId: string;
  systemPrompt: string;
  /** a lone reply's coalescing window; with many running, it widens (coalescing-window.ts) */
  streamCoalesceMs: number;
  /** the most pieces (each one checkpoint write + one publish) all running replies together send a second */
  streamPiecesPerSecond: number;
  streamCheckpointMs: number;
  /** a stream with no event from Bedrock for this long is given up */
  streamIdleTimeoutMs: number;
  /** how long a running reply's lease lasts without a heartbeat; after that another process may settle it */
  replyLeaseMs: number;
  contextMessages: number;
  monthlyBudgetUsd: number;
  /** DynamoDB: how long a connection may take to open, and a request to be answered */
  dynamodbConnectTimeoutMs: number;
  dynamodbRequestTimeoutMs: number;
  /** the Secrets Manager secret, re-read every `secretRefreshMs` (0: never) when set */
  secretId: string | undefined;
  secretRefreshMs: number;
  /** how long the previous serviceKey / publisher key stays accepted after a rotation */
  secretOverlapMs: number;
  /** the private bucket holding attachment files (under `attachments/<userId>/`) */
  attachmentsBucket: string;
  /** path-style S3 addresses: true against a local stand-in (AWS_ENDPOINT_URL_S3) */
  s3PathStyle: boolean;
  /** a reply shortened to fit the budget gets at least this many output tokens, or the message is refused */
  budgetMinOutputTokens: number;
  /** sends handled at once (before their 202) beyond which a send is answered 503 busy */
  sendMaxInFlight: number;
  /** event-loop lag beyond which a send is answered 503 busy */
  sendMaxEventLoopLagMs: number;
  /** the Retry-After of a busy answer (seconds; a random 0 to this many more spread the retries) */
  sendRetryAfterS: number;
  /** where the secrets came from, for the boot log (never the values) */
  secretsSource: 'environment' | 'secrets-manager';
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  /** the variable at fault, when there is one */
  readonly variable: string | undefined;

  constructor(message: string, variable?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

function parseEnv(env: Record<string, string | undefined>): Env {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key];
    // An empty variable means "not set", as it does for most tools.
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const value = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw)) as Record<string, unknown>;
  const errors = Value.Errors(EnvSchema, value);
  if (errors.length === 0) return value as Env;
  const first = errors[0]!;
  const params = first.params as { requiredProperties?: string[] };
  if (first.keyword === 'required' && params.requiredProperties?.length) {
    const name = params.requiredProperties[0]!;
    throw new ConfigError(`${name} is required (${EXPECTATIONS[name] ?? 'see docs/runtime.md'})`, name);
  }
  const name = first.instancePath.replace(/^\//, '').split('/')[0] ?? '';
  throw new ConfigError(`${name} must be ${EXPECTATIONS[name] ?? first.message}`, name);
}

async function readSecret(secretId: string, region: string): Promise<AgentSecret> {
  const client = secretsManagerClient(region);
  try {
    return await readAgentSecret(client, secretId);
  } catch (error) {
    if (error instanceof AgentSecretError) throw new ConfigError(error.message, 'AGENT_SECRET_ID', { cause: error.cause });
    throw error;
  } finally {
    client.destroy();
  }
}

/** Reads and validates the configuration; throws `ConfigError` with one clear line. */
export async function loadConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  const e = parseEnv(env);
  let secret: AgentSecret;
  if (e.AGENT_SECRET_ID) {
    secret = await readSecret(e.AGENT_SECRET_ID, e.AWS_REGION);
  } else {
    if (!e.AGENT_SERVICE_KEY) {
      throw new ConfigError('AGENT_SERVICE_KEY is required unless AGENT_SECRET_ID is set (at least 32 characters)', 'AGENT_SERVICE_KEY');
    }
    if (!e.MERCURE_PUBLISHER_JWT_KEY) {
      throw new ConfigError('MERCURE_PUBLISHER_JWT_KEY is required unless AGENT_SECRET_ID is set', 'MERCURE_PUBLISHER_JWT_KEY');
    }
    secret = { serviceKey: e.AGENT_SERVICE_KEY, mercurePublisherJwtKey: e.MERCURE_PUBLISHER_JWT_KEY };
  }
  return {
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    publicUrl: e.PUBLIC_URL.replace(/\/+$/, ''),
    awsRegion: e.AWS_REGION,
    tableName: e.TABLE_NAME,
    serviceKey: secret.serviceKey,
    mercurePublisherJwtKey: secret.mercurePublisherJwtKey,
    mercurePublishUrl: e.MERCURE_PUBLISH_URL,
    bedrockModelId: e.BEDROCK_MODEL_ID,
    systemPrompt: e.SYSTEM_PROMPT,
    streamCoalesceMs: e.STREAM_COALESCE_MS,
    streamPiecesPerSecond: e.STREAM_PIECES_PER_SECOND,
    streamCheckpointMs: e.STREAM_CHECKPOINT_MS,
    streamIdleTimeoutMs: e.STREAM_IDLE_TIMEOUT_MS,
    replyLeaseMs: e.REPLY_LEASE_MS,
    contextMessages: e.CONTEXT_MESSAGES,
    monthlyBudgetUsd: e.MONTHLY_BUDGET_USD,
    dynamodbConnectTimeoutMs: e.DYNAMODB_CONNECT_TIMEOUT_MS,
    dynamodbRequestTimeoutMs: e.DYNAMODB_REQUEST_TIMEOUT_MS,
    secretId: e.AGENT_SECRET_ID,
    secretRefreshMs: e.AGENT_SECRET_REFRESH_S * 1000,
    secretOverlapMs: e.AGENT_SECRET_OVERLAP_S * 1000,
    attachmentsBucket: e.ATTACHMENTS_BUCKET,
    s3PathStyle: e.AWS_ENDPOINT_URL_S3 !== undefined,
    budgetMinOutputTokens: e.BUDGET_MIN_OUTPUT_TOKENS,
    sendMaxInFlight: e.SEND_MAX_IN_FLIGHT,
    sendMaxEventLoopLagMs: e.SEND_MAX_EVENT_LOOP_LAG_MS,
    sendRetryAfterS: e.SEND_RETRY_AFTER_S,
    secretsSource: e.AGENT_SECRET_ID ? 'secrets-manager' : 'environment',
  };
}
