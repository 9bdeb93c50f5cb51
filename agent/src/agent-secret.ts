/**
 * The agent's Secrets Manager secret: `{"serviceKey":"…","mercurePublisherJwtKey":"…"}`,
 * read and validated the same way at boot (config.ts) and on every refresh
 * (plugins/app/agent-secrets.ts).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface AgentSecret {
  serviceKey: string;
  mercurePublisherJwtKey: string;
}

export class AgentSecretError extends Error {
  readonly code = 'secret_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentSecretError';
  }
}

/**
 * A client that gives up: a Secrets Manager endpoint that does not answer must
 * not hang the boot or a refresh. (NodeHttpHandler options passed as a plain
 * object, which the SDK turns into its handler; `throwOnRequestTimeout` makes
 * the request timeout an error: @smithy/types NodeHttpHandlerOptions, read 2026-12-01.)
 */
export function secretsManagerClient(region: string): SecretsManagerClient {
  return new SecretsManagerClient({
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
  });
}

/** Reads the secret; throws AgentSecretError with one line naming what is wrong (never a value). */
export async function readAgentSecret(client: SecretsManagerClient, secretId: string): Promise<AgentSecret> {
  let text: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    text = out.SecretString;
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    throw new AgentSecretError(`AGENT_SECRET_ID could not be read from Secrets Manager (${name})`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch (error) {
    throw new AgentSecretError('AGENT_SECRET_ID must name a secret whose value is a JSON object', { cause: error });
  }
  const secret = parsed as Partial<AgentSecret> | null;
  if (typeof secret?.serviceKey !== 'string' || secret.serviceKey.length < 32) {
    throw new AgentSecretError('AGENT_SECRET_ID secret must have a "serviceKey" of at least 32 characters');
  }
  if (typeof secret.mercurePublisherJwtKey !== 'string' || secret.mercurePublisherJwtKey.length === 0) {
    throw new AgentSecretError('AGENT_SECRET_ID secret must have a non-empty "mercurePublisherJwtKey"');
  }
  return { serviceKey: secret.serviceKey, mercurePublisherJwtKey: secret.mercurePublisherJwtKey };
}
