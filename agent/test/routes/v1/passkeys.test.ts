/**
 * Passkeys through the agent's API, answered by a software authenticator
 * (real keys, real signatures): adding one, signing in with it, and every
 * refusal — unknown passkey, replayed or expired challenge, another
 * person's challenge, wrong origin, disabled person — with a clear 4xx and
 * no passkey or session written.
 */
import t from 'tap';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PasskeyInfo, User } from '@homeagent/contract';
import { hashToken } from '../../../src/token-hash.js';
import { buildAgent, PUBLIC_URL, registerUser, startStandIns } from '../../helper.js';
import { SoftwareAuthenticator, type CreationOptions, type RequestOptions } from '../../software-authenticator.js';

t.setTimeout(240_000);

const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns);
const admin = await registerUser(agent, 'admin', 'pk-admin');
const ann = await registerUser(agent, 'member', 'pk-ann');
const phone = new SoftwareAuthenticator();

async function registrationOptions(user: User): Promise<CreationOptions> {
  const response = await agent.call('POST', '/v1/passkeys/registration-options', { userId: user.id });
  if (response.statusCode !== 200) throw new Error(`options answered ${response.statusCode}: ${response.body}`);
  return response.json().options as CreationOptions;
}

async function signInOptions(): Promise<RequestOptions> {
  const response = await agent.call('POST', '/v1/sessions/passkey-options');
  if (response.statusCode !== 200) throw new Error(`options answered ${response.statusCode}: ${response.body}`);
  return response.json().options as RequestOptions;
}

const passkeysOf = async (user: User) => (await agent.call('GET', '/v1/passkeys', { userId: user.id })).json().passkeys as PasskeyInfo[];
const sessionsOf = async (user: User) => (await agent.app.sessions.listOf(user.id)).length;
const signIn = (credential: unknown) => agent.call('POST', '/v1/sessions/passkey', { body: { credential } });

async function latestAudit(action: string) {
  const response = await agent.call('GET', `/v1/audit?action=${action}&limit=5`, { userId: admin.id });
  return response.json().entries as Array<{ actor: { userId?: string; username: string }; outcome: string; detail?: Record<string, unknown>; target?: { id?: string } }>;
}

t.test('the options name this installation as the relying party and ask for a discoverable, verified passkey', async (t) => {
  const options = (await registrationOptions(ann)) as CreationOptions & Record<string, any>;
  t.equal(options.rp.id, 'chat.example.test', 'the RP id is the host of PUBLIC_URL');
  t.equal(options.user.id, Buffer.from(ann.id).toString('base64url'), 'the user handle is the person id');
  t.equal(options.authenticatorSelection.residentKey, 'required');
  t.equal(options.authenticatorSelection.userVerification, 'required');
  const signInOpts = (await signInOptions()) as RequestOptions & Record<string, any>;
  t.equal(signInOpts.rpId, 'chat.example.test');
  t.notOk(signInOpts.allowCredentials?.length, 'no credentials listed: the browser offers its own');
  t.not(signInOpts.challenge, options.challenge, 'every challenge is new');
});

t.test('a passkey made for another origin is refused, and nothing is stored', async (t) => {
  const options = await registrationOptions(ann);
  const response = await agent.call('POST', '/v1/passkeys', { userId: ann.id, body: { name: 'Evil', credential: phone.create(options, 'https://evil.example') } });
  t.equal(response.statusCode, 400);
  t.match(response.json(), { code: 'passkey_invalid', message: /could not be verified for this site/ });
  t.same(await passkeysOf(ann), []);
});

t.test("another person's registration challenge is refused", async (t) => {
  const options = await registrationOptions(admin);
  const response = await agent.call('POST', '/v1/passkeys', { userId: ann.id, body: { name: 'Phone', credential: phone.create(options, PUBLIC_URL) } });
  t.equal(response.statusCode, 400);
  t.match(response.json(), { code: 'challenge_invalid', message: /expired or was already answered/ });
  t.same(await passkeysOf(ann), []);
});

let passkey: PasskeyInfo;

