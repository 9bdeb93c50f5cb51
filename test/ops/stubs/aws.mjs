// Stand-in for the AWS CLI v2 in the bats tests of bootstrap.sh and
// deploy.sh. It records every call in $STUB_LOG, keeps what the calls
// created under $STUB_STATE, answers with the JSON shapes of the real CLI,
// and applies --query with a real JMESPath engine and --output text the way
// the CLI formats it, so a wrong query in a script fails here too.
// Behaviour switches (env): STUB_AWS_VERSION, STUB_AWS_CREDENTIALS
// (ok|none|invalid), STUB_AWS_ACCOUNT, STUB_S3_FOREIGN_BUCKETS (names owned by
// someone else), STUB_ECR_PASSWORD, STUB_ROLLOUT (completed|failed|vanished),
// STUB_ROLLOUT_REASON, STUB_ROLLOUT_POLLS (polls that still show IN_PROGRESS).
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import jmespath from 'jmespath'

const env = process.env
const argv = process.argv.slice(2)
const state = env.STUB_STATE ?? fail('STUB_STATE is not set', 2)
const account = env.STUB_AWS_ACCOUNT ?? '123456789012'
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
if (env.STUB_LOG) appendFileSync(env.STUB_LOG, ['aws', ...argv].join(' ') + '\n')

function fail(message, code = 254) {
  process.stderr.write(`\n${message}\n`)
  process.exit(code)
}
function awsError(code, op, message) {
  fail(`An error occurred (${code}) when calling the ${op} operation: ${message}`)
}

// --- argument parsing: global options anywhere, then service and operation
const opts = {}
const words = []
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  if (a.startsWith('--')) {
    const next = argv[i + 1]
    if (next !== undefined && !next.startsWith('--')) { opts[a.slice(2)] = next; i++ } else opts[a.slice(2)] = true
  } else words.push(a)
}
if (opts.version === true && words.length === 0) {
  process.stdout.write(`${env.STUB_AWS_VERSION ?? 'aws-cli/2.22.35 Python/3.12.6 Linux/6.8.0 exe/x86_64.debian.12'}\n`)
  process.exit(0)
}
const [service, op, sub] = words
const opName = (service === 'dynamodb' && op === 'wait') ? 'wait' : op

// --- credentials, checked before any call like the real CLI
if (env.STUB_AWS_CREDENTIALS === 'none') fail('Unable to locate credentials. You can configure credentials by running "aws configure".', 253)
if (env.STUB_AWS_CREDENTIALS === 'invalid') awsError('InvalidClientTokenId', 'GetCallerIdentity', 'The security token included in the request is invalid.')
const region = opts.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? fail('You must specify a region. You can also configure your region by running "aws configure".', 253)

// --- persistent state
const file = (...p) => join(state, ...p)
function load(path, fallback) { return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : fallback }
function save(path, value) { mkdirSync(dirname(path), { recursive: true }); writeFileSync(path, JSON.stringify(value, null, 2)) }
function need(name) { return opts[name] ?? fail(`\naws: error: the following arguments are required: --${name}`, 252) }

// --- output: --query then --output like the CLI
function textOf(value) {
  if (value === null || value === undefined) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (Array.isArray(value)) {
    if (value.some(v => Array.isArray(v))) return value.map(textOf).join('\n')
    return value.map(v => (typeof v === 'object' && v !== null) ? Object.values(v).map(textOf).join('\t') : textOf(v)).join('\t')
  }
  if (typeof value === 'object') return Object.keys(value).sort().map(k => textOf(value[k])).join('\t')
  return String(value)
}
function answer(result) {
  let out = result
  if (typeof opts.query === 'string') out = jmespath.search(result, opts.query)
  if (opts.output === 'text') process.stdout.write(textOf(out) + '\n')
  else process.stdout.write(JSON.stringify(out, null, 4) + '\n')
  process.exit(0)
}

