// Image and document blocks through the real @aws-sdk/client-bedrock-runtime: the emulator takes them
// on the wire (base64), refuses what Bedrock refuses with Bedrock's texts, and says what it received.
import t from 'tap';
import { BedrockRuntimeClient, ConverseStreamCommand, ValidationException, type ContentBlock, type ConverseStreamCommandInput, type Message } from '@aws-sdk/client-bedrock-runtime';
import { startBedrockEmulator } from '../src/bedrock-emulator.js';

const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const emulator = await startBedrockEmulator({ tokensPerSecond: 5000, firstTokenDelayMs: 0 });
const client = new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
t.teardown(async () => {
  client.destroy();
  await emulator.close();
});

const png = (w: number, h: number, extra = 100) => {
  const b = Buffer.alloc(24 + extra, 7);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(b, 0);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return new Uint8Array(b);
};
const pdf = (extra = 0) => new Uint8Array(Buffer.concat([Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\n'), Buffer.alloc(extra, 32), Buffer.from('%%EOF\n')]));
const image = (bytes: Uint8Array, format: 'png' | 'jpeg' = 'png'): ContentBlock => ({ image: { format, source: { bytes } } });
const doc = (name: string, bytes: Uint8Array = pdf(), format: 'pdf' | 'txt' = 'pdf'): ContentBlock => ({ document: { format, name, source: { bytes } } });
const user = (...content: ContentBlock[]): Message => ({ role: 'user', content });

async function reply(input: Omit<ConverseStreamCommandInput, 'modelId'>): Promise<string> {
  const response = await client.send(new ConverseStreamCommand({ modelId: MODEL, ...input }));
  let text = '';
  for await (const event of response.stream ?? []) text += event.contentBlockDelta?.delta?.text ?? '';
  return text;
}

async function refusal(input: Omit<ConverseStreamCommandInput, 'modelId'>): Promise<string> {
  const error = await client.send(new ConverseStreamCommand({ modelId: MODEL, ...input })).catch((e: unknown) => e);
  if (!(error instanceof ValidationException)) throw new Error(`expected a ValidationException, got ${String(error)}`);
  return error.message;
}

t.test('a photo and a document arrive as bytes, and the reply names what it received', async (t) => {
  const photo = png(1200, 800);
  const letter = pdf(500);
  const text = await reply({ messages: [user(image(photo), doc('Bank letter', letter), { text: 'What do these say?' })] });
  t.match(text, /Files in your message \(2\):/);
  t.match(text, new RegExp(`- image \\(png, ${photo.length} bytes, 1200 × 800 px\\)`));
  t.match(text, new RegExp(`- document “Bank letter” \\(pdf, ${letter.length} bytes\\)`));
  const seen = emulator.requests.at(-1)!;
  t.same(seen.files.map((f) => [f.kind, f.format, f.bytes]), [['image', 'png', photo.length], ['document', 'pdf', letter.length]]);
});

t.test('a guarded text counts as the text beside a document', async (t) => {
  const text = await reply({ messages: [user(doc('Form'), { guardContent: { text: { text: 'please read' } } })], guardrailConfig: { guardrailIdentifier: 'abc123', guardrailVersion: '1' } });
  t.match(text, /document “Form”/);
});

t.test('files in earlier turns count for the request, and only the newest are named in the reply', async (t) => {
  const text = await reply({
    messages: [user(doc('Old'), { text: 'first' }), { role: 'assistant', content: [{ text: 'ok' }] }, user(image(png(10, 10)), { text: 'second [[emulator:echo]]' })],
  });
  t.match(text, /Files in your message \(1\):\n\n- image \(png/);
  t.match(text, /files in the request: document “Old” \(pdf, \d+ bytes\) in message 1; image \(png, \d+ bytes, 10 × 10 px\) in message 3/);
});

t.test("Bedrock's refusals, with its texts", async (t) => {
  const cases: Array<[string, Message[], RegExp]> = [
    ['a document without text', [user(doc('Letter'))], /^A text block must be included when using documents\.$/],
    ['a name with a dot', [user(doc('letter.pdf'), { text: 'hi' })], /^The document file name can only contain alphanumeric characters, whitespace characters, hyphens, parentheses, and square brackets\./],
    ['two spaces in a name', [user(doc('Bank  letter'), { text: 'hi' })], /can't contain more than one consecutive whitespace character/],
    ['a name of 201 characters', [user(doc('a'.repeat(201)), { text: 'hi' })], /document\.name' failed to satisfy constraint: Member must have length between 1 and 200/],
    ['duplicate names over the request', [user(doc('Report'), { text: 'a' }), { role: 'assistant', content: [{ text: 'ok' }] }, user(doc('report'), { text: 'b' })], /^Messages can't contain duplicate document names\./],
    ['six documents', [user(...['A', 'B', 'C', 'D', 'E', 'F'].map((n) => doc(n)), { text: 'hi' })], /^You can't include more than 5 documents in a request\.$/],
    ['21 images', [user(...Array.from({ length: 21 }, () => image(png(10, 10))), { text: 'hi' })], /^The model returned the following errors: messages: too many images: image_count > 20$/],
    ['an image over 5 MiB as base64', [user(image(png(100, 100, 4 * 1024 * 1024)), { text: 'hi' })], /messages\.0\.content\.0\.image\.source: image exceeds 5 MB maximum: \d+ bytes > 5242880 bytes/],
    ['an image over 8000 px', [user(image(png(9000, 10)), { text: 'hi' })], /At least one of the image dimensions exceed max allowed size: 8000 pixels/],
    ['PNG bytes called JPEG', [user(image(png(10, 10), 'jpeg'), { text: 'hi' })], /specified using the image\/jpeg media type, but the image appears to be a image\/png image/],
    ['a text document over 4.5 MB', [user(doc('Notes', new Uint8Array(4.6 * 1024 * 1024).fill(65), 'txt'), { text: 'hi' })], /^The maximum document size is 4\.5 MB\./],
    ['not a PDF', [user(doc('Fake', new Uint8Array([1, 2, 3])), { text: 'hi' })], /document\.source\.bytes: The PDF specified was not valid\./],
    ['an image in an assistant turn', [user({ text: 'a' }), { role: 'assistant', content: [image(png(5, 5)), { text: 'b' }] }, user({ text: 'c' })], /image blocks may only be in user messages/],
    ['an unknown format', [user({ image: { format: 'bmp' as never, source: { bytes: png(5, 5) } } }, { text: 'hi' })], /Member must satisfy enum value set: \[png, jpeg, gif, webp\]/],
  ];
  for (const [name, messages, expected] of cases) t.match(await refusal({ messages }), expected, name);
});

t.test('a PDF is not held to 4.5 MB, but the request is held to its size', async (t) => {
  const big = await reply({ messages: [user(doc('Scan', pdf(5 * 1024 * 1024)), { text: 'hi' })] });
  t.match(big, /document “Scan” \(pdf/, 'a 5 MB PDF goes through');
  const tooLong = await refusal({ messages: [user(...['A', 'B', 'C'].map((n) => doc(n, pdf(7 * 1024 * 1024))), { text: 'hi' })] });
  t.equal(tooLong, 'Input is too long for requested model.');
});
