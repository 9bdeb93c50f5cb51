/**
 * The rules a schema cannot say: inputs that depend on each other. Run after
 * the schema has checked each input alone and filled the defaults. Each
 * broken rule is one line naming the input.
 */
import type { ConfigInput, HomeAgentConfig } from './config-schema.js';

/** Fargate's valid CPU → memory (MiB) combinations up to 4 vCPU. */
export const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/**
 * Returns the first broken rule as `"input" what` (without the file name), or
 * the finished config. `given` is the input before defaults, to tell an
 * explicit value from a default one.
 */
export function applyConfigRules(input: ConfigInput, given: Record<string, unknown>): string | HomeAgentConfig {
  for (const name of ['agent', 'app', 'mercure'] as const) {
    // `latest` is mutable by nature and our repositories refuse overwriting tags anyway.
    if (input.imageTags[name].toLowerCase() === 'latest') return `imageTags: "${name}" must not be "latest"; use the git SHA that deploy.sh pushes`;
  }
  const memories = FARGATE_SIZES[input.taskCpu];
  if (!memories) return `"taskCpu" must be one of ${Object.keys(FARGATE_SIZES).join(', ')}`;
  if (!memories.includes(input.taskMemory)) {
    return `"taskMemory" ${input.taskMemory} is not a Fargate size for taskCpu ${input.taskCpu} (use one of ${memories.join(', ')})`;
  }
  // AWS takes 0 (delete at once) or 7 to 30 days.
  if (input.secretRecoveryWindowDays > 0 && input.secretRecoveryWindowDays < 7) {
    return `"secretRecoveryWindowDays" must be 0 or between 7 and 30, got ${input.secretRecoveryWindowDays}`;
  }
  for (const pattern of input.wafChatPathPatterns) {
    try {
      new RegExp(pattern);
    } catch {
      return `"wafChatPathPatterns" has an invalid regular expression "${pattern}"`;
    }
  }
  // One subject: a job that declares an environment presents the environment's sub, never the branch's.
  if (given.githubBranch !== undefined && given.githubEnvironment !== undefined) {
    return '"githubBranch" and "githubEnvironment" cannot both be set: the deploy role trusts one OIDC subject (keep "githubEnvironment": "production" for deploy.yml)';
  }
  if (input.githubOidcProviderArn && input.githubOidcProviderExists) {
    return '"githubOidcProviderArn" and "githubOidcProviderExists" cannot both be set (the ARN already names the existing provider)';
  }
  const budgetEmail = input.accountBudget.email ?? input.alarmEmail;
  if (input.costAnomalyDetection.enabled && !budgetEmail) {
    return '"costAnomalyDetection" needs an e-mail address: set "alarmEmail" or "accountBudget.email"';
  }
  if (input.guardrail) {
    const names = input.guardrail.deniedTopics.map((t) => t.name.toLowerCase());
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) return `guardrail.deniedTopics: "${twice}" is listed twice`;
  }

  const { $schema: _schema, githubEnvironment, githubBranch, tableName, ...rest } = input;
  return {
    ...rest,
    tableName: tableName ?? input.namePrefix,
    ...(githubBranch !== undefined ? { githubBranch } : { githubEnvironment }),
  };
}
