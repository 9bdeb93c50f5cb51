/**
 * The admin's model catalogue: list, add, edit, disable and remove models.
 * Each change is a whole-settings PUT to the agent (which checks it again);
 * what is typed is checked here first so each field can say what to fix.
 * Members get 403 for every page and POST (before CSRF).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MODEL_ID_PATTERN, type ModelEntry, type Settings } from '@homeagent/contract';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import type { FieldErrors } from '../views/form-messages.js';
import { MODEL_FIELDS, modelFormPage, modelListPage, type CacheChoice, type ModelValues } from '../views/model-catalogue-pages.js';

function cacheChoiceOf(ttls: ModelEntry['cacheTtls']): CacheChoice {
  if (!ttls || ttls.length === 0) return '';
  return ttls.includes('1h') ? '5m+1h' : '5m';
}

const field = Type.Optional(Type.String({ maxLength: 1_000 }));
const ModelForm = Type.Object({
  _csrf: field,
  originalId: field,
  ...Object.fromEntries(MODEL_FIELDS.map((name) => [name, field])),
  acceptsTemperature: field,
  thinking: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('extended-budget'), Type.Literal('adaptive-effort')])),
  thinkingAlwaysOn: field,
  cache: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('5m'), Type.Literal('5m+1h')])),
  serviceTier: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('default'), Type.Literal('flex'), Type.Literal('priority'), Type.Literal('reserved')])),
});
const ModelIdForm = Type.Object({ _csrf: field, modelId: Type.String({ minLength: 1, maxLength: 1_000 }), enabled: field });
const ModelQuery = Type.Object({ id: Type.Optional(Type.String({ maxLength: 1_000 })) });

function valuesOf(m: ModelEntry): ModelValues {
  return Object.fromEntries(MODEL_FIELDS.map((name) => [name, m[name] === undefined ? '' : String(m[name])]));
}

const INTEGER_FIELDS = ['contextWindow', 'maxOutputTokens'] as const;
const PRICE_FIELDS = ['inputUsdPerMTok', 'outputUsdPerMTok', 'cacheWrite5mUsdPerMTok', 'cacheWrite1hUsdPerMTok', 'cacheReadUsdPerMTok'] as const;

/** The entry as typed, or what to fix in each field. */
export function parseModel(values: ModelValues, others: ModelEntry[]): { model: ModelEntry } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const modelId = (values.modelId ?? '').trim();
  if (modelId === '') errors.modelId = 'Enter the Bedrock model or inference-profile id, such as us.anthropic.claude-opus-4-6-v1.';
  else if (modelId.length > 200 || !new RegExp(MODEL_ID_PATTERN).test(modelId))
    errors.modelId = 'That is not a Bedrock model id: use lower-case letters, digits and . : / _ - (for example us.anthropic.claude-opus-4-6-v1).';
  else if (others.some((m) => m.modelId === modelId)) errors.modelId = 'That model is already in the catalogue.';
  const displayName = (values.displayName ?? '').trim();
  if (displayName === '' || displayName.length > 80) errors.displayName = 'Give the model a name people recognise, at most 80 characters.';
  const description = (values.description ?? '').trim();
  if (description.length > 200) errors.description = 'Keep the description to one line of at most 200 characters.';
  const numbers: Partial<Record<string, number>> = {};
  for (const name of INTEGER_FIELDS) {
    const n = Number((values[name] ?? '').trim().replace(/[,_ ]/g, ''));
    if (!Number.isInteger(n) || n < 1) errors[name] = 'Enter a whole number of tokens, 1 or more.';
    else numbers[name] = n;
  }
  for (const name of [...PRICE_FIELDS, 'defaultTemperature'] as const) {
    const typed = (values[name] ?? '').trim().replace(/^\$/, '');
    const n = Number(typed);
    const max = name === 'defaultTemperature' ? 1 : 1_000;
    if (typed === '' || !Number.isFinite(n) || n < 0 || n > max) errors[name] = name === 'defaultTemperature' ? 'Enter a temperature from 0 to 1.' : 'Enter a price of 0 or more dollars (at most 1000).';
    else numbers[name] = n;
  }
  if (numbers.contextWindow !== undefined && numbers.maxOutputTokens !== undefined && numbers.contextWindow <= numbers.maxOutputTokens) {
    errors.contextWindow = 'The context window must be larger than the maximum output: the reply is part of it.';
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    model: {
      modelId,
      displayName,
      description,
      contextWindow: numbers.contextWindow!,
      maxOutputTokens: numbers.maxOutputTokens!,
      defaultTemperature: numbers.defaultTemperature!,
      inputUsdPerMTok: numbers.inputUsdPerMTok!,
      outputUsdPerMTok: numbers.outputUsdPerMTok!,
      cacheWrite5mUsdPerMTok: numbers.cacheWrite5mUsdPerMTok!,
      cacheWrite1hUsdPerMTok: numbers.cacheWrite1hUsdPerMTok!,
      cacheReadUsdPerMTok: numbers.cacheReadUsdPerMTok!,
    },
  };
}

const modelRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', app.requireSession);
  app.addHook('onRequest', app.requireAdmin);

  async function save(userId: string, settings: Settings) {
    return app.agent.settings.put(userId, settings);
  }

  app.get('/models', async (request, reply) => {
    const settings = await app.agent.settings.get(request.signedIn.user.id);
    return reply.page('Models', modelListPage(settings.models, settings.defaultModel, await reply.csrfToken()));
  });

  app.get('/models/new', async (_request, reply) => {
    const values: ModelValues = { defaultTemperature: '1', cacheWrite5mUsdPerMTok: '0', cacheWrite1hUsdPerMTok: '0', cacheReadUsdPerMTok: '0' };
    return reply.page('Add a model', modelFormPage({ csrfToken: await reply.csrfToken(), values, acceptsTemperature: false, thinking: 'none', thinkingAlwaysOn: false, cache: '5m', serviceTier: '' }));
  });

  app.get('/models/edit', { schema: { querystring: ModelQuery } }, async (request, reply) => {
    const settings = await app.agent.settings.get(request.signedIn.user.id);
    const model = settings.models.find((m) => m.modelId === request.query.id);
    if (!model) return reply.redirect('/models', 303);
    return reply.page(
      'Edit model',
      modelFormPage({
        csrfToken: await reply.csrfToken(),
        originalId: model.modelId,
        values: valuesOf(model),
        acceptsTemperature: model.acceptsTemperature ?? false,
        thinking: model.thinking ?? 'none',
        thinkingAlwaysOn: model.thinkingAlwaysOn ?? false,
        cache: cacheChoiceOf(model.cacheTtls),
        serviceTier: model.serviceTier ?? '',
      }),
    );
  });

  app.post('/models', { schema: { body: ModelForm } }, async (request, reply) => {
    const { user } = request.signedIn;
    const body = request.body as Record<string, string | undefined>;
    const settings = await app.agent.settings.get(user.id);
    const originalId = body.originalId?.trim() || undefined;
    const existing = originalId ? settings.models.find((m) => m.modelId === originalId) : undefined;
    const others = settings.models.filter((m) => m.modelId !== originalId);
    const values = Object.fromEntries(MODEL_FIELDS.map((name) => [name, body[name] ?? ''])) as ModelValues;
    const acceptsTemperature = body.acceptsTemperature === 'true';
    const thinking = (body.thinking ?? 'none') as NonNullable<ModelEntry['thinking']>;
    const thinkingAlwaysOn = body.thinkingAlwaysOn === 'true' && thinking !== 'none';
    const cache = (body.cache ?? '5m') as CacheChoice;
    const serviceTier = body.serviceTier ?? '';
    const parsed = parseModel(values, others);
    if ('errors' in parsed) {
      const page = modelFormPage({ csrfToken: await reply.csrfToken(), ...(originalId ? { originalId } : {}), values, acceptsTemperature, thinking, thinkingAlwaysOn, cache, serviceTier, errors: parsed.errors });
      return reply.page(originalId ? 'Edit model' : 'Add a model', page, { status: 400 });
    }
    const { serviceTier: _oldTier, ...kept } = existing ?? ({} as Partial<ModelEntry>);
    const model: ModelEntry = {
      ...kept,
      ...parsed.model,
      acceptsTemperature,
      thinking,
      thinkingAlwaysOn,
      enabled: existing?.enabled ?? true,
      cacheTtls: cache === '' ? [] : cache === '5m' ? ['5m'] : ['5m', '1h'],
      ...(serviceTier ? { serviceTier: serviceTier as NonNullable<ModelEntry['serviceTier']> } : {}),
    };
    const models = existing ? settings.models.map((m) => (m.modelId === originalId ? model : m)) : [...settings.models, model];
    // The default follows a renamed id.
    const defaultModel = settings.defaultModel === originalId ? model.modelId : settings.defaultModel;
    await save(user.id, { ...settings, defaultModel, models });
    request.log.info({ modelId: model.modelId, added: !existing }, 'model catalogue changed');
    return reply.redirect('/models', 303);
  });

  async function change(request: FastifyRequest, reply: FastifyReply, edit: (s: Settings) => Settings | string) {
    const settings = await app.agent.settings.get(request.signedIn.user.id);
    const next = edit(settings);
    if (typeof next === 'string') {
      return reply.page('Models', modelListPage(settings.models, settings.defaultModel, await reply.csrfToken(), undefined, next), { status: 400 });
    }
    let saved;
    try {
      saved = await save(request.signedIn.user.id, next);
    } catch (error) {
      if (!(error instanceof AgentRequestError) || error.statusCode !== 400) throw error;
      return reply.page('Models', modelListPage(settings.models, settings.defaultModel, await reply.csrfToken(), undefined, error.message), { status: 400 });
    }
    return reply.page('Models', modelListPage(saved.models, saved.defaultModel, await reply.csrfToken(), 'Saved. The change applies from the next message on.'));
  }

  app.post('/models/enabled', { schema: { body: ModelIdForm } }, async (request, reply) =>
    change(request, reply, (settings) => {
      const { modelId, enabled } = request.body;
      if (!settings.models.some((m) => m.modelId === modelId)) return 'That model is not in the catalogue (any more).';
      if (modelId === settings.defaultModel && enabled !== 'true') return 'The default model cannot be disabled: choose another default on the Settings page first.';
      return { ...settings, models: settings.models.map((m) => (m.modelId === modelId ? { ...m, enabled: enabled === 'true' } : m)) };
    }),
  );

  app.post('/models/remove', { schema: { body: ModelIdForm } }, async (request, reply) =>
    change(request, reply, (settings) => {
      const { modelId } = request.body;
      if (!settings.models.some((m) => m.modelId === modelId)) return 'That model is not in the catalogue (any more).';
      if (modelId === settings.defaultModel) return 'The default model cannot be removed: choose another default on the Settings page first.';
      return { ...settings, models: settings.models.filter((m) => m.modelId !== modelId) };
    }),
  );
};

export default modelRoutes;
