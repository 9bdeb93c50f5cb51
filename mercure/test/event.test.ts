import t from 'tap';
import { HEARTBEAT, serializeEvent } from '../src/event.js';
import { Update } from '../src/update.js';

t.test('fields in order event, retry, id, one data line per line, blank line', async (t) => {
  const frame = serializeEvent(new Update({ topics: ['a'], id: 'id-1', type: 'done', retry: 1500, data: 'one\ntwo\r\nthree\rfour' }));
  t.equal(frame.toString(), 'event: done\nretry: 1500\nid: id-1\ndata: one\ndata: two\ndata: three\ndata: four\n\n');
});

t.test('minimal event: id and an empty data line, so EventSource still dispatches it', async (t) => {
  t.equal(serializeEvent(new Update({ topics: ['a'], id: 'x' })).toString(), 'id: x\ndata: \n\n');
});

t.test('unicode data survives as UTF-8', async (t) => {
  const frame = serializeEvent(new Update({ topics: ['a'], id: 'x', data: 'héllo 👋' }));
  t.equal(frame.toString('utf8'), 'id: x\ndata: héllo 👋\n\n');
});

t.test('heartbeat is a comment', async (t) => {
  t.equal(HEARTBEAT.toString(), ':\n');
});
