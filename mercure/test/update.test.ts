import t from 'tap';
import { MAX_TOPICS, Update, UpdateValidationError } from '../src/update.js';

const code = (init: ConstructorParameters<typeof Update>[0], options?: { allowReserved?: boolean }) => {
  try {
    new Update(init).validate(options);
    return 'ok';
  } catch (error) {
    if (error instanceof UpdateValidationError) return error.code;
    throw error;
  }
};

t.test('a valid update keeps its fields; a missing id becomes a urn:uuid', async (t) => {
  const u = new Update({ topics: ['a', 'b'], data: 'x', private: true, type: 'done', retry: 10 }).validate();
  t.same(u.topics, ['a', 'b']);
  t.equal(u.private, true);
  t.match(u.id, /^urn:uuid:[0-9a-f-]{36}$/);
  t.not(new Update({ topics: ['a'] }).id, u.id);
  t.equal(new Update({ topics: ['a'], id: 'mine' }).id, 'mine');
});

t.test('validate() rejects what would break the hub or the SSE framing', async (t) => {
  t.equal(code({ topics: [] }), 'topic_missing');
  t.equal(code({ topics: [''] }), 'topic_missing');
  t.equal(code({ topics: Array.from({ length: MAX_TOPICS + 1 }, (_, i) => `t${i}`) }), 'too_many_topics');
  t.equal(code({ topics: Array.from({ length: MAX_TOPICS }, (_, i) => `t${i}`) }), 'ok');
  for (const bad of ['a\nb', 'a\rb', 'a\0b']) {
    t.equal(code({ topics: ['a'], id: bad }), 'field_injection', `id ${JSON.stringify(bad)}`);
    t.equal(code({ topics: ['a'], type: bad }), 'field_injection', `type ${JSON.stringify(bad)}`);
  }
  t.equal(code({ topics: ['a'], data: 'multi\nline\r\ndata' }), 'ok', 'data may span lines');
  t.equal(code({ topics: ['a'], retry: -1 }), 'retry_invalid');
  t.equal(code({ topics: ['a'], retry: 1.5 }), 'retry_invalid');
  t.equal(code({ topics: ['https://example.com/.well-known/mercure/subscriptions/x'] }), 'topic_reserved');
  t.equal(code({ topics: ['https://example.com/.well-known/mercure/subscriptions/x'] }, { allowReserved: true }), 'ok');
});

t.test('errors carry a code and a message a person understands', async (t) => {
  const error = t.throws(() => new Update({ topics: ['a'], id: 'x\ny' }).validate()) as UpdateValidationError;
  t.equal(error.code, 'field_injection');
  t.match(error.message, /"id".*CR, LF or NUL/);
});
