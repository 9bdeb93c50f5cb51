/**
 * `npm run preflight`: checks the account before the first apply, with the
 * operator's AWS CLI credentials, and says in one line per check what to set
 * when something would fail late in the apply. Today: the GitHub OIDC
 * provider (one per account). Read-only calls only.
 *
 *   node dist/preflight.js [--config <file>]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { oidcPreflight } from './oidc-preflight.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

class PreflightError extends Error {
  readonly code = 'preflight';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PreflightError';
  }
}

function aws(args: string[], region: string): unknown {
  const run = spawnSync('aws', [...args, '--region', region, '--output', 'json'], { encoding: 'utf8' });
  if (run.error) throw new PreflightError('the AWS CLI is not installed (preflight uses it with your credentials)', { cause: run.error });
  if (run.status !== 0) throw new PreflightError(`aws ${args.join(' ')} failed: ${run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`}`);
  return JSON.parse(run.stdout || '{}');
}

function main(argv: string[]): void {
  let file = process.env.HOMEAGENT_CONFIG ?? join(root, 'homeagent.config.json');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config' && argv[i + 1]) file = argv[++i]!;
    else throw new PreflightError(`unknown argument ${argv[i]} (usage: node dist/preflight.js [--config <file>])`);
  }
  if (!existsSync(file)) throw new PreflightError(`${file} not found: preflight checks your own config, not the example`);
  const config = loadConfig({ file });
  const identity = aws(['sts', 'get-caller-identity'], config.region) as { Account?: string; Arn?: string };
  process.stdout.write(`account ${identity.Account} as ${identity.Arn}, region ${config.region}\n`);
  const providers = aws(['iam', 'list-open-id-connect-providers'], config.region) as { OpenIDConnectProviderList?: { Arn: string }[] };
  const result = oidcPreflight(config, (providers.OpenIDConnectProviderList ?? []).map((p) => p.Arn));
  process.stdout.write(`${result.ok ? 'ok' : 'fix'}: ${result.line}\n`);
  if (!result.ok) process.exitCode = 1;
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
