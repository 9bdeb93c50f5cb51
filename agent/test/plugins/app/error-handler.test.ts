import t from 'tap';
import Fastify from 'fastify';
import errorHandler, { describeValidation } from '../../../src/plugins/app/error-handler.js';
import metrics from '../../../src/plugins/app/metrics.js';
import { HttpError } from '../../../src/http-error.js';
import { LogCapture } from '../../helper.js';

t.test('validation issues read as one sentence naming the field', async (t) => {
  t.equal(describeValidation([{ keyword: 'required', instancePath: '', params: { requiredProperties: ['text'] } }], 'body'), '"text" is required in the request body.');
  t.equal(describeValidation([{ keyword: 'required', instancePath: '', params: { requiredProperties: ['x-user-id'] } }], 'headers'), 'The header "x-user-id" is required.');
  t.equal(describeValidation([{ keyword: 'type', instancePath: '', params: { type: 'object' } }], 'body'), 'The request body must be an object.');
  t.equal(describeValidation([{ keyword: 'maxLength', instancePath: '/text', params: { limit: 5 } }], 'body'), '"text" must be at most 5 characters long.');
  t.equal(describeValidation([{ keyword: 'type', instancePath: '/models/0/inputUsdPerMTok', params: { type: 'number' } }], 'body'), '"models.0.inputUsdPerMTok" must be a number.');
  t.equal(
    describeValidation(
      [
        { keyword: 'const', instancePath: '/role', params: { allowedValue: 'admin' } },
        { keyword: 'const', instancePath: '/role', params: { allowedValue: 'member' } },
        { keyword: 'anyOf', instancePath: '/role', params: {} },
      ],
      'body',
    ),
    '"role" must be one of "admin", "member".',
  );
});

t.test('a 5xx shows a generic line with the request id; the cause is logged, not shown', async (t) => {
  const logs = new LogCapture();
  const app = Fastify({ logger: { level: 'info', stream: logs } });
  await app.register(metrics);
  await app.register(errorHandler);
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  app.get('/teapot', async () => {
    throw new HttpError(409, 'busy', 'Try later.');
  });
  t.teardown(() => app.close());

  const boom = await app.inject({ method: 'GET', url: '/boom' });
  t.equal(boom.statusCode, 500);
  const body = boom.json();
  t.match(body, { statusCode: 500, code: 'internal', requestId: String });
  t.match(body.message, new RegExp(`quote request id ${body.requestId}`));
  t.notMatch(boom.body, /hunter2/, 'the internal message is not shown');
  t.ok(logs.raw.some((l) => l.includes('hunter2') && l.includes('request failed')), 'but it is logged');
  t.ok(logs.lines.some((l) => l.msg === 'metric' && l.AgentErrors === 1), 'and counted');

  const busy = await app.inject({ method: 'GET', url: '/teapot' });
  t.equal(busy.statusCode, 409);
  t.match(busy.json(), { statusCode: 409, code: 'busy', message: 'Try later.' });
});
