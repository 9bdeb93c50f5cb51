import t from 'tap';
import { redactedUrl } from '../src/app.js';

t.test('redactedUrl hides every authorization query value, however the name is written', async (t) => {
  t.equal(redactedUrl('/.well-known/mercure?topic=a&authorization=jwt'), '/.well-known/mercure?topic=a&authorization=[redacted]');
  t.equal(redactedUrl('/.well-known/mercure?%61uthorization=jwt&topic=a'), '/.well-known/mercure?%61uthorization=[redacted]&topic=a');
  t.equal(redactedUrl('/x?AUTHORIZATION=jwt'), '/x?AUTHORIZATION=[redacted]');
  t.equal(redactedUrl('/x?authorization'), '/x?authorization=[redacted]');
  t.equal(redactedUrl('/x?topic=https%3A%2F%2Fa%2Fb&lastEventID=m%3A1'), '/x?topic=https%3A%2F%2Fa%2Fb&lastEventID=m%3A1', 'other fields unchanged');
  t.equal(redactedUrl('/healthz'), '/healthz');
  t.equal(redactedUrl('/x?bad=%zz&authorization=jwt'), '/x?bad=%zz&authorization=[redacted]', 'malformed encoding elsewhere does not stop it');
});
