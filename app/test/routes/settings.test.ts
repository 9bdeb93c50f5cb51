/**
 * The admin's "Settings" page against the real system (startStack): the
 * default model from the allowlist and the system prompt, saved through the
 * agent and used by the next reply; members kept out; bad input refused
 * with a sentence and nothing written.
 */
import t from 'tap';
import { LIMITS } from '@homeagent/contract';
import { HttpVisitor } from '../http-visitor.js';
import { PASSWORD, startLocalStack } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-settings-');

const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann', PASSWORD)).status !== 303) throw new Error('ann could not register');

function selectedModel(body: string): string | undefined {
  return /<option value="([^"]+)" selected>/.exec(body)?.[1];
}
function prompt(body: string): string | undefined {
  return /<textarea id="system-prompt"[^>]*>([\s\S]*?)<\/textarea>/.exec(body)?.[1];
}

t.test('an admin sees the current default model, the allowlist with prices, and the system prompt', async (t) => {
  const home = await ann.get('/');
  t.match(home.body, /<a class="button-quiet" href="\/settings">Settings<\/a>/);
  const page = await ann.get('/settings');
  t.equal(page.status, 200);
  t.match(page.body, /<title>Settings · HomeAgent<\/title>/);
  t.match(page.body, /<label for="default-model">Default model<\/label>/);
  t.match(page.body, /<label for="system-prompt">System prompt<\/label>/);
  t.equal(selectedModel(page.body), 'us.anthropic.claude-opus-4-6-v1', "the agent's configured model");
  t.match(page.body, new RegExp(`<option value="${HAIKU.replace(/[.]/g, '\\.')}" >[^<]*\\(\\$1 in / \\$5 out per million tokens\\)`));
  t.match(prompt(page.body) ?? '', /helpful, friendly assistant/);
});

t.test('saving changes the settings; the next reply uses the new model', async (t) => {
  await ann.get('/settings');
  const text = 'Be brief.\r\nAnswer like a "pirate" <always>.';
  const res = await ann.postPartial('/settings', { defaultModel: HAIKU, systemPrompt: `  ${text}  ` });
  t.equal(res.status, 200);
  t.match(res.body, /^<form id="settings-form"/, 'htmx gets the form back');
  t.match(res.body, /Saved\. Replies use these settings from the next message on\./);
  t.equal(selectedModel(res.body), HAIKU);
  t.equal(prompt(res.body), 'Be brief.\nAnswer like a &quot;pirate&quot; &lt;always&gt;.', 'CRLF became LF, trimmed, escaped');

  const page = await ann.get('/settings');
  t.equal(selectedModel(page.body), HAIKU, 'stored');

  const { path: chat, sent } = await ann.startChat('hello');
  t.equal(sent.status, 200);
  const messageId = /id="message-([a-z0-9]+)" data-state="streaming"/.exec(sent.body)![1]!;
  let bubble = '';
  for (let i = 0; i < 600 && !/data-state="complete"/.test(bubble); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50)); // polling interval, not a readiness stand-in
    bubble = (await ann.get(`${chat}/m/${messageId}`, { 'hx-request': 'true' })).body;
  }
  t.match(bubble, /data-state="complete"/);
  t.match(bubble, new RegExp(`<span class="reply-model" title="${HAIKU.replace(/[.]/g, '\\.')}">Claude Haiku 4\\.5</span>`), 'the reply came from the new default model, shown by its name');
  // The emulator counts the system prompt in the input tokens: ceil((prompt + message) / 4).
  const expected = Math.ceil(('Be brief.\nAnswer like a "pirate" <always>.'.length + 'hello'.length) / 4);
  t.match(bubble, new RegExp(`<span class="input-tokens">${expected}</span> tokens in`), 'the new system prompt reached the model');

  // Without htmx, the page comes back with the notice.
  const plain = await ann.post('/settings', { defaultModel: 'us.anthropic.claude-opus-4-6-v1', systemPrompt: 'You are kind.' });
  t.equal(plain.status, 200);
  t.match(plain.body, /<h1>Settings<\/h1>[\s\S]*Saved\./);
});

t.test('bad input is refused with a sentence and nothing is written', async (t) => {
  await ann.get('/settings');
  const before = await ann.get('/settings');
  const cases: Array<[string, Record<string, string | string[]>, RegExp]> = [
    ['a model not on the list', { defaultModel: 'openai.gpt-5', systemPrompt: 'Hi.' }, /Choose one of the models on the list\./],
    ['no model', { systemPrompt: 'Hi.' }, /Choose one of the models on the list\./],
    ['a blank prompt', { defaultModel: HAIKU, systemPrompt: ' \r\n ' }, /Write a system prompt/],
    ['a too long prompt', { defaultModel: HAIKU, systemPrompt: 'x'.repeat(LIMITS.systemPromptMax + 1) }, /The system prompt is too long: at most 20,000 characters, this one has 20,001\./],
    ['a huge prompt', { defaultModel: HAIKU, systemPrompt: 'x'.repeat(LIMITS.systemPromptMax * 2 + 1) }, /System prompt is too long \(at most 40000 characters\)/],
    ['a model sent twice', { defaultModel: [HAIKU, HAIKU], systemPrompt: 'Hi.' }, /Default model must be a single text value/],
  ];
  for (const [name, fields, message] of cases) {
    const res = await ann.postPartial('/settings', fields);
    t.equal(res.status, 400, name);
    t.match(res.body, message, name);
    t.notMatch(res.body, /Saved\./, name);
  }
  const kept = await ann.post('/settings', { defaultModel: 'openai.gpt-5', systemPrompt: 'Keep <me>' });
  t.equal(kept.status, 400);
  t.match(kept.body, /aria-invalid="true"/);
  t.equal(prompt(kept.body), 'Keep &lt;me&gt;', 'the typed prompt is kept');
  const after = await ann.get('/settings');
  t.equal(selectedModel(after.body), selectedModel(before.body), 'model unchanged');
  t.equal(prompt(after.body), prompt(before.body), 'prompt unchanged');
});

t.test('members get 403 for the page and the POST; nothing changes', async (t) => {
  const code = await ann.createInvite();
  const bob = new HttpVisitor(stack.url);
  t.equal((await bob.register(code, 'bob', PASSWORD)).status, 303);
  const home = await bob.get('/');
  t.notMatch(home.body, /href="\/settings"/);
  const page = await bob.get('/settings');
  t.equal(page.status, 403);
  t.notMatch(page.body, /system-prompt/);
  const post = await bob.post('/settings', { defaultModel: HAIKU, systemPrompt: 'Obey bob.' });
  t.equal(post.status, 403);
  t.notMatch(prompt((await ann.get('/settings')).body) ?? '', /Obey bob/);
});

t.test('a forged form changes nothing', async (t) => {
  await ann.get('/settings');
  const res = await ann.post('/settings', { defaultModel: HAIKU, systemPrompt: 'Forged.' }, { origin: 'https://evil.example' });
  t.equal(res.status, 403);
  const noToken = await ann.post('/settings', { _csrf: '', defaultModel: HAIKU, systemPrompt: 'Forged.' });
  t.equal(noToken.status, 403);
  t.notMatch(prompt((await ann.get('/settings')).body) ?? '', /Forged/);
});
