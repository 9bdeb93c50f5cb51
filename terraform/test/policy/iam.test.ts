import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { addressOf, dataOf, list, policyOf, resourcesOf, synthesizeStack, type Body, type PolicyStatement } from '../synthesized-stack.js';

const { doc } = synthesizeStack();
const roles = Object.fromEntries(resourcesOf(doc, 'aws_iam_role'));
const inlinePolicies = resourcesOf(doc, 'aws_iam_role_policy');
const statementsOf = (roleAddress: string, d = doc): PolicyStatement[] =>
  resourcesOf(d, 'aws_iam_role_policy').filter(([, p]) => addressOf(p.role) === roleAddress).flatMap(([, p]) => policyOf(p.policy).Statement);
const actionsOf = (statements: PolicyStatement[]) => statements.flatMap((s) => list(s.Action)).sort();

const [[, taskDefinition]] = resourcesOf(doc, 'aws_ecs_task_definition') as [[string, Body]];
const executionRole = addressOf(taskDefinition.execution_role_arn);
const taskRole = addressOf(taskDefinition.task_role_arn);
const deployRole = addressOf(doc.output!.deploy_role_arn!.value);

t.test('the execution role and the task role are two different roles', async (t) => {
  t.not(executionRole, taskRole);
  t.ok(roles[executionRole] && roles[taskRole]);
});

t.test('no managed policies: every permission is an inline policy of this stack', async (t) => {
  t.equal(resourcesOf(doc, 'aws_iam_role_policy_attachment').length, 0);
  t.equal(resourcesOf(doc, 'aws_iam_policy_attachment').length, 0);
  for (const [address, p] of inlinePolicies) {
    for (const s of policyOf(p.policy).Statement) t.equal(s.Effect, 'Allow', `${address} ${s.Sid}`);
  }
});

t.test('no wildcard actions or resources in the task role', async (t) => {
  const statements = statementsOf(taskRole);
  t.ok(statements.length >= 3);
  for (const s of statements) {
    for (const action of list(s.Action)) t.notMatch(action, /\*/, `${s.Sid}: ${action} is not a wildcard`);
    for (const resource of list(s.Resource)) t.not(resource, '*', `${s.Sid} names its resources`);
  }
});

