import t from 'tap';
import { allowedOrigins } from '../../src/plugins/app/csrf.js';

t.test('local mode takes both names of the local edge, on its port only', async (t) => {
  for (const publicUrl of ['http://localhost:3000', 'http://127.0.0.1:3000']) {
    const origins = allowedOrigins(publicUrl);
    t.ok(origins.has('http://localhost:3000'), `${publicUrl}: localhost`);
    t.ok(origins.has('http://127.0.0.1:3000'), `${publicUrl}: 127.0.0.1`);
    t.notOk(origins.has('http://localhost:3001'), 'not another port');
    t.notOk(origins.has('http://evil.example'), 'not another site');
    t.equal(origins.size, 2);
  }
});

t.test('production keeps the one PUBLIC_URL origin', async (t) => {
  t.same([...allowedOrigins('https://chat.example.com')], ['https://chat.example.com']);
  t.same([...allowedOrigins('https://localhost:8443')], ['https://localhost:8443'], 'https is never local mode');
  t.same([...allowedOrigins('http://chat.test')], ['http://chat.test']);
});
