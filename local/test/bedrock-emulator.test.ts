import t, { type Test } from 'tap';
import { Writable } from 'node:stream';
import { once, EventEmitter } from 'node:events';
import { pino } from 'pino';
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  InternalServerException,
  ModelStreamErrorException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import {
  EmulatorConfigError,
  SLOW_TOKENS_PER_SECOND,
  TOKENS_BEFORE_FAILURE,
  emulatorReply,
  inputTokenCount,
  replyTokens,
  startBedrockEmulator,
} from '../src/bedrock-emulator.js';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

/** A pino logger whose JSON lines a test can wait for. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const events = new EventEmitter();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        events.emit('line', entry);
      }
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  async function waitFor(msg: string): Promise<Record<string, unknown>> {
    const found = lines.find((l) => l.msg === msg);
    if (found) return found;
    for (;;) {
      const [entry] = (await once(events, 'line')) as [Record<string, unknown>];
      if (entry.msg === msg) return entry;
    }
  }
  return { logger, lines, waitFor };
}

async function setup(t: Test, opts: Parameters<typeof startBedrockEmulator>[0] = {}) {
  const emulator = await startBedrockEmulator({ tokensPerSecond: 1000, firstTokenDelayMs: 0, ...opts });
  const client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  t.teardown(async () => {
    client.destroy();
    await emulator.close();
  });
  return { emulator, client };
}

function ask(text: string, extra: Partial<ConverseStreamCommandInput> = {}): ConverseStreamCommandInput {
  return { modelId: MODEL, messages: [{ role: 'user', content: [{ text }] }], ...extra };
}

async function collect(stream: AsyncIterable<ConverseStreamOutput> | undefined) {
  const events: ConverseStreamOutput[] = [];
  let text = '';
  let error: unknown;
  try {
    for await (const event of stream ?? []) {
      events.push(event);
      if (event.contentBlockDelta?.delta?.text) text += event.contentBlockDelta.delta.text;
    }
  } catch (err) {
    error = err;
  }
  return { events, text, error };
}


t.test('emulatorReply quotes the last user message, counts messages and notes the system prompt', async (t) => {
  const one = emulatorReply({ messages: [{ role: 'user', content: [{ text: 'Hello there' }] }] });
  t.match(one, /^> Hello there$/m);
  t.match(one, /\*\*1 message\*\*/);
  t.match(one, /no system prompt was given/);
  t.match(one, /^- /m, 'has a Markdown list');
  t.ok(replyTokens(one).length >= 40, 'long enough to stream in many pieces');
  t.equal(replyTokens(one).join(''), one, 'tokens join back to the text');

  const three = emulatorReply({
    system: [{ text: 'Be brief.' }],
    messages: [
      { role: 'user', content: [{ text: 'first' }] },
      { role: 'assistant', content: [{ text: 'ok' }] },
      { role: 'user', content: [{ text: 'second\nline two' }] },
    ],
  });
  t.match(three, /^> second$\n^> line two$/m);
  t.notMatch(three, /first/);
  t.match(three, /\*\*3 messages\*\*/);
  t.match(three, /a system prompt was given/);
});

t.test('the real SDK receives the full stream with usage', async (t) => {
  const { client } = await setup(t);
  const input = ask('What is the weather like?', { system: [{ text: 'You are terse.' }] });
  const res = await client.send(new ConverseStreamCommand(input));
  const { events, text, error } = await collect(res.stream);
  t.equal(error, undefined);
  const request = { messages: [{ role: 'user', content: [{ text: 'What is the weather like?' }] }], system: [{ text: 'You are terse.' }] };
  const expected = emulatorReply(request);
  t.equal(text, expected, 'text is exactly the emulator reply');
  const deltas = events.filter((e) => e.contentBlockDelta);
  t.equal(deltas.length, replyTokens(expected).length, 'one delta per token');
  t.ok(deltas.length >= 40);
  t.same(events[0], { messageStart: { role: 'assistant' } });
  t.ok(events.some((e) => e.contentBlockStop?.contentBlockIndex === 0));
  t.equal(events.find((e) => e.messageStop)?.messageStop?.stopReason, 'end_turn');
  const metadata = events.at(-1)?.metadata;
  t.ok(metadata, 'metadata comes last');
  t.same(metadata?.usage, {
    inputTokens: inputTokenCount(request),
    outputTokens: deltas.length,
    totalTokens: inputTokenCount(request) + deltas.length,
  });
  t.type(metadata?.metrics?.latencyMs, 'number');
});

