// The stream runner end to end (hub, emulator, stop, errors, budget, crash
// recovery) is proven through its routes in test/routes/v1/conversations/messages.test.ts.
import t from 'tap';
import { describeBedrockError } from '../src/bedrock-error.js';

t.test('every Bedrock failure has a sentence a person understands, without technical names', async (t) => {
  const names = ['ThrottlingException', 'ValidationException', 'AccessDeniedException', 'ServiceUnavailableException', 'ModelNotReadyException', 'ModelTimeoutException', 'ModelStreamErrorException', 'InternalServerException', 'SomethingNew'];
  const sentences = new Set<string>();
  for (const name of names) {
    const sentence = describeBedrockError(Object.assign(new Error('x'), { name }));
    t.match(sentence, /^[A-Z].*\.$/, name);
    t.notMatch(sentence, /Exception|HTTP|\d{3}/, `${name}: no technical detail`);
    sentences.add(sentence);
  }
  t.match(describeBedrockError({ name: 'ThrottlingException' }), /too many requests/);
  t.match(describeBedrockError({ name: 'AccessDeniedException' }), /admin needs to enable model access/);
  t.match(describeBedrockError(undefined), /ran into a problem/);
  t.ok(sentences.size >= 5, 'the failures are told apart');
});