t.test('Ann adds a passkey; it is listed with its name and an audit entry says so', async (t) => {
  const options = await registrationOptions(ann);
  const credential = phone.create(options, PUBLIC_URL);
  const response = await agent.call('POST', '/v1/passkeys', { userId: ann.id, body: { name: ' Phone ', credential } });
  t.equal(response.statusCode, 201, response.body);
  passkey = response.json<PasskeyInfo>();
  t.equal(passkey.name, 'Phone');
  t.equal(passkey.id, hashToken(phone.id), 'named by the hash of its credential id');
  t.same((await passkeysOf(ann)).map((p) => p.name), ['Phone']);

  const replay = await agent.call('POST', '/v1/passkeys', { userId: ann.id, body: { name: 'Again', credential } });
  t.equal(replay.statusCode, 400, 'the same answer twice: its challenge is used');
  t.match(replay.json(), { code: 'challenge_invalid' });
  t.equal((await passkeysOf(ann)).length, 1);

  const [entry] = await latestAudit('passkey.added');
  t.match(entry, { actor: { userId: ann.id, username: 'pk-ann' }, target: { id: passkey.id }, detail: { name: 'Phone' } });
});

t.test('Ann signs in with it, no username needed; last used is noted', async (t) => {
  const before = await sessionsOf(ann);
  const response = await signIn(phone.get(await signInOptions(), PUBLIC_URL));
  t.equal(response.statusCode, 201, response.body);
  t.equal(response.json().user.id, ann.id);
  t.equal(await sessionsOf(ann), before + 1);
  t.ok((await passkeysOf(ann))[0]?.lastUsedAt, 'last used is set');
  const [entry] = await latestAudit('sign_in.succeeded');
  t.match(entry, { actor: { userId: ann.id }, detail: { method: 'passkey' } });
});

t.test('a replayed sign-in answer is refused and starts no session', async (t) => {
  const answer = phone.get(await signInOptions(), PUBLIC_URL);
  t.equal((await signIn(answer)).statusCode, 201);
  const before = await sessionsOf(ann);
  const replay = await signIn(answer);
  t.equal(replay.statusCode, 400);
  t.match(replay.json(), { code: 'challenge_invalid', message: /expired or was already answered/ });
  t.equal(await sessionsOf(ann), before);
  const [entry] = await latestAudit('sign_in.failed');
  t.match(entry, { outcome: 'refused', detail: { method: 'passkey', reason: 'challenge_invalid' } });
});

t.test('an expired challenge is refused', async (t) => {
  const options = await signInOptions();
  // Its five minutes are over: move its expiry into the past rather than wait.
  await agent.app.dynamo.send(
    new UpdateCommand({
      TableName: standIns.dynamo.tableName,
      Key: { pk: `PASSKEY_CHALLENGE#${hashToken(options.challenge)}`, sk: 'CHALLENGE' },
      UpdateExpression: 'SET #ttl = :past',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
    }),
  );
  const before = await sessionsOf(ann);
  const response = await signIn(phone.get(options, PUBLIC_URL));
  t.equal(response.statusCode, 400);
  t.match(response.json(), { code: 'challenge_invalid' });
  t.equal(await sessionsOf(ann), before);
});

t.test('a registration challenge does not sign anyone in', async (t) => {
  const options = await registrationOptions(ann);
  const response = await signIn(phone.get({ challenge: options.challenge, rpId: 'chat.example.test' }, PUBLIC_URL));
  t.equal(response.statusCode, 400);
  t.match(response.json(), { code: 'challenge_invalid' });
});

t.test('a sign-in answer made on another origin, or for another RP id, is refused', async (t) => {
  const before = await sessionsOf(ann);
  const evil = await signIn(phone.get(await signInOptions(), 'https://evil.example'));
  t.equal(evil.statusCode, 401);
  t.match(evil.json(), { code: 'passkey_invalid', message: /could not be verified for this site/ });
  const otherRp = await signIn(phone.get(await signInOptions(), PUBLIC_URL, 'evil.example'));
  t.equal(otherRp.statusCode, 401);
  t.match(otherRp.json(), { code: 'passkey_invalid' });
  t.equal(await sessionsOf(ann), before);
});

t.test('an unknown passkey is refused, even one claiming to be Ann’s', async (t) => {
  const stranger = new SoftwareAuthenticator();
  stranger.userHandle = Buffer.from(ann.id).toString('base64url');
  const before = await sessionsOf(ann);
  const response = await signIn(stranger.get(await signInOptions(), PUBLIC_URL));
  t.equal(response.statusCode, 401);
  t.match(response.json(), { code: 'passkey_unknown', message: /does not belong to an account here/ });
  t.equal(await sessionsOf(ann), before);
  const nobody = new SoftwareAuthenticator();
  nobody.userHandle = Buffer.from('nosuchperson').toString('base64url');
  t.equal((await signIn(nobody.get(await signInOptions(), PUBLIC_URL))).statusCode, 401);
});