t.test('the task role: the table and its indexes, streaming from the allowed models only, the secret', async (t) => {
  const statements = statementsOf(taskRole);
  const table = statements.filter((s) => list(s.Action).some((a) => a.startsWith('dynamodb:')));
  for (const s of table) {
    t.same(list(s.Resource).sort(), ['${aws_dynamodb_table.dynamodb_table.arn}', '${aws_dynamodb_table.dynamodb_table.arn}/index/*'], `${s.Sid} is the table and its indexes`);
    t.notOk(list(s.Action).some((a) => /Transact|DeleteTable|CreateTable|UpdateTable/.test(a)), `${s.Sid} cannot change the table itself`);
  }
  const bedrock = statements.filter((s) => list(s.Action).some((a) => a.startsWith('bedrock:')));
  t.equal(bedrock.length, 1);
  t.same(list(bedrock[0]!.Action), ['bedrock:InvokeModelWithResponseStream']);
  const arns = list(bedrock[0]!.Resource);
  const arnFor = (kind: string, id: string) => arns.filter((a) => a.endsWith(`:${kind}/${id}`));
  t.equal(arnFor('inference-profile', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0').length, 1, 'the profile of the first model');
  t.match(arnFor('foundation-model', 'anthropic.claude-sonnet-4-5-20250929-v1:0')[0], /:bedrock:\*::/, 'the model behind the profile, in any region it routes to');
  t.match(arnFor('foundation-model', 'anthropic.claude-3-5-haiku-20241022-v1:0')[0], /:bedrock:\$\{data\.aws_region\.[a-z_]+\.region\}::/, 'a plain model id in this region only');
  t.equal(arns.length, 3, 'nothing else');
  t.notOk(actionsOf(statements).some((a) => a.startsWith('aws-marketplace:')), 'no Marketplace rights: an admin does the first use of a model once (docs/deploy.md)');
  const secrets = statements.filter((s) => list(s.Action).some((a) => a.startsWith('secretsmanager:')));
  t.same(secrets.flatMap((s) => list(s.Resource)), ['${aws_secretsmanager_secret.secrets_secret.arn}']);
  t.same(actionsOf(secrets), ['secretsmanager:GetSecretValue']);
});

t.test('the execution role pulls from the three repositories, writes the three log groups, reads the secret', async (t) => {
  const statements = statementsOf(executionRole);
  for (const s of statements) {
    const resources = list(s.Resource);
    if (resources.includes('*')) t.same(list(s.Action), ['ecr:GetAuthorizationToken'], 'only the ECR login is unscoped');
  }
  const pull = statements.find((s) => list(s.Action).includes('ecr:BatchGetImage'))!;
  t.same(list(pull.Resource).sort(), ['${aws_ecr_repository.ecr_agent.arn}', '${aws_ecr_repository.ecr_app.arn}', '${aws_ecr_repository.ecr_mercure.arn}']);
  const logs = statements.find((s) => list(s.Action).includes('logs:PutLogEvents'))!;
  t.equal(list(logs.Resource).length, 3);
  for (const r of list(logs.Resource)) t.match(r, /^\$\{aws_cloudwatch_log_group\.observability_[a-z]+_logs\.arn\}:\*$/);
  t.notOk(actionsOf(statements).some((a) => a.startsWith('bedrock:') || a.startsWith('dynamodb:')), 'ECS itself cannot use the table or the models');
});

t.test('both task roles trust only ECS tasks of this account', async (t) => {
  for (const role of [executionRole, taskRole]) {
    const trust = policyOf(roles[role]!.assume_role_policy).Statement;
    t.equal(trust.length, 1, role);
    t.same(trust[0]!.Principal, { Service: 'ecs-tasks.amazonaws.com' }, role);
    t.match(trust[0]!.Condition?.StringEquals?.['aws:SourceAccount'], /data\.aws_caller_identity/, `${role} pins the source account`);
  }
});

t.test('GitHub OIDC trust pins aud and the exact sub (branch, or environment when set)', async (t) => {
  const check = (d: typeof doc, sub: string, label: string) => {
    const role = addressOf(d.output!.deploy_role_arn!.value);
    const trust = policyOf(resourcesOf(d, 'aws_iam_role').find(([a]) => a === role)![1].assume_role_policy).Statement;
    t.equal(trust.length, 1, label);
    const s = trust[0]!;
    t.equal(s.Action, 'sts:AssumeRoleWithWebIdentity', label);
    t.match(JSON.stringify(s.Principal), /oidc-provider|aws_iam_openid_connect_provider/, `${label} trusts the GitHub provider`);
    t.same(Object.keys(s.Condition ?? {}), ['StringEquals'], `${label} uses exact matching only`);
    t.equal(s.Condition!.StringEquals!['token.actions.githubusercontent.com:aud'], 'sts.amazonaws.com', `${label} aud`);
    t.equal(s.Condition!.StringEquals!['token.actions.githubusercontent.com:sub'], sub, `${label} sub`);
    t.notMatch(sub, /\*/, `${label} sub has no wildcard`);
  };
  check(doc, 'repo:family-org/homeagent:environment:production', 'environment (the default)');
  check(synthesizeStack({ githubBranch: 'main' }).doc, 'repo:family-org/homeagent:ref:refs/heads/main', 'branch');
  const env = synthesizeStack({ githubEnvironment: 'staging', githubOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' }).doc;
  check(env, 'repo:family-org/homeagent:environment:staging', 'another environment');
  t.equal(resourcesOf(env, 'aws_iam_openid_connect_provider').length, 0, 'an existing provider is reused, not duplicated');
  const lookedUp = synthesizeStack({ githubOidcProviderExists: true }).doc;
  t.equal(resourcesOf(lookedUp, 'aws_iam_openid_connect_provider').length, 0, 'with githubOidcProviderExists nothing is created');
  const [[lookup, lookupBody]] = dataOf(lookedUp, 'aws_iam_openid_connect_provider') as [[string, Body]];
  t.equal(lookupBody.url, 'https://token.actions.githubusercontent.com', 'the existing provider is looked up by URL');
  const lookedUpRole = addressOf(lookedUp.output!.deploy_role_arn!.value);
  t.match(resourcesOf(lookedUp, 'aws_iam_role').find(([a]) => a === lookedUpRole)![1].assume_role_policy, lookup, 'and trusted');
  const providers = resourcesOf(doc, 'aws_iam_openid_connect_provider');
  t.equal(providers.length, 1);
  for (const [address, p] of providers) {
    t.equal(p.url, 'https://token.actions.githubusercontent.com', address);
    t.same(p.client_id_list, ['sts.amazonaws.com'], address);
  }
});

t.test('the deploy role is exactly scoped: ECR push to three repositories, register, roll this service, pass the two roles', async (t) => {
  const statements = statementsOf(deployRole);
  t.same(actionsOf(statements), [
    'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload', 'ecr:DescribeImages', 'ecr:GetAuthorizationToken',
    'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart',
    'ecs:DescribeServices', 'ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition', 'ecs:TagResource', 'ecs:UpdateService',
    'iam:PassRole',
  ].sort());
  for (const s of statements) {
    const resources = list(s.Resource);
    if (resources.includes('*')) {
      // IAM offers no resource-level permission for exactly these.
      t.same(list(s.Action).sort(), ['ecr:GetAuthorizationToken', 'ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'], `${s.Sid}: only actions without resource-level permissions are unscoped`);
      continue;
    }
    const actions = list(s.Action);
    if (actions.some((a) => a.startsWith('ecr:'))) {
      t.same(resources.sort(), ['${aws_ecr_repository.ecr_agent.arn}', '${aws_ecr_repository.ecr_app.arn}', '${aws_ecr_repository.ecr_mercure.arn}'], `${s.Sid} the three repositories`);
    }
    if (actions.includes('ecs:UpdateService')) {
      t.equal(resources.length, 1, s.Sid!);
      t.match(resources[0], /:ecs:\$\{[^}]+\}:\$\{[^}]+\}:service\/homeagent\/homeagent$/, `${s.Sid} this service only`);
    }
    if (actions.includes('ecs:TagResource')) {
      t.match(resources[0], /:task-definition\/homeagent:\*$/, `${s.Sid} only this family`);
      t.same(s.Condition, { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } }, `${s.Sid} only while registering`);
    }
    if (actions.includes('iam:PassRole')) {
      t.same(resources.sort(), [`\${${executionRole}.arn}`, `\${${taskRole}.arn}`].sort(), `${s.Sid} the two task roles`);
      t.same(s.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }, `${s.Sid} only to ECS tasks`);
    }
  }
});

