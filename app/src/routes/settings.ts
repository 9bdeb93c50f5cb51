/**
 * Admins choose the default model (from the agent's allowlist) and the
 * system prompt. Members get 403 for the page and the POST (before CSRF).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LIMITS, type Settings } from '@homeagent/contract';
import { wantsPartial } from '../plugins/app/page-reply.js';
import { SettingsForm } from '../schemas/settings.js';
import type { FieldErrors } from '../views/form-messages.js';
import { settingsForm, settingsPage, type SettingsFormOptions } from '../views/settings-pages.js';

function checkSettings(settings: Settings, defaultModel: string, systemPrompt: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!settings.models.some((m) => m.modelId === defaultModel)) errors.defaultModel = 'Choose one of the models on the list.';
  if (systemPrompt.trim() === '') errors.systemPrompt = 'Write a system prompt: Claude is always told something first.';
  else if (systemPrompt.length > LIMITS.systemPromptMax)
    errors.systemPrompt = `The system prompt is too long: at most ${LIMITS.systemPromptMax.toLocaleString('en-US')} characters, this one has ${systemPrompt.length.toLocaleString('en-US')}.`;
  return errors;
}

const settingsRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.requireSession);
  app.addHook('onRequest', app.requireAdmin);

  async function answer(request: FastifyRequest, reply: FastifyReply, status: number, options: SettingsFormOptions) {
    // htmx swaps the form alone; a plain post gets the page.
    if (wantsPartial(request)) return reply.fragment(settingsForm(options), status);
    return reply.page('Settings', settingsPage(options), { status });
  }

  app.get('/settings', async (request, reply) => {
    const { user } = request.signedIn;
    const [settings, access] = await Promise.all([app.agent.settings.get(user.id), app.agent.settings.accessProblem(user.id)]);
    return answer(request, reply, 200, { settings, accessProblem: access.problem, csrfToken: await reply.csrfToken() });
  });

  app.post('/settings', { schema: { body: SettingsForm } }, async (request, reply) => {
    const { user } = request.signedIn;
    const current = await app.agent.settings.get(user.id);
    const defaultModel = (request.body.defaultModel ?? '').trim();
    // Browsers send a textarea's line breaks as CRLF; the model needs no carriage returns.
    const systemPrompt = (request.body.systemPrompt ?? '').replace(/\r\n?/g, '\n').trim();
    const csrfToken = await reply.csrfToken();
    const errors = checkSettings(current, defaultModel, systemPrompt);
    if (Object.keys(errors).length > 0) {
      return answer(request, reply, 400, { settings: current, csrfToken, values: { defaultModel, systemPrompt }, errors });
    }
    // The model list (with prices) is kept as it is: this form changes only the two fields it shows.
    const saved = await app.agent.settings.put(user.id, { models: current.models, defaultModel, systemPrompt });
    request.log.info({ defaultModel, systemPromptChars: systemPrompt.length }, 'settings saved');
    return answer(request, reply, 200, { settings: saved, csrfToken, notice: 'Saved. Replies use these settings from the next message on.' });
  });
};

export default settingsRoutes;
