// Sending files with a message, end to end: uploads to the S3 stand-in (real S3 client), the send with
// `attachmentIds`, the ConverseStream request the Bedrock emulator received (real SDK), the stored
// metadata, every refusal leaving everything as it was, deleting, sharing and exporting.
import t from 'tap';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3 } from '@homeagent/local/s3';
import { ATTACHMENT_HEADER, type Attachment, type DataExport, type Message, type User } from '@homeagent/contract';
import { purgeUserAttachments } from '../../../../src/plugins/app/attachment-purge.js';
import { buildAgent, registerUser, startStandIns, until } from '../../../helper.js';

t.setTimeout(300_000);

const BUCKET = 'homeagent-attachments';
const standIns = await startStandIns(t, { bedrock: true, hub: true, tokensPerSecond: 2000, firstTokenDelayMs: 0 });
const s3 = await startS3({ buckets: [BUCKET] });
t.teardown(() => s3.close());
process.env.AWS_ENDPOINT_URL_S3 = s3.url;
const agent = await buildAgent(t, standIns, {
  ATTACHMENTS_BUCKET: BUCKET,
  AWS_ENDPOINT_URL_S3: s3.url,
  MERCURE_PUBLISH_URL: `${standIns.hub!.url}/.well-known/mercure`,
});
const emulator = standIns.emulator!;
const alice = await registerUser(agent);
const bob = await registerUser(agent);

const png = (w: number, h: number, fill = 7) => {
  const b = Buffer.alloc(300, fill);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(b, 0);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b;
};
const pdf = (body = '') => Buffer.from(`%PDF-1.7\n${body}\n%%EOF\n`);

async function upload(user: User, bytes: Buffer, name: string): Promise<Attachment> {
  const response = await agent.call('POST', '/v1/attachments', { userId: user.id, body: bytes, headers: { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(name) } });
  if (response.statusCode !== 201) throw new Error(`upload answered ${response.statusCode}: ${response.body}`);
  return response.json().attachment as Attachment;
}

async function uploadAll(user: User, files: Array<[Buffer, string]>): Promise<Attachment[]> {
  const out: Attachment[] = [];
  for (const [bytes, name] of files) out.push(await upload(user, bytes, name));
  return out;
}

async function newChat(user: User): Promise<string> {
  return (await agent.call('POST', '/v1/conversations', { userId: user.id, body: {} })).json().conversation.id as string;
}

const send = (user: User, conversationId: string, text: string, attachmentIds: string[]) =>
  agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: user.id, body: { text, attachmentIds } });

/** The reply once it has ended and its conversation is free again (the lock goes after the message is stored). */
async function finished(user: User, conversationId: string, messageId: string): Promise<Message> {
  return until(async () => {
    const m = (await agent.call('GET', `/v1/conversations/${conversationId}/messages/${messageId}`, { userId: user.id })).json().message as Message;
    if (m.state === 'streaming') return undefined;
    const conversation = await agent.app.conversations.get(user.id, conversationId);
    return conversation?.activeMessageId === undefined ? m : undefined;
  }, 'the reply to finish');
}

