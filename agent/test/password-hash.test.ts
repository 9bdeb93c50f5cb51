import t from 'tap';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../src/password-hash.js';

t.test('a hash verifies its password and nothing else', async (t) => {
  const hash = await hashPassword('correct horse battery');
  t.match(hash, /^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  t.ok(await verifyPassword('correct horse battery', hash));
  t.notOk(await verifyPassword('correct horse batterY', hash));
  t.notOk(await verifyPassword('', hash));
  t.not(await hashPassword('correct horse battery'), hash, 'a random salt makes every hash different');
});

t.test('a malformed stored hash never verifies', async (t) => {
  t.notOk(await verifyPassword('x', 'plain-text-password'));
  t.notOk(await verifyPassword('x', 'bcrypt$10$abc'));
});

t.test('the decoy hash is a real scrypt hash, made once', async (t) => {
  const decoy = await decoyPasswordHash();
  t.equal(await decoyPasswordHash(), decoy);
  t.match(decoy, /^scrypt\$15\$/);
  t.notOk(await verifyPassword('anything', decoy));
});