t.test('a disabled person cannot sign in with their passkey', async (t) => {
  t.equal((await agent.call('PUT', `/v1/users/${ann.id}/state`, { userId: admin.id, body: { state: 'disabled' } })).statusCode, 200);
  const response = await signIn(phone.get(await signInOptions(), PUBLIC_URL));
  t.equal(response.statusCode, 403);
  t.same(response.json().message, 'This account is disabled. Ask an admin.');
  t.equal(await sessionsOf(ann), 0, 'disabling ended every session and this one started none');
  const [entry] = await latestAudit('sign_in.failed');
  t.match(entry, { actor: { userId: ann.id }, detail: { method: 'passkey', reason: 'disabled' } });
  t.equal((await agent.call('PUT', `/v1/users/${ann.id}/state`, { userId: admin.id, body: { state: 'active' } })).statusCode, 200);
});

t.test('Ann removes her passkey; signing in with it is refused from then on', async (t) => {
  const removed = await agent.call('DELETE', `/v1/passkeys/${passkey.id}`, { userId: ann.id });
  t.equal(removed.statusCode, 204);
  t.same(await passkeysOf(ann), []);
  const again = await agent.call('DELETE', `/v1/passkeys/${passkey.id}`, { userId: ann.id });
  t.equal(again.statusCode, 404);
  const response = await signIn(phone.get(await signInOptions(), PUBLIC_URL));
  t.equal(response.statusCode, 401);
  t.match(response.json(), { code: 'passkey_unknown' });
  const [entry] = await latestAudit('passkey.removed');
  t.match(entry, { actor: { userId: ann.id }, target: { id: passkey.id } });
});

t.test("nobody removes another person's passkey", async (t) => {
  const laptop = new SoftwareAuthenticator();
  const made = await agent.call('POST', '/v1/passkeys', { userId: admin.id, body: { name: 'Laptop', credential: laptop.create(await registrationOptions(admin), PUBLIC_URL) } });
  t.equal(made.statusCode, 201);
  const response = await agent.call('DELETE', `/v1/passkeys/${made.json<PasskeyInfo>().id}`, { userId: ann.id });
  t.equal(response.statusCode, 404);
  t.equal((await passkeysOf(admin)).length, 1);
});

t.test('removing an account deletes its passkeys', async (t) => {
  const bob = await registerUser(agent, 'member', 'pk-bob');
  const key = new SoftwareAuthenticator();
  t.equal((await agent.call('POST', '/v1/passkeys', { userId: bob.id, body: { name: 'Key', credential: key.create(await registrationOptions(bob), PUBLIC_URL) } })).statusCode, 201);
  t.equal((await agent.call('DELETE', `/v1/users/${bob.id}`, { userId: admin.id })).statusCode, 204);
  const items = (await agent.app.dynamo.send(new ScanCommand({ TableName: standIns.dynamo.tableName }))).Items ?? [];
  t.same(items.filter((i) => String(i.sk).startsWith('PASSKEY#') && i.userId === bob.id), [], 'no passkey of theirs is left');
  t.equal((await signIn(key.get(await signInOptions(), PUBLIC_URL))).statusCode, 401);
});

t.test('malformed answers are a 400, never a 5xx', async (t) => {
  const options = await signInOptions();
  const good = phone.get(options, PUBLIC_URL);
  const notJson = await signIn({ ...good, response: { ...good.response, clientDataJSON: Buffer.from('not json').toString('base64url') } });
  t.equal(notJson.statusCode, 400);
  t.match(notJson.json(), { code: 'passkey_invalid' });
  const missing = await agent.call('POST', '/v1/sessions/passkey', { body: { credential: { id: 'x' } } });
  t.equal(missing.statusCode, 400);
  t.match(missing.json(), { code: 'validation' });
});

t.test('no credential material reaches the logs', async (t) => {
  // A refused answer (the passkey is gone) is the one most likely to be logged whole.
  const answer = phone.get(await signInOptions(), PUBLIC_URL);
  t.equal((await signIn(answer)).statusCode, 401);
  const log = agent.logs.raw.join('\n');
  t.notOk(log.includes(answer.response.signature), 'no signature');
  t.notOk(log.includes(answer.response.clientDataJSON), 'no client data');
  t.notMatch(log, /attestationObject|"publicKey":"[A-Za-z0-9_-]/);
});
