/**
 * Where Terraform keeps its state: the S3 bucket that bootstrap.sh creates,
 * described in `terraform/backend.json` (git-ignored), or a local file when
 * that is absent (fine for a first look, not for a real deployment).
 */
import { existsSync, readFileSync } from 'node:fs';

export interface S3BackendSettings {
  bucket: string;
  key: string;
  region: string;
  encrypt: boolean;
  /** S3-native locking (Terraform ≥ 1.10). */
  useLockfile: boolean;
  /** Legacy DynamoDB lock table, when bootstrap.sh made one. */
  dynamodbTable?: string;
}

export type StateBackend = { kind: 's3'; settings: S3BackendSettings } | { kind: 'local'; warning: string };

export class BackendConfigError extends Error {
  readonly code = 'backend_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendConfigError';
  }
}

export function readStateBackend(file: string): StateBackend {
  if (!existsSync(file)) {
    return { kind: 'local', warning: `${file} not found: state goes to a local terraform.tfstate; run bootstrap.sh for the S3 backend before a real apply` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BackendConfigError(`${file}: is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BackendConfigError(`${file}: must be a JSON object`);
  const r = raw as Record<string, unknown>;
  const text = (key: string, pattern: RegExp, hint: string): string => {
    const v = r[key];
    if (typeof v !== 'string' || !pattern.test(v)) throw new BackendConfigError(`${file}: "${key}" must be ${hint}`);
    return v;
  };
  const flag = (key: string, def: boolean): boolean => {
    const v = r[key];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') throw new BackendConfigError(`${file}: "${key}" must be true or false`);
    return v;
  };
  const encrypt = flag('encrypt', true);
  // State holds the generated keys; an unencrypted state bucket is not an option.
  if (!encrypt) throw new BackendConfigError(`${file}: "encrypt" must be true (the state holds the generated secrets)`);
  const useLockfile = flag('use_lockfile', true);
  const dynamodbTable = r.dynamodb_table === undefined || r.dynamodb_table === '' ? undefined
    : text('dynamodb_table', /^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name');
  if (!useLockfile && !dynamodbTable) throw new BackendConfigError(`${file}: set "use_lockfile": true or a "dynamodb_table", or two applies can corrupt the state`);
  return {
    kind: 's3',
    settings: {
      bucket: text('bucket', /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
      key: text('key', /^[^\s]+\.tfstate$/, 'an object key ending in .tfstate, e.g. homeagent/terraform.tfstate'),
      region: text('region', /^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as eu-central-1'),
      encrypt,
      useLockfile,
      ...(dynamodbTable ? { dynamodbTable } : {}),
    },
  };
}