async function messageItems(conversationId: string): Promise<Record<string, unknown>[]> {
  const out = await agent.app.dynamo.send(
    new QueryCommand({ TableName: standIns.dynamo.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CONV#${conversationId}` }, ConsistentRead: true }),
  );
  return out.Items ?? [];
}
const states = async (user: User, ids: string[]) => Promise.all(ids.map(async (id) => (await agent.app.attachments.get(user.id, id))?.state ?? 'gone'));
const filesOf = (user: User) => s3.store.keys(BUCKET).filter((k) => k.startsWith(`attachments/${user.id}/`));

t.test('a photo and a PDF go to Claude as image and document blocks, and only their descriptions are stored', async (t) => {
  const chat = await newChat(alice);
  const photo = await upload(alice, png(1200, 800), 'Rash on the arm.png');
  const letter = await upload(alice, pdf('bank'), 'Letter from the bank.pdf');
  const response = await send(alice, chat, 'What do you make of these?', [photo.id, letter.id]);
  t.equal(response.statusCode, 202, response.body);
  const { userMessage, assistantMessage } = response.json<{ userMessage: Message; assistantMessage: Message }>();
  t.same(userMessage.attachments?.map((a) => a.id), [photo.id, letter.id], 'the message names its files, in order');
  t.same(await states(alice, [photo.id, letter.id]), ['sent', 'sent'], 'the uploads are marked sent');

  const reply = await finished(alice, chat, assistantMessage.id);
  t.equal(reply.state, 'complete', reply.error ?? 'no error');
  t.match(reply.text, /Files in your message \(2\):/);
  t.match(reply.text, new RegExp(`image \\(png, ${png(1200, 800).length} bytes, 1200 × 800 px\\)`));
  t.match(reply.text, new RegExp(`document “Letter from the bank” \\(pdf, ${pdf('bank').length} bytes\\)`), 'the emulator names the document as Converse got it');
  t.match(reply.text, /Photo 1: Rash on the arm\.png/, 'the photo is labelled with its name');

  const sent = emulator.requests.at(-1)!;
  const content = sent.messages.at(-1)!.content as Array<Record<string, unknown>>;
  t.same(Object.keys(content[1]!), ['image'], 'the image block follows its label');
  t.equal(Buffer.from((content[1]!.image as { source: { bytes: string } }).source.bytes, 'base64').equals(png(1200, 800)), true, 'with the bytes from the bucket');
  t.match(content[2], { document: { format: 'pdf', name: 'Letter from the bank' } });
  t.ok('text' in content.at(-1)! || 'guardContent' in content.at(-1)!, "the person's text comes last");

  const stored = (await messageItems(chat)).find((i) => i.id === userMessage.id)!;
  t.same((stored.attachments as Attachment[]).map((a) => a.name), ['Rash on the arm.png', 'Letter from the bank.pdf']);
  t.notOk(JSON.stringify(stored).includes(png(1200, 800).toString('base64')), 'no bytes in the table');

  // The next turn sends the earlier files again (they are in the context), with the same names.
  const next = await send(alice, chat, 'And now?', []);
  t.equal(next.statusCode, 202);
  await finished(alice, chat, next.json().assistantMessage.id);
  t.same(emulator.requests.at(-1)!.files.map((f) => [f.kind, f.message]), [['image', 0], ['document', 0]], 'the first turn still carries its files');
});

t.test('a history with more photos than a request may carry sends the newest 20, so Bedrock never refuses it', async (t) => {
  const chat = await newChat(alice);
  const first = await uploadAll(alice, Array.from({ length: 15 }, (_, i) => [png(8, 8, 100 + i), `first${i}.png`]));
  const one = await send(alice, chat, 'fifteen', first.map((a) => a.id));
  t.equal(one.statusCode, 202, one.body);
  await finished(alice, chat, one.json().assistantMessage.id);
  const second = await uploadAll(alice, Array.from({ length: 15 }, (_, i) => [png(9, 9, 150 + i), `second${i}.png`]));
  const two = await send(alice, chat, 'fifteen more', second.map((a) => a.id));
  const reply = await finished(alice, chat, two.json().assistantMessage.id);
  t.equal(reply.state, 'complete', reply.error ?? 'no error');
  const files = emulator.requests.at(-1)!.files;
  t.equal(files.filter((f) => f.message === 2).length, 15, 'every new photo');
  t.equal(files.filter((f) => f.message === 0).length, 5, 'and the newest five of the first turn');
  const firstTurn = emulator.requests.at(-1)!.messages[0]!.content.filter((b) => typeof b.text === 'string' && b.text.startsWith('Photo ')).map((b) => b.text);
  t.same(firstTurn, first.slice(10).map((a, i) => `Photo ${i + 1}: ${a.name}`), 'the older ones left out');
});

t.test('a new chat can start with files', async (t) => {
  const photo = await upload(bob, png(64, 48), 'first photo.png');
  const started = await agent.call('POST', '/v1/conversations/start', { userId: bob.id, body: { text: 'what is this?', attachmentIds: [photo.id] } });
  t.equal(started.statusCode, 201, started.body);
  const { conversation, userMessage, assistantMessage } = started.json();
  t.same(userMessage.attachments.map((a: Attachment) => a.id), [photo.id]);
  const reply = await finished(bob, conversation.id, assistantMessage.id);
  t.match(reply.text, /Photo 1: first photo\.png[\s\S]*- image \(png, 300 bytes, 64 × 48 px\)/);
  t.equal((await states(bob, [photo.id]))[0], 'sent');
});

t.test('a photo is counted in the reservation: pixels / 750', async (t) => {
  const chat = await newChat(alice);
  const plain = await send(alice, chat, 'plain', []);
  const plainReserved = (await agent.app.messages.get(chat, plain.json().assistantMessage.id))!.reservedMicroUsd!;
  await finished(alice, chat, plain.json().assistantMessage.id);
  const other = await newChat(alice);
  const photo = await upload(alice, png(1568, 1568), 'square.png');
  const withPhoto = await send(alice, other, 'plain', [photo.id]);
  const record = (await agent.app.messages.get(other, withPhoto.json().assistantMessage.id))!;
  await finished(alice, other, record.id);
  const model = (await agent.app.settings.get()).models.find((m) => m.modelId === record.model)!;
  const dearest = Math.max(model.inputUsdPerMTok, model.cacheWrite1hUsdPerMTok, model.cacheWrite5mUsdPerMTok);
  // 1568 × 1568 / 750 = 3,279 tokens, plus the label; the worst case prices them at the dearest input price.
  t.ok(record.reservedMicroUsd! - plainReserved >= Math.round(3279 * model.inputUsdPerMTok), `${record.reservedMicroUsd} - ${plainReserved}`);
  t.ok(record.reservedMicroUsd! - plainReserved <= Math.round(3400 * dearest));
});

t.test('refusals name the problem and leave everything as it was', async (t) => {
  const chat = await newChat(alice);
  const mine = await upload(alice, pdf('mine'), 'mine.pdf');
  const bobs = await upload(bob, pdf('bob'), 'bob.pdf');
  const before = { items: (await messageItems(chat)).length, files: filesOf(alice).length };

  const cases: Array<[string, string[], number, string, RegExp]> = [
    ["someone else's upload", [mine.id, bobs.id], 400, 'attachment_not_found', /no longer there/],
    ['an id that never existed', ['abcdefghijklmnop'], 400, 'attachment_not_found', /Attach it again/],
    ['a malformed id', ['../../etc'], 400, 'validation', /./],
  ];
  for (const [name, ids, status, code, message] of cases) {
    const response = await send(alice, chat, 'hi', ids);
    t.equal(response.statusCode, status, name);
    t.equal(response.json().code, code, name);
    t.match(response.json().message, message, name);
  }

  // One at a time: the machine is shared, and dynalite answers slowly under a burst.
  const images = await uploadAll(alice, Array.from({ length: 21 }, (_, i) => [png(10, 10, i), `p${i}.png`]));
  const tooManyImages = await send(alice, chat, 'hi', images.map((a) => a.id));
  t.equal(tooManyImages.json().code, 'too_many_attachments');
  t.match(tooManyImages.json().message, /at most 20 photos; this one has 21/);
  const docs = await uploadAll(alice, Array.from({ length: 6 }, (_, i) => [pdf(`d${i}`), `d${i}.pdf`]));
  const tooManyDocs = await send(alice, chat, 'hi', docs.map((a) => a.id));
  t.equal(tooManyDocs.json().code, 'too_many_attachments');
  t.match(tooManyDocs.json().message, /at most 5 documents; this one has 6/);
  const big = await uploadAll(alice, Array.from({ length: 4 }, (_, i) => [Buffer.concat([pdf(`b${i}`), Buffer.alloc(4.4 * 1024 * 1024, 32)]), `big${i}.pdf`]));
  const tooLarge = await send(alice, chat, 'hi', big.map((a) => a.id));
  t.equal(tooLarge.json().code, 'attachments_too_large');
  t.match(tooLarge.json().message, /come to 17\.6 MB together; one message can carry at most 16 MB/);

  t.equal((await messageItems(chat)).length, before.items, 'no message was written');
  t.same(await states(alice, [mine.id, ...images.map((a) => a.id), ...docs.map((a) => a.id)]), Array(28).fill('pending'), 'the uploads are still pending');
  t.equal((await states(bob, [bobs.id]))[0], 'pending', "and Bob's too");

  // Used once: sending the same upload again is refused by name.
  const ok = await send(alice, chat, 'first', [mine.id]);
  t.equal(ok.statusCode, 202);
  await finished(alice, chat, ok.json().assistantMessage.id);
  const again = await send(alice, chat, 'again', [mine.id]);
  t.equal(again.json().code, 'attachment_not_found');
  t.match(again.json().message, /“mine\.pdf” was already sent with another message/);
  t.ok(filesOf(alice).length >= before.files, 'no file removed by a refusal');
});

t.test('a send that fails after the checks gives the uploads back and writes nothing', async (t) => {
  const chat = await newChat(alice);
  const slow = await send(alice, chat, 'take your time [[emulator:slow]]', []);
  t.equal(slow.statusCode, 202);
  const photo = await upload(alice, png(20, 20), 'later.png');
  const itemsBefore = (await messageItems(chat)).length;
  const busy = await send(alice, chat, 'meanwhile', [photo.id]);
  t.equal(busy.statusCode, 409, 'the conversation is busy');
  t.equal((await states(alice, [photo.id]))[0], 'pending');
  t.equal((await messageItems(chat)).length, itemsBefore, 'no message item');
  await agent.call('POST', `/v1/conversations/${chat}/messages/${slow.json().assistantMessage.id}/stop`, { userId: alice.id });

  // A new chat whose first message Bedrock refuses at once: the chat is gone again, the upload pending.
  t.ok(await agent.app.usage.reserve(alice.id, new Date().toISOString().slice(0, 7), 1_000_000_000, 1_000_000_000_000, 'use-up-the-month'), 'the month is used up');
  const start = await agent.call('POST', '/v1/conversations/start', { userId: alice.id, body: { text: 'over budget', attachmentIds: [photo.id] } });
  t.equal(start.statusCode, 402, start.body);
  t.equal((await states(alice, [photo.id]))[0], 'pending', 'still pending after a refused start');
  t.ok(filesOf(alice).includes(`attachments/${alice.id}/${photo.id}`), 'its file is still there');
  const listed = (await agent.call('GET', '/v1/conversations', { userId: alice.id })).json().conversations as Array<{ title: string }>;
  t.notOk(listed.some((c) => c.title === 'over budget'), 'no chat is left behind');
  await agent.app.usage.release(alice.id, new Date().toISOString().slice(0, 7), 'use-up-the-month', 1_000_000_000);

  // The emulator refusing the request (a fault marker) is a failed reply, not a half-written message.
  const refused = await send(alice, chat, 'refuse this [[emulator:validation]]', [photo.id]);
  t.equal(refused.statusCode, 202);
  const reply = await finished(alice, chat, refused.json().assistantMessage.id);
  t.equal(reply.state, 'error');
  const user = (await messageItems(chat)).find((i) => i.id === refused.json().userMessage.id)!;
  t.same((user.attachments as Attachment[]).map((a) => a.id), [photo.id], 'the message keeps its file, to show it');
});

t.test('deleting a conversation deletes its files and their items; a delete run again finishes', async (t) => {
  const chat = await newChat(bob);
  const a = await upload(bob, png(30, 30), 'a.png');
  const b = await upload(bob, pdf('b'), 'b.pdf');
  const keep = await upload(bob, pdf('keep'), 'keep.pdf');
  const sent = await send(bob, chat, 'two files', [a.id, b.id]);
  await finished(bob, chat, sent.json().assistantMessage.id);
  // A delete cut short after its mark: the second DELETE still finds the files through the messages.
  t.equal(await agent.app.conversations.markDeleted(bob.id, chat), undefined);
  t.equal((await agent.call('DELETE', `/v1/conversations/${chat}`, { userId: bob.id })).statusCode, 204);
  t.notOk(filesOf(bob).some((k) => k.endsWith(a.id) || k.endsWith(b.id)), 'their files are gone');
  t.same(await states(bob, [a.id, b.id, keep.id]), ['gone', 'gone', 'pending'], 'their items too; an unrelated upload stays');
});

t.test("removing an account's files: every file and item of the person, nobody else's", async (t) => {
  const carol = await registerUser(agent);
  const chat = await newChat(carol);
  const sentFile = await upload(carol, png(12, 12), 'sent.png');
  const pendingFile = await upload(carol, pdf('pending'), 'pending.pdf');
  const sent = await send(carol, chat, 'one', [sentFile.id]);
  await finished(carol, chat, sent.json().assistantMessage.id);
  // A file without an item (an upload cut short between the two writes) goes too.
  await agent.app.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `attachments/${carol.id}/orphan0000000`, Body: Buffer.from('x') }));
  t.equal(filesOf(carol).length, 3);
  const aliceFiles = filesOf(alice).length;
  t.ok((await purgeUserAttachments(agent.app, carol.id)) >= 2);
  t.same(filesOf(carol), [], 'no file of hers in the bucket');
  t.same(await agent.app.attachments.listItemIds(carol.id), [], 'no item of hers in the table');
  t.same(await states(carol, [sentFile.id, pendingFile.id]), ['gone', 'gone']);
  t.equal(filesOf(alice).length, aliceFiles, "Alice's files are untouched");
  t.equal(await purgeUserAttachments(agent.app, carol.id), 0, 'running it again finds nothing');
});

