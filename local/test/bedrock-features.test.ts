// The emulator's Bedrock features with the real SDK: fields a model refuses, thinking with a
// signature that must come back unchanged, cache reads and writes, guardrail intervention,
// request metadata and service tier, and the echo of what it received.
import t, { type Test } from 'tap';
import { BedrockRuntimeClient, ConverseStreamCommand, ValidationException, type ConverseStreamCommandInput, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { EMULATOR_MARKERS, GUARDRAIL_BLOCKED_TEXT, KNOWN_MODEL_IDS, guardrailMarker, startBedrockEmulator } from '../src/bedrock-emulator.js';

const OPUS = 'us.anthropic.claude-opus-4-6-v1';
const SONNET_55 = 'us.anthropic.claude-sonnet-5-5';
const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

async function setup(t: Test) {
  const emulator = await startBedrockEmulator({ tokensPerSecond: 2000, firstTokenDelayMs: 0 });
  const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  t.teardown(async () => {
    client.destroy();
    await emulator.close();
  });
  return { emulator, client };
}

async function run(client: BedrockRuntimeClient, input: ConverseStreamCommandInput) {
  const response = await client.send(new ConverseStreamCommand(input));
  const events: ConverseStreamOutput[] = [];
  let text = '';
  let reasoning = '';
  let signature: string | undefined;
  for await (const event of response.stream ?? []) {
    events.push(event);
    const delta = event.contentBlockDelta?.delta;
    if (delta?.text) text += delta.text;
    if (delta?.reasoningContent?.text) reasoning += delta.reasoningContent.text;
    if (delta?.reasoningContent?.signature) signature = delta.reasoningContent.signature;
  }
  const usage = events.find((e) => e.metadata)?.metadata?.usage;
  const stopReason = events.find((e) => e.messageStop)?.messageStop?.stopReason;
  return { text, reasoning, signature, usage, stopReason };
}

const user = (text: string) => ({ role: 'user' as const, content: [{ text }] });

t.test('the catalogue models are known', async (t) => {
  for (const id of [OPUS, SONNET_55, HAIKU]) t.ok(KNOWN_MODEL_IDS.includes(id), id);
});

t.test('a field the model refuses gets a ValidationException', async (t) => {
  const { client } = await setup(t);
  const cases: Array<[string, ConverseStreamCommandInput, RegExp]> = [
    ['temperature on Sonnet 5.5', { modelId: SONNET_55, messages: [user('hi')], inferenceConfig: { temperature: 0.5 } }, /temperature: Setting a non-default value is not supported/],
    ['thinking disabled on Sonnet 5.5', { modelId: SONNET_55, messages: [user('hi')], additionalModelRequestFields: { thinking: { type: 'disabled' } } }, /"disabled" is not supported/],
    ['budget thinking on Sonnet 5.5', { modelId: SONNET_55, messages: [user('hi')], additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } } }, /"enabled" is not supported/],
    ['adaptive on Haiku 4.5', { modelId: HAIKU, messages: [user('hi')], additionalModelRequestFields: { thinking: { type: 'adaptive' } } }, /"adaptive" is not supported/],
    ['budget not below maxTokens', { modelId: HAIKU, messages: [user('hi')], inferenceConfig: { maxTokens: 2000 }, additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } } }, /must be greater than `thinking\.budget_tokens`/],
    ['temperature with thinking', { modelId: OPUS, messages: [user('hi')], inferenceConfig: { temperature: 0.2 }, additionalModelRequestFields: { thinking: { type: 'adaptive' } } }, /may only be set to 1 when thinking/],
    ['five cache points', { modelId: OPUS, system: [{ text: 's' }, ...Array.from({ length: 5 }, () => ({ cachePoint: { type: 'default' as const } }))], messages: [user('hi')] }, /A maximum of 4 blocks/],
    ['a bad service tier', { modelId: OPUS, messages: [user('hi')], serviceTier: { type: 'gold' as never } }, /serviceTier\.type/],
  ];
  for (const [name, input, message] of cases) {
    const error = await client.send(new ConverseStreamCommand(input)).catch((e: unknown) => e);
    t.ok(error instanceof ValidationException, name);
    t.match((error as Error).message, message, name);
  }
});

