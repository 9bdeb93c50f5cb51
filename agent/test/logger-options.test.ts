import t from 'tap';
import { maskUrl } from '../src/logger-options.js';
import { buildAgent, registerUser, startStandIns } from './helper.js';

// dynalite and the real SDK on a shared machine: the default 30 s is too tight.
t.setTimeout(180_000);

t.test('maskUrl: a session id keeps its first characters, an invite code none', async (t) => {
  t.equal(maskUrl('/v1/sessions/abcdefghijkl'), '/v1/sessions/abcdef…');
  t.equal(maskUrl('/v1/invites/CODE-123?x=1'), '/v1/invites/[redacted]?x=1');
  t.equal(maskUrl('/v1/invites'), '/v1/invites', 'the list carries no code');
  t.equal(maskUrl('/v1/shared/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG/attachments/x1'), '/v1/shared/[redacted]/attachments/x1', 'a share token is as good as the snapshot');
});

t.test('revoking an invite does not write its code to the request log', async (t) => {
  const standIns = await startStandIns(t);
  const agent = await buildAgent(t, standIns);
  const admin = await registerUser(agent, 'admin');
  const invite = await agent.app.invites.create({ role: 'member' });
  const res = await agent.call('DELETE', `/v1/invites/${encodeURIComponent(invite.code)}`, { userId: admin.id });
  t.ok(res.statusCode < 500, `answered ${res.statusCode}`);
  t.ok(agent.logs.lines.some((l) => (l.req as { url?: string } | undefined)?.url === '/v1/invites/[redacted]'), 'the request is logged, without the code');
  t.notOk(agent.logs.raw.some((line) => line.includes(invite.code)), 'the code is in no line');
});