t.test('the deploy role trusts exactly the subject that deploy.yml presents', async (t) => {
  // Read-only: the workflow is the source of truth for the environment its job runs in.
  const workflow = readFileSync(fileURLToPath(new URL('../../../.github/workflows/deploy.yml', import.meta.url)), 'utf8');
  const block = /^\s+environment:\s*\n\s+name:\s*([A-Za-z0-9._-]+)/m.exec(workflow) ?? /^\s+environment:\s*([A-Za-z0-9._-]+)\s*$/m.exec(workflow);
  t.ok(block, 'deploy.yml declares an environment');
  t.match(workflow, /id-token:\s*write/, 'and asks for an OIDC token');
  const trust = policyOf(roles[deployRole]!.assume_role_policy).Statement[0]!;
  t.equal(trust.Condition!.StringEquals!['token.actions.githubusercontent.com:sub'], `repo:family-org/homeagent:environment:${block![1]}`,
    'the default config trusts the environment the deploy job runs in');
});

t.test('the task role: its own prefix of the attachments bucket, nothing else in S3', async (t) => {
  const s3 = statementsOf(taskRole).filter((s) => list(s.Action).some((a) => a.startsWith('s3:')));
  t.equal(s3.length, 1);
  t.same(actionsOf(s3), ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'], 'read, write and delete objects only');
  const [bucket] = resourcesOf(doc, 'aws_s3_bucket').filter(([, b]) => String(b.bucket_prefix).includes('-attachments-'))[0]!;
  t.same(list(s3[0]!.Resource), [`\${${bucket}.arn}/attachments/*`], 'only objects under attachments/ of that bucket');
  const [[, taskDefinition]] = resourcesOf(doc, 'aws_ecs_task_definition') as [[string, Body]];
  const agent = (JSON.parse(taskDefinition.container_definitions) as { name: string; environment: { name: string; value: string }[] }[]).find((c) => c.name === 'agent')!;
  const env = Object.fromEntries(agent.environment.map((e) => [e.name, e.value]));
  t.equal(env.ATTACHMENTS_BUCKET, `\${${bucket}.bucket}`, 'the agent is told the bucket');
  t.equal(env.ATTACHMENTS_PREFIX, 'attachments/', 'and the prefix its role allows');
});

t.test('guardrails: the task role may apply only the household guardrail and the listed ones', async (t) => {
  t.equal(statementsOf(taskRole).filter((s) => list(s.Action).includes('bedrock:ApplyGuardrail')).length, 0, 'no guardrail, no right to apply one');
  const listed = 'arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123def456';
  const g = synthesizeStack({ guardrail: { deniedTopics: [{ name: 'Gambling', definition: 'Betting money on games or events.', examples: ['best odds tonight'] }] }, allowedGuardrailArns: [listed] }).doc;
  const [[, td]] = resourcesOf(g, 'aws_ecs_task_definition') as [[string, Body]];
  const role = addressOf(td.task_role_arn);
  const apply = statementsOf(role, g).filter((s) => list(s.Action).includes('bedrock:ApplyGuardrail'));
  t.equal(apply.length, 1);
  t.same(list(apply[0]!.Action), ['bedrock:ApplyGuardrail']);
  const [[guardrail, body]] = resourcesOf(g, 'aws_bedrock_guardrail') as [[string, Body]];
  t.same(list(apply[0]!.Resource), [`\${${guardrail}.guardrail_arn}`, listed], 'exactly these guardrails');
  t.equal(body.topic_policy_config[0].topics_config[0].type, 'DENY', 'the denied topic of the config');
  t.same(body.topic_policy_config[0].topics_config[0].examples, ['best odds tonight']);
  const filters = Object.fromEntries((body.content_policy_config[0].filters_config as Body[]).map((f) => [f.type, f]));
  t.equal(filters.HATE.input_strength, 'HIGH', 'default content filters');
  t.equal(filters.PROMPT_ATTACK.output_strength, 'NONE', 'prompt attacks are filtered on input only');
  t.equal(body.blocked_input_messaging, "This message was blocked by your household's safety settings.");
  t.equal(resourcesOf(g, 'aws_bedrock_guardrail_version').length, 1, 'a numbered version to attach');
  t.ok(g.output!.household_guardrail_id && g.output!.household_guardrail_version, 'the admin gets its id and version');
});

t.test('model-invocation logging: off by default; on, a log group with retention written by Bedrock alone', async (t) => {
  t.equal(resourcesOf(doc, 'aws_bedrock_model_invocation_logging_configuration').length, 0, 'off by default');
  const l = synthesizeStack({ modelInvocationLogging: { enabled: true, retentionDays: 14 } }).doc;
  const [[, cfg]] = resourcesOf(l, 'aws_bedrock_model_invocation_logging_configuration') as [[string, Body]];
  const cw = cfg.logging_config[0].cloudwatch_config[0];
  const group = resourcesOf(l, 'aws_cloudwatch_log_group').find(([a]) => cw.log_group_name === `\${${a}.name}`);
  t.ok(group, 'logs to a log group of this stack');
  t.equal(group![1].retention_in_days, 14, 'with the configured retention');
  t.equal(cfg.logging_config[0].image_data_delivery_enabled, false, 'no attachments copied into the logs');
  const role = resourcesOf(l, 'aws_iam_role').find(([a]) => cw.role_arn === `\${${a}.arn}`)!;
  const trust = policyOf(role[1].assume_role_policy).Statement;
  t.same(trust.map((s) => s.Principal), [{ Service: 'bedrock.amazonaws.com' }], 'only Bedrock may assume the role');
  t.ok(trust[0]!.Condition?.StringEquals?.['aws:SourceAccount'], 'for this account only');
  const writes = statementsOf(role[0], l);
  t.same(actionsOf(writes), ['logs:CreateLogStream', 'logs:PutLogEvents']);
  t.match(list(writes[0]!.Resource)[0], `\${${group![0]}.arn}:log-stream:`, 'into that group only');
});