// --- S3
const bucketFile = () => file('s3', `${need('bucket')}.json`)
function bucket(op) {
  const name = need('bucket')
  if ((env.STUB_S3_FOREIGN_BUCKETS ?? '').split(/\s+/).includes(name)) awsError('403', op, 'Forbidden')
  const b = load(bucketFile())
  if (!b) {
    if (op === 'HeadBucket') awsError('404', op, 'Not Found')
    awsError('NoSuchBucket', op, 'The specified bucket does not exist')
  }
  if (opts['expected-bucket-owner'] && opts['expected-bucket-owner'] !== account) awsError('403', op, 'Forbidden')
  return b
}
function shorthand(s) { return Object.fromEntries(String(s).split(',').map(kv => kv.split('='))) }
const s3 = {
  'head-bucket': () => answer({ BucketRegion: bucket('HeadBucket').region, AccessPointAlias: false }),
  'create-bucket': () => {
    const name = need('bucket')
    if (existsSync(bucketFile())) awsError('BucketAlreadyOwnedByYou', 'CreateBucket', 'Your previous request to create the named bucket succeeded and you already own it.')
    const constraint = /LocationConstraint=([a-z0-9-]+)/.exec(String(opts['create-bucket-configuration'] ?? ''))?.[1]
    if ((constraint ?? 'us-east-1') !== region) awsError('IllegalLocationConstraintException', 'CreateBucket', `The ${constraint ?? 'unspecified'} location constraint is incompatible for the region specific endpoint this request was sent to.`)
    // What S3 gives every new bucket since 2023: owner enforced, public access blocked, SSE-S3.
    save(bucketFile(), { region, ownership: opts['object-ownership'] ?? 'BucketOwnerEnforced', publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true }, encryption: 'AES256' })
    answer({ Location: region === 'us-east-1' ? `/${name}` : `http://${name}.s3.amazonaws.com/` })
  },
  'get-bucket-versioning': () => { const b = bucket('GetBucketVersioning'); answer(b.versioning ? { Status: b.versioning } : {}) },
  'put-bucket-versioning': () => { const b = bucket('PutBucketVersioning'); b.versioning = shorthand(need('versioning-configuration')).Status; save(bucketFile(), b); process.exit(0) },
  'get-bucket-encryption': () => {
    const b = bucket('GetBucketEncryption')
    if (!b.encryption) awsError('ServerSideEncryptionConfigurationNotFoundError', 'GetBucketEncryption', 'The server side encryption configuration was not found')
    answer({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: b.encryption }, BucketKeyEnabled: true }] } })
  },
  'put-bucket-encryption': () => {
    const b = bucket('PutBucketEncryption')
    b.encryption = JSON.parse(need('server-side-encryption-configuration')).Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm
    save(bucketFile(), b); process.exit(0)
  },
  'get-public-access-block': () => {
    const b = bucket('GetPublicAccessBlock')
    if (!b.publicAccessBlock) awsError('NoSuchPublicAccessBlockConfiguration', 'GetPublicAccessBlock', 'The public access block configuration was not found')
    answer({ PublicAccessBlockConfiguration: b.publicAccessBlock })
  },
  'put-public-access-block': () => {
    const b = bucket('PutPublicAccessBlock')
    b.publicAccessBlock = Object.fromEntries(Object.entries(shorthand(need('public-access-block-configuration'))).map(([k, v]) => [k, v === 'true']))
    save(bucketFile(), b); process.exit(0)
  },
  'get-bucket-ownership-controls': () => {
    const b = bucket('GetBucketOwnershipControls')
    if (!b.ownership) awsError('OwnershipControlsNotFoundError', 'GetBucketOwnershipControls', 'The bucket ownership controls were not found')
    answer({ OwnershipControls: { Rules: [{ ObjectOwnership: b.ownership }] } })
  },
  'put-bucket-ownership-controls': () => {
    const b = bucket('PutBucketOwnershipControls')
    b.ownership = /ObjectOwnership=(\w+)/.exec(need('ownership-controls'))?.[1] ?? fail('Error parsing parameter --ownership-controls', 252)
    save(bucketFile(), b); process.exit(0)
  },
  'get-bucket-policy': () => {
    const b = bucket('GetBucketPolicy')
    if (!b.policy) awsError('NoSuchBucketPolicy', 'GetBucketPolicy', 'The bucket policy does not exist')
    answer({ Policy: b.policy })
  },
  'put-bucket-policy': () => {
    const b = bucket('PutBucketPolicy')
    const policy = need('policy')
    try { JSON.parse(policy) } catch { awsError('MalformedPolicy', 'PutBucketPolicy', 'Policies must be valid JSON and the first byte must be \'{\'') }
    b.policy = policy; save(bucketFile(), b); process.exit(0)
  },
}

