import t from 'tap';
import { EMULATOR_MARKERS } from '../src/bedrock-reply.js';
import { TOKENS_BEFORE_SILENCE, attemptOf, refusalBeforeStream, silenceAfter } from '../src/emulator-faults.js';

t.test('the attempt comes from the SDK header, 1 without it', async (t) => {
  t.equal(attemptOf({ 'amz-sdk-request': 'attempt=2; max=3' }), 2);
  t.equal(attemptOf({ 'amz-sdk-request': 'attempt=1; max=2' }), 1);
  t.equal(attemptOf({}), 1);
});

t.test('throttling before the first token: the first attempt only, or every attempt', async (t) => {
  const first = `hi ${EMULATOR_MARKERS.throttleFirstAttempt}`;
  t.match(refusalBeforeStream(first, { 'amz-sdk-request': 'attempt=1; max=2' }), { status: 429, errorType: 'ThrottlingException' });
  t.equal(refusalBeforeStream(first, { 'amz-sdk-request': 'attempt=2; max=2' }), undefined, 'the retry streams');
  const always = `hi ${EMULATOR_MARKERS.throttleBeforeStream}`;
  t.match(refusalBeforeStream(always, { 'amz-sdk-request': 'attempt=3; max=3' }), { status: 429 });
  t.equal(refusalBeforeStream('hi', {}), undefined, 'no marker, no refusal');
});

t.test('a silent stream stops after a few tokens', async (t) => {
  t.equal(silenceAfter(`hi ${EMULATOR_MARKERS.silent}`), TOKENS_BEFORE_SILENCE);
  t.equal(silenceAfter('hi'), undefined);
});
