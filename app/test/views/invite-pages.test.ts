import t from 'tap';
import { createdInvite, inviteLink, invitePage } from '../../src/views/invite-pages.js';

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
  t.match(markup, /<time datetime="2026-12-01T10:00:00.000Z">Dec 1, 2026, 10:00 AM UTC<\/time>/);
});

t.test('the form keeps the values and marks the fields that need fixing', async (t) => {
  const markup = invitePage({
    csrfToken: 'tok',
    values: { role: 'admin', expiresInDays: '"91' },
    errors: { expiresInDays: 'Too long.' },
  }).value;
  t.match(markup, /<option value="admin" selected>Admin<\/option>/);
  t.match(markup, /value="&quot;91"/, 'the typed value comes back escaped');
  t.match(markup, /aria-invalid="true"\s+aria-describedby="invite-days-hint invite-days-error"/);
  t.match(markup, /<p class="field-error" id="invite-days-error">Too long\.<\/p>/);
  t.match(markup, /<section id="invite-result"[^>]*><div class="form-error" role="alert"><p>Too long\.<\/p><\/div><\/section>/);
  t.match(markup, /name="_csrf" value="tok"/);
});
