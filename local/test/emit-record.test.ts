import t from 'tap';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { emulatorReply, epochNow, replyTokens, startBedrockEmulator } from '../src/bedrock-emulator.js';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

async function streamText(url: string, text: string): Promise<{ deltas: string[]; receivedAt: number[] }> {
  const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  try {
    const out = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text }] }] }));
    const deltas: string[] = [];
    const receivedAt: number[] = [];
    for await (const event of out.stream ?? []) {
      const piece = event.contentBlockDelta?.delta?.text;
      if (piece) {
        deltas.push(piece);
        receivedAt.push(epochNow());
      }
    }
    return { deltas, receivedAt };
  } finally {
    client.destroy();
  }
}

t.test('stampEmitTime records each delta as emitted, and the wire carries the same text as without it', async (t) => {
  const stamped = await startBedrockEmulator({ tokensPerSecond: 500, firstTokenDelayMs: 0, stampEmitTime: true });
  const plain = await startBedrockEmulator({ tokensPerSecond: 500, firstTokenDelayMs: 0 });
  t.teardown(() => Promise.all([stamped.close(), plain.close()]));
  const text = 'bench tag 17: how are the stamps?';
  const before = epochNow();
  const withStamps = await streamText(stamped.url, text);
  const without = await streamText(plain.url, text);
  t.same(withStamps.deltas, without.deltas, 'stamping does not change what is streamed');
  t.same(withStamps.deltas, replyTokens(emulatorReply({ messages: [{ role: 'user', content: [{ text }] }] })));

  const record = stamped.emitted(text);
  t.ok(record, 'the reply was recorded under its last user message');
  t.same(record!.tokens, withStamps.deltas, 'one stamp per delta, in order');
  t.equal(record!.emittedAt.length, withStamps.deltas.length);
  t.ok(record!.emittedAt[0]! >= before, 'stamps are epoch milliseconds');
  for (let i = 1; i < record!.emittedAt.length; i++) t.ok(record!.emittedAt[i]! >= record!.emittedAt[i - 1]!, `stamp ${i} not before the one before it`);
  for (let i = 0; i < record!.emittedAt.length; i++) t.ok(withStamps.receivedAt[i]! >= record!.emittedAt[i]!, `delta ${i} received after it was emitted`);
  t.equal(stamped.emitted(text), undefined, 'a record is read once');
  t.equal(plain.emitted(text), undefined, 'without the option nothing is recorded');
});