t.test('the endpoint can come from AWS_ENDPOINT_URL_BEDROCK_RUNTIME and the model id from any known id', async (t) => {
  const emulator = await startBedrockEmulator({ tokensPerSecond: 1000, firstTokenDelayMs: 0 });
  const saved = process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = emulator.url;
  const client = new BedrockRuntimeClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  t.teardown(async () => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
    else process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = saved;
    client.destroy();
    await emulator.close();
  });
  const res = await client.send(new ConverseStreamCommand({ ...ask('hi'), modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' }));
  const { text, error } = await collect(res.stream);
  t.equal(error, undefined);
  t.match(text, /^> hi$/m);
});

t.test('maxTokens cuts the reply with stopReason max_tokens', async (t) => {
  const { client } = await setup(t);
  const res = await client.send(new ConverseStreamCommand(ask('count', { inferenceConfig: { maxTokens: 5 } })));
  const { events, text } = await collect(res.stream);
  const expected = replyTokens(emulatorReply({ messages: [{ role: 'user', content: [{ text: 'count' }] }] }));
  t.equal(text, expected.slice(0, 5).join(''));
  t.equal(events.find((e) => e.messageStop)?.messageStop?.stopReason, 'max_tokens');
  t.equal(events.at(-1)?.metadata?.usage?.outputTokens, 5);
});

const midStreamFailures = [
  { marker: '[[emulator:throttle]]', type: ThrottlingException, name: 'ThrottlingException' },
  { marker: '[[emulator:internal]]', type: InternalServerException, name: 'InternalServerException' },
  { marker: '[[emulator:model-stream-error]]', type: ModelStreamErrorException, name: 'ModelStreamErrorException' },
  { marker: '[[emulator:unavailable]]', type: ServiceUnavailableException, name: 'ServiceUnavailableException' },
] as const;

for (const failure of midStreamFailures) {
  t.test(`${failure.marker} fails mid-stream with the SDK's ${failure.name}`, async (t) => {
    const { client } = await setup(t);
    const question = `please fail ${failure.marker}`;
    const res = await client.send(new ConverseStreamCommand(ask(question)));
    t.equal(res.$metadata.httpStatusCode, 200, 'the stream itself starts fine');
    const { events, text, error } = await collect(res.stream);
    t.ok(error instanceof failure.type, `error is a ${failure.name}`);
    t.equal((error as Error).name, failure.name);
    t.ok((error as Error).message.length > 10, 'carries a message');
    const expected = replyTokens(emulatorReply({ messages: [{ role: 'user', content: [{ text: question }] }] }));
    t.equal(text, expected.slice(0, TOKENS_BEFORE_FAILURE).join(''), 'some tokens arrived before the failure');
    t.notOk(events.some((e) => e.messageStop), 'no messageStop');
  });
}

t.test('[[emulator:validation]] is refused with a ValidationException before streaming', async (t) => {
  const { client } = await setup(t);
  const err = await client.send(new ConverseStreamCommand(ask('refuse [[emulator:validation]]'))).catch((e: unknown) => e);
  t.ok(err instanceof ValidationException);
  t.equal((err as ValidationException).$metadata.httpStatusCode, 400);
});

t.test('an unknown model id gets the ValidationException Bedrock sends', async (t) => {
  const { client } = await setup(t);
  const err = await client.send(new ConverseStreamCommand({ ...ask('hi'), modelId: 'anthropic.claude-nonexistent-v9:0' })).catch((e: unknown) => e);
  t.ok(err instanceof ValidationException);
  t.equal((err as Error).message, 'The provided model identifier is invalid.');
  t.equal((err as ValidationException).$metadata.httpStatusCode, 400);
});

t.test('malformed conversations get a ValidationException with a readable message', async (t) => {
  const { client } = await setup(t);
  const cases: Array<[string, ConverseStreamCommandInput, RegExp]> = [
    ['empty messages', { modelId: MODEL, messages: [] }, /must start with a user message/],
    ['first message from the assistant', { modelId: MODEL, messages: [{ role: 'assistant', content: [{ text: 'hi' }] }] }, /must start with a user message/],
    [
      'two user messages in a row',
      { modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'a' }] }, { role: 'user', content: [{ text: 'b' }] }] },
      /alternate between user and assistant/,
    ],
    ['blank text', { modelId: MODEL, messages: [{ role: 'user', content: [{ text: '  ' }] }] }, /is blank/],
    ['empty content', { modelId: MODEL, messages: [{ role: 'user', content: [] }] }, /content field .* is empty/],
  ];
  for (const [name, input, message] of cases) {
    const err = await client.send(new ConverseStreamCommand(input)).catch((e: unknown) => e);
    t.ok(err instanceof ValidationException, `${name}: ValidationException`);
    t.match((err as Error).message, message, `${name}: message`);
  }
});