// --- DynamoDB
const tableFile = () => file('dynamodb', `${need('table-name')}.json`)
function table(op) {
  return load(tableFile()) ?? awsError('ResourceNotFoundException', op, `Requested resource not found: Table: ${need('table-name')} not found`)
}
const tableDescription = (t) => ({ TableName: t.name, TableStatus: 'ACTIVE', KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }], BillingModeSummary: { BillingMode: t.billing }, DeletionProtectionEnabled: t.deletionProtection, TableArn: `arn:aws:dynamodb:${region}:${account}:table/${t.name}` })
const dynamodb = {
  'describe-table': () => answer({ Table: tableDescription(table('DescribeTable')) }),
  'create-table': () => {
    if (existsSync(tableFile())) awsError('ResourceInUseException', 'CreateTable', `Table already exists: ${opts['table-name']}`)
    const t = { name: need('table-name'), billing: opts['billing-mode'] ?? 'PROVISIONED', deletionProtection: opts['deletion-protection-enabled'] === true, pitr: false }
    save(tableFile(), t)
    answer({ TableDescription: { ...tableDescription(t), TableStatus: 'CREATING' } })
  },
  wait: () => {
    if (sub !== 'table-exists') fail(`stub: unsupported waiter ${sub}`, 2)
    if (!existsSync(tableFile())) fail('Waiter TableExists failed: Max attempts exceeded', 255)
    process.exit(0)
  },
  'describe-continuous-backups': () => {
    const t = table('DescribeContinuousBackups')
    answer({ ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: t.pitr ? 'ENABLED' : 'DISABLED' } } })
  },
  'update-continuous-backups': () => {
    const t = table('UpdateContinuousBackups')
    t.pitr = /PointInTimeRecoveryEnabled=true/.test(need('point-in-time-recovery-specification'))
    save(tableFile(), t)
    answer({ ContinuousBackupsDescription: { ContinuousBackupsStatus: 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: t.pitr ? 'ENABLED' : 'DISABLED' } } })
  },
}

// --- STS
const sts = {
  'get-caller-identity': () => answer({ UserId: 'AROAEXAMPLEID:operator', Account: account, Arn: `arn:aws:sts::${account}:assumed-role/operator/session` }),
}

// --- ECR (the docker stub writes $STUB_STATE/ecr/<repository>/<tag> on push)
const ecr = {
  'get-login-password': () => { process.stdout.write(`${env.STUB_ECR_PASSWORD ?? 'stub-ecr-password'}\n`); process.exit(0) },
  'describe-images': () => {
    const repo = need('repository-name')
    const tag = /imageTag=([^,\s]+)/.exec(need('image-ids'))?.[1]
    const pushed = file('ecr', repo, String(tag))
    if (!existsSync(pushed)) awsError('ImageNotFoundException', 'DescribeImages', `The image with imageId {imageDigest:'null', imageTag:'${tag}'} does not exist within the repository with name '${repo}' in the registry with id '${account}'`)
    answer({ imageDetails: [{ registryId: account, repositoryName: repo, imageDigest: readFileSync(pushed, 'utf8').trim(), imageTags: [tag], imagePushedAt: '2026-11-22T09:00:00+00:00' }] })
  },
}