t.test('a share serves its files while it lives, and only those', async (t) => {
  const chat = await newChat(alice);
  const photo = await upload(alice, png(40, 30), 'shared.png');
  const unshared = await upload(alice, pdf('private'), 'private.pdf');
  const sent = await send(alice, chat, 'look', [photo.id]);
  await finished(alice, chat, sent.json().assistantMessage.id);
  const { token, share } = (await agent.call('POST', `/v1/conversations/${chat}/shares`, { userId: alice.id })).json();
  const snapshot = (await agent.call('GET', `/v1/shared/${token}`, { userId: bob.id })).json();
  t.same(snapshot.messages[0].attachments.map((a: Attachment) => a.name), ['shared.png']);

  const got = await agent.call('GET', `/v1/shared/${token}/attachments/${photo.id}`, { userId: bob.id });
  t.equal(got.statusCode, 200);
  t.equal(got.headers['content-type'], 'image/png');
  t.same(got.rawPayload, png(40, 30));
  t.match(JSON.parse(decodeURIComponent(String(got.headers[ATTACHMENT_HEADER]))), { id: photo.id, name: 'shared.png' });
  t.equal((await agent.call('GET', `/v1/shared/${token}/attachments/${unshared.id}`, { userId: bob.id })).statusCode, 404, 'a file of the owner not in the snapshot');
  t.equal((await agent.call('GET', `/v1/shared/${token}/attachments/${photo.id}`)).statusCode, 401, 'signed-in only by default');
  await agent.call('DELETE', `/v1/shares/${share.id}`, { userId: alice.id });
  t.equal((await agent.call('GET', `/v1/shared/${token}/attachments/${photo.id}`, { userId: bob.id })).statusCode, 404, 'revoked: gone');
});

t.test('the export names each message’s files and carries each reply’s thinking', async (t) => {
  const chat = await newChat(alice);
  const photo = await upload(alice, png(50, 50), 'exported.png');
  const sent = await agent.call('POST', `/v1/conversations/${chat}/messages`, { userId: alice.id, body: { text: 'think about it', attachmentIds: [photo.id], thinking: 'normal' } });
  t.equal(sent.statusCode, 202, sent.body);
  const reply = await finished(alice, chat, sent.json().assistantMessage.id);
  const response = await agent.call('GET', '/v1/export', { userId: alice.id });
  t.equal(response.statusCode, 200, response.body);
  const data = response.json<DataExport>();
  const exported = data.conversations.find((c) => c.conversation.id === chat)!;
  t.match(exported.messages[0]!.attachments, [{ id: photo.id, kind: 'image', format: 'png', name: 'exported.png', width: 50, height: 50 }]);
  if (reply.thinking) t.equal(exported.messages[1]!.thinking, reply.thinking, 'the thinking, as shown');
  else t.fail(`the default model did not think: ${reply.model}`);
});