t.test('thinking streams with a signature, which must come back unchanged', async (t) => {
  const { client } = await setup(t);
  const asked = { additionalModelRequestFields: { thinking: { type: 'adaptive' }, output_config: { effort: 'medium' } } };
  const first = await run(client, { modelId: OPUS, messages: [user('think')], ...asked });
  t.match(first.reasoning, /medium effort/);
  t.ok(first.signature, 'a signature follows the reasoning');
  t.ok(first.usage!.outputTokens! > first.text.split(/\s+/).length, 'thinking counts in the output tokens');
  const history = (reasoning: { text: string; signature?: string }): ConverseStreamCommandInput => ({
    modelId: OPUS,
    messages: [user('think'), { role: 'assistant', content: [{ reasoningContent: { reasoningText: reasoning } }, { text: first.text }] }, user('again')],
    ...asked,
  });
  const ok = await run(client, history({ text: first.reasoning, signature: first.signature! }));
  t.ok(ok.text.length > 0, 'the unchanged block is accepted');
  const changed = await client.send(new ConverseStreamCommand(history({ text: `${first.reasoning} (edited)`, signature: first.signature! }))).catch((e: unknown) => e);
  t.match((changed as Error).message, /Invalid `signature`/, 'a changed block is refused');
  const unsigned = await client.send(new ConverseStreamCommand(history({ text: first.reasoning }))).catch((e: unknown) => e);
  t.match((unsigned as Error).message, /signature: Field required/);
});

t.test('a repeated prefix is read from the cache, a new one written', async (t) => {
  const { client, emulator } = await setup(t);
  const system = [{ text: 'A long and steady system prompt. '.repeat(200) }, { cachePoint: { type: 'default' as const } }];
  const first = await run(client, { modelId: OPUS, system, messages: [user('one')] });
  t.ok(first.usage!.cacheWriteInputTokens! > 1000, 'written');
  t.equal(first.usage!.cacheReadInputTokens, 0);
  const second = await run(client, { modelId: OPUS, system, messages: [user('two')] });
  t.equal(second.usage!.cacheReadInputTokens, first.usage!.cacheWriteInputTokens, 'read within the TTL');
  t.equal(second.usage!.cacheWriteInputTokens, 0);
  t.ok(second.usage!.inputTokens! < 10, 'only the new text is uncached input');
  const short = await run(client, { modelId: OPUS, system: [{ text: 'short' }, { cachePoint: { type: 'default' } }], messages: [user('x')] });
  t.equal(short.usage!.cacheWriteInputTokens, 0, 'a prefix under the minimum is not cached');
  const ttl = await client.send(new ConverseStreamCommand({ modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0', system: [{ text: 's' }, { cachePoint: { type: 'default', ttl: '1h' } }], messages: [user('x')] })).catch((e: unknown) => e);
  t.match((ttl as Error).message, /cache TTL 1h/, 'a TTL the model does not take is refused');
  t.equal(emulator.requests.at(-2)?.cachePoints, 1, 'the emulator keeps what it read');
});

t.test('a guardrail intervenes on a guarded marker, and only guarded blocks are judged', async (t) => {
  const { client } = await setup(t);
  const guardrailConfig = { guardrailIdentifier: 'kids01', guardrailVersion: '1' };
  const blocked = await run(client, { modelId: OPUS, messages: [{ role: 'user', content: [{ guardContent: { text: { text: `bad ${guardrailMarker('kids01')}` } } }] }], guardrailConfig });
  t.equal(blocked.stopReason, 'guardrail_intervened');
  t.equal(blocked.text, GUARDRAIL_BLOCKED_TEXT);
  t.equal(blocked.usage!.outputTokens, 0);
  const earlier = await run(client, {
    modelId: OPUS,
    messages: [user(`old ${guardrailMarker('kids01')}`), { role: 'assistant', content: [{ text: 'ok' }] }, { role: 'user', content: [{ guardContent: { text: { text: 'fine now' } } }] }],
    guardrailConfig,
  });
  t.equal(earlier.stopReason, 'end_turn', 'an unguarded earlier turn is not judged');
  const whole = await run(client, { modelId: OPUS, messages: [user(`old ${guardrailMarker('kids01')}`), { role: 'assistant', content: [{ text: 'ok' }] }, user('fine now')], guardrailConfig });
  t.equal(whole.stopReason, 'guardrail_intervened', 'without guardContent the whole conversation is judged (why the agent guards the newest turn)');
  const other = await run(client, { modelId: OPUS, messages: [user(`x ${guardrailMarker('kids01')}`)], guardrailConfig: { guardrailIdentifier: 'other1', guardrailVersion: 'DRAFT' } });
  t.equal(other.stopReason, 'end_turn', "another guardrail's marker does not trip this one");
});

t.test('the echo says what was received', async (t) => {
  const { client } = await setup(t);
  const reply = await run(client, {
    modelId: HAIKU,
    messages: [user(`what did you get ${EMULATOR_MARKERS.echo}`)],
    inferenceConfig: { maxTokens: 9000, temperature: 0.7 },
    requestMetadata: { userId: 'u1', conversationId: 'c1' },
    serviceTier: { type: 'priority' },
  });
  t.match(reply.text, /maxTokens: 9000/);
  t.match(reply.text, /temperature: 0\.7/);
  t.match(reply.text, /request metadata: conversationId, userId/);
  t.match(reply.text, /service tier: priority/);
});
