/**
 * A Secrets Manager stand-in that answers `GetSecretValue` over the real wire
 * protocol (AWS JSON 1.1: `POST /`, `X-Amz-Target: secretsmanager.<Operation>`),
 * so tests run the real `@aws-sdk/client-secrets-manager` against it via
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER` (or the client's `endpoint`).
 * Signatures are not checked: any credentials do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { closeServer, listen } from './local-server.js';

export interface SecretsManagerOptions {
  /** secret name → its `SecretString`; an ARN-looking id is matched by the name in it */
  secrets: Record<string, string>;
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
}

export interface LocalSecretsManager {
  /** e.g. `http://127.0.0.1:41234`: the value for AWS_ENDPOINT_URL_SECRETS_MANAGER */
  url: string;
  /** every SecretId asked for, in order */
  readonly requests: string[];
  /** Replaces a secret's value (a new version), as a rotation's `PutSecretValue` + AWSCURRENT would. */
  put(name: string, value: string): void;
  close(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const MAX_BODY_BYTES = 64 * 1024;

class SecretsManagerError extends Error {
  readonly code: string;
  readonly statusCode: number;
  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.name = 'SecretsManagerError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

/** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>` → `<name>`; a plain name stays as is. */
function nameOf(secretId: string): string {
  const match = /^arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(secretId);
  return match ? match[1]! : secretId;
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SecretsManagerError(400, 'InvalidRequestException', 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        const body: unknown = text === '' ? {} : JSON.parse(text);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
        resolve(body as Record<string, unknown>);
      } catch {
        reject(new SecretsManagerError(400, 'SerializationException', 'The request body is not a JSON object.'));
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}

export async function startSecretsManager(opts: SecretsManagerOptions): Promise<LocalSecretsManager> {
  const requests: string[] = [];
  const created = Math.floor(Date.now() / 1000);
  const secrets: Record<string, string> = { ...opts.secrets };
  const versions: Record<string, string> = {};

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const target = String(req.headers['x-amz-target'] ?? '');
        if (req.method !== 'POST' || !target.startsWith('secretsmanager.')) {
          throw new SecretsManagerError(400, 'UnknownOperationException', 'Only POST / with X-Amz-Target: secretsmanager.<Operation> is understood.');
        }
        const operation = target.slice('secretsmanager.'.length);
        if (operation !== 'GetSecretValue') {
          throw new SecretsManagerError(400, 'UnknownOperationException', `The stand-in answers GetSecretValue only, not ${operation}.`);
        }
        const body = await readJson(req);
        const secretId = body.SecretId;
        if (typeof secretId !== 'string' || secretId === '') {
          throw new SecretsManagerError(400, 'InvalidParameterException', 'You must provide a SecretId.');
        }
        requests.push(secretId);
        const name = nameOf(secretId);
        const value = secrets[name];
        if (value === undefined) {
          throw new SecretsManagerError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        }
        send(res, 200, {
          ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`,
          Name: name,
          VersionId: versions[name] ?? '00000000-0000-4000-8000-000000000000',
          SecretString: value,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: created,
        });
      } catch (error) {
        const e = error instanceof SecretsManagerError ? error : new SecretsManagerError(500, 'InternalServiceError', 'The stand-in failed.');
        send(res, e.statusCode, { __type: e.code, message: e.message });
      }
    })();
  });

  const { url } = await listen(server, { port: opts.port, host: opts.host });
  return {
    url,
    requests,
    put(name, value) {
      secrets[name] = value;
      versions[name] = randomUUID();
    },
    close: () => closeServer(server),
  };
}
