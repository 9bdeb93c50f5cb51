import t from 'tap';
import { oidcPreflight } from '../src/oidc-preflight.js';
import { testConfig } from './synthesized-stack.js';

const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
const other = 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC';

t.test('an account with the provider: creating another is refused before the apply, with the value to set', async (t) => {
  const r = oidcPreflight(testConfig(), [other, arn]);
  t.equal(r.ok, false);
  t.match(r.line, `set "githubOidcProviderArn": "${arn}"`);
  t.notMatch(r.line, /\n/, 'one line');
  t.equal(oidcPreflight(testConfig({ githubOidcProviderArn: arn }), [arn]).ok, true, 'reusing it by ARN is fine');
  t.equal(oidcPreflight(testConfig({ githubOidcProviderExists: true }), [arn]).ok, true, 'and by lookup');
  t.equal(oidcPreflight(testConfig({ githubOidcProviderArn: arn.replace('123456789012', '210987654321') }), [arn]).ok, false, 'a wrong ARN is refused');
});

t.test('an account without it: the stack creates it; a reuse setting is refused', async (t) => {
  t.same(oidcPreflight(testConfig(), [other]), { ok: true, line: 'GitHub OIDC provider: none yet, the stack creates it' });
  const r = oidcPreflight(testConfig({ githubOidcProviderExists: true }), []);
  t.equal(r.ok, false);
  t.match(r.line, /has no GitHub OIDC provider: remove/);
});
