/**
 * `npm run cost`: the fixed monthly cost of the stack as configured, and of
 * the same stack with the lean switch, per resource and in total, from the
 * dated price table in cost/price-table.ts.
 *
 *   node dist/cost.js [--config <file>]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseConfig, type HomeAgentConfig } from './config.js';
import { estimateMonthlyCost, formatCostEstimate } from './cost/cost-estimate.js';
import { PRICE_TABLE_DATE, PRICE_TABLE_REGION } from './cost/price-table.js';
import { readSynthesized, synthesize } from './synthesis.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Synthesizes a config into a throw-away folder and estimates it. */
export function estimateConfig(config: HomeAgentConfig) {
  const outdir = mkdtempSync(join(tmpdir(), 'homeagent-cost-'));
  try {
    const { file } = synthesize({ config, backend: { kind: 'local', warning: '' }, outdir });
    return estimateMonthlyCost(readSynthesized(file));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * What Bedrock can cost at most: the agent refuses a reply once a person's
 * monthly budget is spent, so the sum of the budgets bounds the tokens
 * (per-person overrides on the Settings page move it).
 */
export function bedrockBound(config: Pick<HomeAgentConfig, 'householdSize' | 'monthlyBudgetUsd'>): { usdPerMonth: number; text: string } {
  const usd = Math.round(config.householdSize * config.monthlyBudgetUsd * 100) / 100;
  return {
    usdPerMonth: usd,
    text: `Bedrock tokens (not in the totals above): at most ${config.householdSize} people × $${config.monthlyBudgetUsd.toFixed(2)} budget = $${usd.toFixed(2)} per month (householdSize × monthlyBudgetUsd; per-person budgets on the Settings page change it)`,
  };
}

/** The budgets that watch the bill, named so the owner knows where the mails come from. */
export function budgetLines(config: HomeAgentConfig): string[] {
  const email = config.accountBudget.email ?? config.alarmEmail;
  return [
    `Account budget "${config.namePrefix}-account-monthly": $${config.accountBudget.monthlyUsd.toFixed(2)} per month for the whole account, alerts at 80 % and 100 % of actual and forecast to ${email ?? 'the alarm topic only (set alarmEmail)'} (free).`,
    config.costAnomalyDetection.enabled
      ? `Cost Anomaly Detection monitor "${config.namePrefix}-services": daily mail for anomalies of $${config.costAnomalyDetection.thresholdUsd} or more (free).`
      : 'Cost Anomaly Detection: not created by this stack ("costAnomalyDetection.enabled"); new accounts usually have a default services monitor.',
  ];
}

function main(argv: string[]): void {
  let file = process.env.HOMEAGENT_CONFIG ?? join(root, 'homeagent.config.json');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config' && argv[i + 1]) file = argv[++i]!;
    else throw new Error(`unknown argument ${argv[i]} (usage: node dist/cost.js [--config <file>])`);
  }
  // Prices do not depend on names, so a fresh checkout can estimate from the example.
  if (!process.env.HOMEAGENT_CONFIG && !existsSync(file)) {
    file = join(root, 'homeagent.config.example.json');
    process.stderr.write('note: no homeagent.config.json; estimating homeagent.config.example.json\n');
  }
  const loaded = loadConfig({ file });
  // What it costs once it runs: the first apply has no task, the month after has one.
  const config = loaded.desiredCount === 0 ? { ...loaded, desiredCount: 1 } : loaded;
  if (loaded.desiredCount === 0) process.stderr.write('note: desiredCount is 0 (before the first deploy); estimated with the one task it will run\n');
  const { lean: _lean, natMode: _nat, cpuArchitecture: _arch, containerInsights: _ci, taskCpu: _cpu, ...rest } = config;
  // The lean variant: the same inputs with only the lean switch on (its defaults apply).
  const leanConfig = parseConfig({ ...rest, lean: true, existingVpc: config.existingVpc }, 'lean variant');
  const out = [
    `Prices: ${PRICE_TABLE_REGION} list prices of ${PRICE_TABLE_DATE}${config.region === PRICE_TABLE_REGION ? '' : ` (your region ${config.region} may differ by 10–20 %)`}; Bedrock tokens are bounded below.`,
    '',
    formatCostEstimate(estimateConfig(config), `As configured (${config.lean ? 'lean' : 'default'}):`),
    '',
    formatCostEstimate(estimateConfig(leanConfig), 'With "lean": true (NAT instance, ARM64, no Container Insights, 0.25 vCPU):'),
    '',
    bedrockBound(config).text,
    '',
    ...budgetLines(config),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
