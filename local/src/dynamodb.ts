/**
 * DynamoDB on a laptop: dynalite in-process, with HomeAgent's single table
 * (docs/runtime.md) created on start.
 */
import type { Server } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { closeServer, listen } from './local-server.js';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

const requireHere = createRequire(import.meta.url);
// dynalite is CommonJS without types; it returns a plain http.Server.
const dynalite = requireHere('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;
// The LevelDB binding dynalite itself uses, resolved from dynalite's own folder.
const { Level } = createRequire(requireHere.resolve('dynalite'))('level') as {
  Level: new (path: string) => { open(): Promise<void>; close(): Promise<void> };
};

export const DEFAULT_TABLE_NAME = 'homeagent';
export const GSI1 = 'gsi1';

export interface DynamoOptions {
  /** a folder to persist to (created if missing); in memory when absent */
  path?: string;
  /** default `homeagent` */
  tableName?: string;
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
}

export interface LocalDynamo {
  /** e.g. `http://127.0.0.1:41234`: the value for AWS_ENDPOINT_URL_DYNAMODB */
  endpoint: string;
  tableName: string;
  close(): Promise<void>;
}

export class DynamoStartError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DynamoStartError';
    this.code = code;
  }
}

/** The client settings for a local endpoint: any credentials do. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Creates the table of docs/runtime.md unless it exists, and waits until it is ACTIVE. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'gsi1pk', AttributeType: 'S' },
            { AttributeName: 'gsi1sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: GSI1,
              KeySchema: [
                { AttributeName: 'gsi1pk', KeyType: 'HASH' },
                { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      );
    } catch (createErr) {
      // Someone else created it between our describe and create: that is what we wanted.
      if (!(createErr instanceof ResourceInUseException)) throw createErr;
    }
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
}

/**
 * dynalite throws (and so kills the process) on its first request when its
 * LevelDB folder is locked by another process; finding out first turns that
 * into an error we can explain.
 */
async function assertFolderFree(path: string): Promise<void> {
  const probe = new Level(path);
  try {
    await probe.open();
  } catch (err) {
    const code = (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
    if (code === 'LEVEL_LOCKED') {
      throw new DynamoStartError('data_in_use', `the DynamoDB data in ${path} is in use by another process (is another HomeAgent running?)`, { cause: err });
    }
    throw new DynamoStartError('data_unreadable', `could not open the DynamoDB data in ${path}: ${(err as Error).message}`, { cause: err });
  }
  await probe.close();
}

function listenFailure(err: NodeJS.ErrnoException, port: number, host: string): Error {
  return err.code === 'EADDRINUSE'
    ? new DynamoStartError('port_in_use', `port ${port} (dynamodb) is already in use`, { cause: err })
    : new DynamoStartError('listen_failed', `dynalite could not listen on ${host}:${port}: ${err.message}`, { cause: err });
}

/** Starts dynalite and creates the table; resolves once the table is ACTIVE. */
export async function startDynamo(opts: DynamoOptions = {}): Promise<LocalDynamo> {
  const tableName = opts.tableName ?? DEFAULT_TABLE_NAME;
  const host = opts.host ?? '127.0.0.1';
  if (opts.path) {
    await mkdir(opts.path, { recursive: true });
    await assertFolderFree(opts.path);
  }
  const server = dynalite({ path: opts.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const { port } = await listen(server, { port: opts.port, host, failure: listenFailure });
  const endpoint = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  const client = localDynamoClient(endpoint);
  try {
    await ensureTable(client, tableName);
  } catch (err) {
    client.destroy();
    await closeServer(server).catch(() => undefined);
    const detail = err instanceof Error ? err.message : String(err);
    throw new DynamoStartError(
      'table_setup_failed',
      opts.path
        ? `could not open the DynamoDB data in ${opts.path} (is another HomeAgent using it?): ${detail}`
        : `could not create the DynamoDB table ${tableName}: ${detail}`,
      { cause: err },
    );
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    tableName,
    // dynalite's close() also closes its LevelDB store, so a later start can open the folder again.
    close: () => closeServer(server),
  };
}