t.test('a raw HTTP/2 request without a body or signature gets JSON errors, never a crash', async (t) => {
  const { emulator } = await setup(t);
  const http2 = await import('node:http2');
  const session = http2.connect(emulator.url);
  t.teardown(() => session.close());
  async function request(path: string, headers: Record<string, string>, body?: string) {
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json', ...headers });
    req.end(body);
    const [responseHeaders] = (await once(req, 'response')) as [Record<string, string | number>];
    let data = '';
    req.setEncoding('utf8');
    // utf8 encoding set: each chunk is a string.
    for await (const chunk of req) data += chunk as string;
    return { status: responseHeaders[':status'], type: String(responseHeaders['x-amzn-errortype'] ?? ''), body: JSON.parse(data) as { message: string } };
  }
  const unsigned = await request(`/model/${encodeURIComponent(MODEL)}/converse-stream`, {}, '{}');
  t.equal(unsigned.status, 403);
  const notJson = await request(`/model/${encodeURIComponent(MODEL)}/converse-stream`, { authorization: 'x' }, '{nope');
  t.equal(notJson.status, 400);
  t.match(notJson.type, /^SerializationException/);
  t.match(notJson.body.message, /not valid JSON/);
  const wrongPath = await request('/model/x/converse', { authorization: 'x' }, '{}');
  t.equal(wrongPath.status, 404);
  // the server still works afterwards
  const ok = await request(`/model/${encodeURIComponent(MODEL)}/converse-stream`, { authorization: 'x' }, '{"messages":[{"role":"user","content":[]}]}');
  t.equal(ok.status, 400);
});

t.test('a client abort stops the emulator from writing', async (t) => {
  const { logger, waitFor } = capturedLogger();
  const { client } = await setup(t, { tokensPerSecond: 20, logger });
  const controller = new AbortController();
  const res = await client.send(new ConverseStreamCommand(ask('a long answer please')), { abortSignal: controller.signal });
  let received = 0;
  let sawStop = false;
  try {
    for await (const event of res.stream ?? []) {
      if (event.contentBlockDelta) received++;
      if (event.messageStop) sawStop = true;
      if (received === 2) controller.abort();
    }
  } catch {
    // depending on timing the SDK either throws an AbortError or just ends the iteration
  }
  const total = replyTokens(emulatorReply({ messages: [{ role: 'user', content: [{ text: 'a long answer please' }] }] })).length;
  t.ok(received < total && !sawStop, 'the client saw the stream end early');
  const entry = await waitFor('emulator reply aborted by the client');
  t.ok(typeof entry.sentTokens === 'number' && entry.sentTokens < total, `stopped after ${String(entry.sentTokens)} of ${total} tokens`);
});

t.test('a bad pace is refused with an error naming the variable', async (t) => {
  const saved = process.env.EMULATOR_TOKENS_PER_SECOND;
  t.teardown(() => {
    if (saved === undefined) delete process.env.EMULATOR_TOKENS_PER_SECOND;
    else process.env.EMULATOR_TOKENS_PER_SECOND = saved;
  });
  process.env.EMULATOR_TOKENS_PER_SECOND = 'fast';
  await t.rejects(startBedrockEmulator(), { name: 'EmulatorConfigError', code: 'emulator_config', message: /EMULATOR_TOKENS_PER_SECOND/ });
  await t.rejects(startBedrockEmulator({ tokensPerSecond: 0 }), EmulatorConfigError);
});

t.test('close() ends open client sessions', async (t) => {
  const emulator = await startBedrockEmulator({ tokensPerSecond: 1000, firstTokenDelayMs: 0 });
  const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  t.teardown(() => client.destroy());
  const res = await client.send(new ConverseStreamCommand(ask('hi')));
  await collect(res.stream);
  await emulator.close();
  const err = await client.send(new ConverseStreamCommand(ask('hi again'))).catch((e: unknown) => e);
  t.ok(err instanceof Error, 'the emulator no longer answers');
});

t.test('[[emulator:slow]] streams the same reply at 5 tokens per second', async (t) => {
  const { logger, lines } = capturedLogger();
  const { client } = await setup(t, { tokensPerSecond: 1000, logger });
  const question = 'take your time [[emulator:slow]]';
  const res = await client.send(new ConverseStreamCommand(ask(question, { inferenceConfig: { maxTokens: 4 } })));
  const { text, error } = await collect(res.stream);
  t.equal(error, undefined);
  t.equal(text, replyTokens(emulatorReply({ messages: [{ role: 'user', content: [{ text: question }] }] })).slice(0, 4).join(''));
  t.equal(lines.find((l) => l.msg === 'emulator streaming a reply')?.tokensPerSecond, SLOW_TOKENS_PER_SECOND);
});
