import t from 'tap';
import { createdInvite, inviteLink, invitePage, openInvites } from '../../src/views/invite-pages.js';

t.test('the share link opens the register page with the code, encoded', async (t) => {
  t.equal(inviteLink('https://chat.example.com', 'abc_DEF-123'), 'https://chat.example.com/register?invite=abc_DEF-123');
  t.equal(inviteLink('https://chat.example.com/', 'a b&c=d'), 'https://chat.example.com/register?invite=a+b%26c%3Dd');
  t.equal(new URL(inviteLink('http://localhost:3000', 'a b&c=d')).searchParams.get('invite'), 'a b&c=d', 'reads back as the code');
});

t.test('a new invite is shown escaped, with its role and expiry', async (t) => {
  const code = '"><script>x</script>';
  const markup = createdInvite({
    invite: { code, role: 'admin', expiresAt: '2026-12-01T10:00:00.000Z' },
    link: inviteLink('https://chat.example.com', code),
  }).value;
  t.notMatch(markup, /<script>/);
  t.match(markup, /id="created-invite-code"[^>]*value="&quot;&gt;&lt;script&gt;x&lt;\/script&gt;"/);
  t.match(markup, /makes them an\s+<strong>admin<\/strong>/);
  t.match(markup, /<time datetime="2026-12-01T10:00:00.000Z" data-local-time>Dec 1, 2026<\/time>/);
});

t.test('the form keeps the values and marks the fields that need fixing', async (t) => {
  const markup = invitePage({
    csrfToken: 'tok',
    values: { role: 'admin', expiresInDays: '"91' },
    errors: { expiresInDays: 'Too long.' },
    open: { invites: [], publicUrl: 'https://chat.example.com' },
  }).value;
  t.match(markup, /<option value="admin" selected>Admin<\/option>/);
  t.match(markup, /value="&quot;91"/, 'the typed value comes back escaped');
  t.match(markup, /aria-invalid="true"\s+aria-describedby="invite-days-hint invite-days-error"/);
  t.match(markup, /<p class="field-error" id="invite-days-error">Too long\.<\/p>/);
  t.match(markup, /<section id="invite-result"[^>]*><div class="form-error" role="alert"><p>Too long\.<\/p><\/div><\/section>/);
  t.match(markup, /name="_csrf" value="tok"/);
});

t.test('open invites: made, role, expiry and a Revoke button each, by id, never a code', async (t) => {
  const id = 'abc"<b>';
  const markup = openInvites({
    invites: [
      { id, role: 'member', createdAt: '2026-11-20T10:00:00.000Z', expiresAt: '2026-11-27T10:00:00.000Z' },
      { id: 'second_id', role: 'admin', createdAt: '2026-11-19T10:00:00.000Z', expiresAt: '2026-11-20T10:00:00.000Z' },
    ],
    publicUrl: 'https://chat.example.com',
    csrfToken: 'tok',
  }).value;
  t.notMatch(markup, /<b>/, 'nothing from the data is markup');
  t.notMatch(markup, /register\?invite=/, 'no link: the code is shown only when the invite is made');
  t.match(markup, /action="\/invites\/abc%22%3Cb%3E\/revoke"/, 'the id is encoded in the revoke address');
  t.match(markup, /aria-label="Revoke the admin invite expiring 2026-11-20 10:00 UTC">Revoke<\/button>/, 'each button names its invite');
  t.equal(markup.match(/name="_csrf" value="tok"/g)?.length, 2, 'every Revoke form carries the token');
  t.match(markup, /<td>admin<\/td>\s*<td><time datetime="2026-11-20T10:00:00.000Z"/);
  t.ok(markup.indexOf('abc%22') < markup.indexOf('second_id'), 'in the order given (the agent sends newest first)');
});

t.test('no open invites: a sentence instead of an empty table', async (t) => {
  const markup = openInvites({ invites: [], publicUrl: 'https://chat.example.com', csrfToken: 'tok', notice: 'Revoked <now>.' }).value;
  t.notMatch(markup, /<table/);
  t.match(markup, /No open invites/);
  t.match(markup, /<p class="notice" role="status">Revoked &lt;now&gt;\.<\/p>/);
});
