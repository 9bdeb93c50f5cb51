// Agent streaming benchmark: `npm run bench -w @homeagent/agent`.
// Runs the built agent in-process against dynalite, the Bedrock emulator and
// the real hub, and compares what a person sees with what Bedrock (here the
// emulator) gives directly to the SDK, for the same requests:
//   - time to first token: agent → hub → SSE subscriber vs SDK → emulator,
//   - time to the whole reply: `done` at the subscriber vs the end of the SDK stream.
// Reported as p50/p95 in ms and as ratios (agent / direct): the agent's own cost.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { SignJWT } from 'jose';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { startDynamo } from '@homeagent/local/dynamodb';
import { startBedrockEmulator } from '@homeagent/local/bedrock-emulator';
import { startHub } from '@homeagent/mercure/testing';
import agent, { appOptions } from '../dist/app.js';
import { loadConfig, DEFAULT_SYSTEM_PROMPT } from '../dist/config.js';
import { conversationTopic, userTopicSelector } from '@homeagent/contract';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '30' },
    'tokens-per-second': { type: 'string', default: '200' },
    'first-token-ms': { type: 'string', default: '50' },
  },
});
const ROUNDS = Number(args.rounds);

process.env.AWS_ACCESS_KEY_ID = 'bench';
process.env.AWS_SECRET_ACCESS_KEY = 'bench';
process.env.AWS_REGION = 'us-east-1';
const KEY = 'bench-service-key-0123456789-abcdefghijklmnop';
const PUB = 'bench-publisher-key-0123456789-abcdefghijklmnop';
const SUB = 'bench-subscriber-key-0123456789-abcdefghijklmnop';
const PUBLIC_URL = 'https://chat.bench.test';

const dynamo = await startDynamo();
const emulator = await startBedrockEmulator({ tokensPerSecond: Number(args['tokens-per-second']), firstTokenDelayMs: Number(args['first-token-ms']) });
const hub = await startHub({ publisherJwtKey: PUB, subscriberJwtKey: SUB });
process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = emulator.url;

const config = await loadConfig({
  PUBLIC_URL,
  AGENT_SERVICE_KEY: KEY,
  MERCURE_PUBLISHER_JWT_KEY: PUB,
  MERCURE_PUBLISH_URL: `${hub.url}/.well-known/mercure`,
  TABLE_NAME: dynamo.tableName,
  LOG_LEVEL: 'silent',
});
const app = Fastify({ ...appOptions, logger: false });
await app.register(agent, { config, firstAdminInvite: false });
await app.ready();

const call = async (method, url, body, userId) => {
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${KEY}`, ...(userId ? { 'x-user-id': userId } : {}) },
    ...(body ? { payload: body } : {}),
  });
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
};

const invite = await app.invites.create({ role: 'member' });
const { user } = await call('POST', '/v1/users', { inviteCode: invite.code, username: 'bench', displayName: 'Bench', password: 'bench password 123' });
const token = await new SignJWT({ mercure: { subscribe: [userTopicSelector(PUBLIC_URL, user.id)] } })
  .setProtectedHeader({ alg: 'HS256' })
  .sign(new TextEncoder().encode(SUB));

/** Resolves with [first message piece at, done at] for one message id, read from a live SSE response. */
function watch(body, messageId, startedAt) {
  return new Promise((resolve, reject) => {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let first;
    const pump = () =>
      reader.read().then(({ value, done }) => {
        if (done) return reject(new Error('stream ended'));
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1] ?? '';
          const type = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          if (!id.startsWith(`${messageId}:`)) continue;
          if (type === 'delta' && first === undefined) first = performance.now() - startedAt;
          if (type === 'done') {
            reader.cancel().catch(() => {});
            return resolve([first, performance.now() - startedAt]);
          }
        }
        return pump();
      }, reject);
    pump();
  });
}

async function throughAgent(text) {
  const { conversation } = await call('POST', '/v1/conversations', {}, user.id);
  const url = new URL('/.well-known/mercure', hub.url);
  url.searchParams.set('topic', conversationTopic(PUBLIC_URL, user.id, conversation.id));
  const sse = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const startedAt = performance.now();
  const sent = await call('POST', `/v1/conversations/${conversation.id}/messages`, { text }, user.id);
  return watch(sse.body, sent.assistantMessage.id, startedAt);
}

const bedrock = new BedrockRuntimeClient({ region: 'us-east-1' });
async function direct(text) {
  const startedAt = performance.now();
  const out = await bedrock.send(
    new ConverseStreamCommand({
      modelId: config.bedrockModelId,
      system: [{ text: DEFAULT_SYSTEM_PROMPT }],
      messages: [{ role: 'user', content: [{ text }] }],
      inferenceConfig: { maxTokens: 4096 },
    }),
  );
  let first;
  for await (const event of out.stream) if (event.contentBlockDelta?.delta?.text && first === undefined) first = performance.now() - startedAt;
  return [first, performance.now() - startedAt];
}

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const samples = { agentFirst: [], agentDone: [], directFirst: [], directDone: [] };
for (let i = 0; i < ROUNDS; i++) {
  const text = `benchmark question number ${i}`;
  const [df, dd] = await direct(text);
  const [af, ad] = await throughAgent(text);
  samples.directFirst.push(df);
  samples.directDone.push(dd);
  samples.agentFirst.push(af);
  samples.agentDone.push(ad);
}
const summary = {};
for (const [name, values] of Object.entries(samples)) summary[name] = { p50: +pct(values, 50).toFixed(1), p95: +pct(values, 95).toFixed(1) };
const ratio = (a, b, p) => +(pct(samples[a], p) / pct(samples[b], p)).toFixed(2);
console.log(
  JSON.stringify(
    {
      rounds: ROUNDS,
      ms: summary,
      ratios: {
        firstTokenP50: ratio('agentFirst', 'directFirst', 50),
        firstTokenP95: ratio('agentFirst', 'directFirst', 95),
        wholeReplyP50: ratio('agentDone', 'directDone', 50),
        wholeReplyP95: ratio('agentDone', 'directDone', 95),
      },
    },
    null,
    2,
  ),
);

bedrock.destroy();
await app.close();
await Promise.all([hub.close(), emulator.close(), dynamo.close()]);