// --- ECS: one cluster, one service, task definitions by revision
const ecsFile = file('ecs.json')
function ecsState() {
  const s = load(ecsFile)
  if (s) return s
  const initial = JSON.parse(readFileSync(join(fixtures, 'task-definition.json'), 'utf8'))
  const td = initial.taskDefinition
  return {
    cluster: env.STUB_ECS_CLUSTER ?? 'homeagent', service: env.STUB_ECS_SERVICE ?? 'homeagent',
    revisions: { [td.taskDefinitionArn]: initial }, latest: td.revision, family: td.family,
    taskDefinition: td.taskDefinitionArn, polls: 0,
    deployments: [{ id: 'ecs-svc/1000000000000000001', status: 'PRIMARY', taskDefinition: td.taskDefinitionArn, desiredCount: 1, pendingCount: 0, runningCount: 1, failedTasks: 0, launchType: 'FARGATE', rolloutState: 'COMPLETED', rolloutStateReason: 'ECS deployment ecs-svc/1000000000000000001 completed.' }],
    events: [{ id: 'e0', createdAt: '2026-11-22T08:00:00+00:00', message: '(service homeagent) has reached a steady state.' }],
  }
}
const clusterArn = (s) => `arn:aws:ecs:${region}:${account}:cluster/${s.cluster}`
function checkCluster(s, op) {
  const c = need('cluster')
  if (c !== s.cluster && c !== clusterArn(s)) awsError('ClusterNotFoundException', op, 'Cluster not found.')
}
function serviceView(s) {
  return { serviceArn: `arn:aws:ecs:${region}:${account}:service/${s.cluster}/${s.service}`, serviceName: s.service, clusterArn: clusterArn(s), status: 'ACTIVE', desiredCount: 1, runningCount: 1, pendingCount: 0, launchType: 'FARGATE', taskDefinition: s.taskDefinition, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 }, deployments: s.deployments, events: s.events }
}
// Moves a rollout on by one poll, the way ECS reports it over time.
function advance(s) {
  const mine = s.deployments.find(d => d.status === 'PRIMARY' && d.rolloutState === 'IN_PROGRESS' && !d.rollback)
  if (!mine) {
    const rb = s.deployments.find(d => d.rollback && d.rolloutState === 'IN_PROGRESS')
    if (rb) { s.deployments = [{ ...rb, rolloutState: 'COMPLETED', rolloutStateReason: `ECS deployment ${rb.id} completed.` }] }
    return
  }
  s.polls++
  if (s.polls <= Number(env.STUB_ROLLOUT_POLLS ?? 2)) { mine.runningCount = 0; mine.pendingCount = 1; return }
  const outcome = env.STUB_ROLLOUT ?? 'completed'
  if (outcome === 'completed') {
    Object.assign(mine, { rolloutState: 'COMPLETED', rolloutStateReason: `ECS deployment ${mine.id} completed.`, runningCount: 1, pendingCount: 0 })
    s.deployments = [mine]
    s.events.unshift({ id: `e${s.polls}`, message: `(service ${s.service}) has reached a steady state.` })
    return
  }
  const reason = env.STUB_ROLLOUT_REASON ?? 'ECS deployment circuit breaker: tasks failed to start.'
  const previous = s.deployments.find(d => d !== mine)
  const rollback = { ...previous, id: 'ecs-svc/3000000000000000003', status: 'PRIMARY', rolloutState: 'IN_PROGRESS', rolloutStateReason: 'ECS deployment detected failure and is rolling back.', rollback: true }
  Object.assign(mine, { status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: reason, failedTasks: 3, runningCount: 0 })
  s.taskDefinition = previous.taskDefinition
  s.deployments = outcome === 'vanished' ? [rollback] : [rollback, mine]
  s.events.unshift(
    { id: `e${s.polls}b`, message: `(service ${s.service}) rolling back to deployment ${rollback.id}.` },
    { id: `e${s.polls}a`, message: `(service ${s.service}) (deployment ${mine.id}) deployment failed: tasks failed to start.` },
  )
}
const REGISTER_PARAMS = ['family', 'taskRoleArn', 'executionRoleArn', 'networkMode', 'containerDefinitions', 'volumes', 'placementConstraints', 'requiresCompatibilities', 'cpu', 'memory', 'tags', 'pidMode', 'ipcMode', 'proxyConfiguration', 'inferenceAccelerators', 'ephemeralStorage', 'runtimePlatform', 'enableFaultInjection']
const ecs = {
  'describe-services': () => {
    const s = ecsState(); checkCluster(s, 'DescribeServices')
    const name = need('services')
    if (name !== s.service) answer({ services: [], failures: [{ arn: `arn:aws:ecs:${region}:${account}:service/${s.cluster}/${name}`, reason: 'MISSING' }] })
    advance(s); save(ecsFile, s)
    answer({ services: [serviceView(s)], failures: [] })
  },
  'describe-task-definition': () => {
    const s = ecsState()
    const wanted = need('task-definition')
    // An ARN or family:revision names one revision; a bare family means its newest ACTIVE one.
    const found = s.revisions[wanted] ?? Object.values(s.revisions).find(r => `${r.taskDefinition.family}:${r.taskDefinition.revision}` === wanted) ??
      Object.values(s.revisions).filter(r => r.taskDefinition.family === wanted).sort((a, b) => b.taskDefinition.revision - a.taskDefinition.revision)[0]
    if (!found) awsError('ClientException', 'DescribeTaskDefinition', 'Unable to describe task definition.')
    answer(opts.include === 'TAGS' ? found : { taskDefinition: found.taskDefinition })
  },
  'register-task-definition': () => {
    const s = ecsState()
    const input = JSON.parse(readFileSync(need('cli-input-json').replace(/^file:\/\//, ''), 'utf8'))
    const unknown = Object.keys(input).filter(k => !REGISTER_PARAMS.includes(k))
    if (unknown.length) fail(`Parameter validation failed:\nUnknown parameter in input: "${unknown[0]}", must be one of: ${REGISTER_PARAMS.join(', ')}`, 252)
    if (!input.family || !Array.isArray(input.containerDefinitions)) fail('Parameter validation failed:\nMissing required parameter in input: "family"', 252)
    const revision = ++s.latest
    const arn = `arn:aws:ecs:${region}:${account}:task-definition/${input.family}:${revision}`
    const { tags = [], ...body } = input
    const registered = { taskDefinition: { ...body, taskDefinitionArn: arn, revision, status: 'ACTIVE', compatibilities: ['EC2', 'FARGATE'], registeredAt: '2026-11-22T09:00:00+00:00', registeredBy: `arn:aws:sts::${account}:assumed-role/operator/session` }, tags }
    s.revisions[arn] = registered
    save(ecsFile, s)
    save(file('registered', `${revision}.json`), input)
    answer(registered)
  },
  'update-service': () => {
    const s = ecsState(); checkCluster(s, 'UpdateService')
    if (need('service') !== s.service) awsError('ServiceNotFoundException', 'UpdateService', 'Service not found.')
    const td = need('task-definition')
    if (!s.revisions[td]) awsError('ClientException', 'UpdateService', 'TaskDefinition not found.')
    const id = 'ecs-svc/2000000000000000002'
    s.deployments = [{ id, status: 'PRIMARY', taskDefinition: td, desiredCount: 1, pendingCount: 0, runningCount: 0, failedTasks: 0, launchType: 'FARGATE', rolloutState: 'IN_PROGRESS', rolloutStateReason: 'ECS deployment ecs-svc/2000000000000000002 in progress.' },
      ...s.deployments.map(d => ({ ...d, status: 'ACTIVE' }))]
    s.taskDefinition = td
    s.polls = 0
    save(ecsFile, s)
    answer({ service: serviceView(s) })
  },
}

const services = { s3api: s3, dynamodb, sts, ecr, ecs }
const handler = services[service]?.[opName]
if (!handler) fail(`stub aws: unsupported call: ${words.join(' ')}`, 2)
handler()
