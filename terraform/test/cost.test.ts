import t from 'tap';
import { estimateMonthlyCost, formatCostEstimate } from '../src/cost/cost-estimate.js';
import { PRICE_TABLE_DATE } from '../src/cost/price-table.js';
import { bedrockBound, budgetLines } from '../src/cost.js';
import { testConfig } from './synthesized-stack.js';
import { synthesizeStack } from './synthesized-stack.js';

const standard = estimateMonthlyCost(synthesizeStack().doc);
const lean = estimateMonthlyCost(synthesizeStack({ lean: true }).doc);
const item = (e: typeof standard, pattern: RegExp) => e.lines.filter((l) => pattern.test(l.item));

t.test('the default stack costs at most $100 a month', async (t) => {
  t.ok(standard.totalUsdPerMonth <= 100, `default: $${standard.totalUsdPerMonth}`);
  t.ok(standard.totalUsdPerMonth > 50, 'and the estimate is not empty');
});

t.test('the lean stack costs at most $60 a month', async (t) => {
  t.ok(lean.totalUsdPerMonth <= 60, `lean: $${lean.totalUsdPerMonth}`);
  t.ok(lean.totalUsdPerMonth < standard.totalUsdPerMonth);
});

t.test('every fixed cost the issue names is priced, public IPv4 addresses included', async (t) => {
  for (const pattern of [/^aws_nat_gateway\./, /^aws_lb\.[a-z_]+$/, /^aws_ecs_service\./, /^aws_wafv2_web_acl\./, /^aws_cloudwatch_metric_alarm/, /^aws_secretsmanager_secret\./, /^aws_cloudwatch_log_group/, /public IPv4/]) {
    t.ok(item(standard, pattern).length > 0, `default prices ${pattern}`);
  }
  t.equal(item(standard, /public IPv4/).reduce((n, l) => n + Number(/× (\d+)/.exec(l.item)?.[1] ?? 1), 0), 3, 'NAT address and two ALB addresses');
  t.ok(item(lean, /^aws_instance\..*public IPv4/).length === 1, 'lean prices the NAT instance address');
  t.equal(item(lean, /^aws_nat_gateway/).length, 0, 'lean has no NAT gateway');
  for (const l of [...standard.lines, ...lean.lines]) t.ok(l.usdPerMonth >= 0 && l.basis.length > 0, `${l.item} has a price and a basis`);
});

t.test('the estimate follows the synthesized sizes', async (t) => {
  const fargate = (o: Record<string, unknown>) => item(estimateMonthlyCost(synthesizeStack(o).doc), /^aws_ecs_service\./)[0]!.usdPerMonth;
  const x86 = fargate({});
  t.ok(fargate({ cpuArchitecture: 'ARM64' }) < x86, 'ARM64 is cheaper');
  t.ok(fargate({ taskCpu: 1024, taskMemory: 2048 }) > x86 * 1.9, 'twice the task, about twice the price');
  t.equal(fargate({ desiredCount: 0 }), 0, 'a paused service costs nothing');
});

t.test('the printed table lists each line and the total, with the price date', async (t) => {
  const text = formatCostEstimate(standard, 'Default:');
  for (const l of standard.lines) t.match(text, l.item);
  t.match(text, new RegExp(`total\\s+\\$${standard.totalUsdPerMonth.toFixed(2)}`));
  t.match(PRICE_TABLE_DATE, /^\d{4}-\d{2}-\d{2}$/);
});

t.test('the zone, the WAF logs by request volume, the attachments bucket and the budgets are counted', async (t) => {
  t.equal(item(standard, /^Route 53 hosted zone/)[0]?.usdPerMonth, 0.5, 'the hosted zone');
  const waf = item(standard, /\(WAF logs\)$/);
  t.equal(waf.length, 1, 'the WAF log group is priced by requests, not as a container log');
  t.match(waf[0]!.basis, /M requests × \d+ B/);
  t.ok(waf[0]!.usdPerMonth > 0);
  t.equal(item(standard, /aws_s3_bucket\.attachments_bucket \(attachments\)/).length, 1, 'the attachments bucket');
  t.equal(item(standard, /^aws_budgets_budget\./)[0]?.usdPerMonth, 0, 'the budget is named, and free');
  const logged = estimateMonthlyCost(synthesizeStack({ modelInvocationLogging: { enabled: true } }).doc);
  t.ok(item(logged, /\(Bedrock invocation logs\)$/)[0]!.usdPerMonth > 0, 'invocation logging is priced when on');
  t.equal(item(standard, /invocation logs/).length, 0, 'and absent when off');
});

t.test('the Bedrock bound is the sum of the budgets, printed apart from the fixed cost', async (t) => {
  const config = testConfig({ householdSize: 5, monthlyBudgetUsd: 12.5 });
  t.equal(bedrockBound(config).usdPerMonth, 62.5);
  t.match(bedrockBound(config).text, /5 people × \$12\.50 budget = \$62\.50 per month/);
  t.notOk(standard.lines.some((l) => /bedrock tokens/i.test(l.item)), 'not inside the fixed total');
  const lines = budgetLines(testConfig({ accountBudget: { monthlyUsd: 150 } })).join('\n');
  t.match(lines, /"homeagent-account-monthly": \$150\.00/);
  t.match(lines, /80 % and 100 % of actual and forecast to ops@example\.org/);
});
