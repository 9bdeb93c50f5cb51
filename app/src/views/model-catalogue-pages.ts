/**
 * The admin's "Models" page: the catalogue of Bedrock models people may
 * use (add, edit, disable, remove), with what each accepts and costs. Plain
 * forms that post and come back, so it works without JavaScript.
 */
import type { ModelEntry } from '@homeagent/contract';
import { describedBy, errorSummary, fieldError, type FieldErrors } from './form-messages.js';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';

export type ModelValues = Partial<Record<ModelField, string>>;

export const MODEL_FIELDS = [
  'modelId',
  'displayName',
  'description',
  'contextWindow',
  'maxOutputTokens',
  'defaultTemperature',
  'inputUsdPerMTok',
  'outputUsdPerMTok',
  'cacheWrite5mUsdPerMTok',
  'cacheWrite1hUsdPerMTok',
  'cacheReadUsdPerMTok',
] as const;
export type ModelField = (typeof MODEL_FIELDS)[number];

const LABELS: Record<ModelField, string> = {
  modelId: 'Bedrock model or inference-profile id',
  displayName: 'Name people see',
  description: 'One-line description',
  contextWindow: 'Context window (tokens)',
  maxOutputTokens: 'Maximum output (tokens)',
  defaultTemperature: 'Default temperature (0 to 1)',
  inputUsdPerMTok: 'Input, $ per million tokens',
  outputUsdPerMTok: 'Output, $ per million tokens',
  cacheWrite5mUsdPerMTok: 'Cache write (5 minutes), $ per million tokens',
  cacheWrite1hUsdPerMTok: 'Cache write (1 hour), $ per million tokens',
  cacheReadUsdPerMTok: 'Cache read, $ per million tokens',
};

const THINKING_WORDS = { none: 'does not think', 'extended-budget': 'thinks with a token budget', 'adaptive-effort': 'thinks adaptively' } as const;

export function modelsPath(modelId?: string): string {
  return modelId ? `/models/edit?id=${encodeURIComponent(modelId)}` : '/models';
}

function modelRow(m: ModelEntry, defaultModel: string, csrfToken: string): Html {
  const isDefault = m.modelId === defaultModel;
  return html`<tr>
  <th scope="row">${m.displayName ?? m.modelId}${isDefault ? html` <span class="badge">default</span>` : ''}<br><code>${m.modelId}</code>
    <br><span class="hint">${m.description ?? ''}</span></th>
  <td>${(m.contextWindow ?? 0).toLocaleString('en-US')} / ${(m.maxOutputTokens ?? 0).toLocaleString('en-US')}</td>
  <td>$${m.inputUsdPerMTok} / $${m.outputUsdPerMTok}<br><span class="hint">cache $${m.cacheWrite5mUsdPerMTok ?? 0} · $${m.cacheWrite1hUsdPerMTok ?? 0} · read $${m.cacheReadUsdPerMTok ?? 0}</span></td>
  <td>${m.acceptsTemperature ? 'takes temperature' : 'no temperature'}; ${THINKING_WORDS[m.thinking ?? 'none']}</td>
  <td class="model-state">${m.enabled === false ? 'Disabled' : 'In use'}</td>
  <td class="model-actions">
    <a href="${modelsPath(m.modelId)}">Edit<span class="visually-hidden"> ${m.displayName ?? m.modelId}</span></a>
    ${isDefault
      ? ''
      : html`<form method="post" action="/models/enabled">
      ${csrfField(csrfToken)}<input type="hidden" name="modelId" value="${m.modelId}">
      <input type="hidden" name="enabled" value="${m.enabled === false ? 'true' : 'false'}">
      <button type="submit" class="button-quiet">${m.enabled === false ? 'Enable' : 'Disable'}<span class="visually-hidden"> ${m.displayName ?? m.modelId}</span></button>
    </form>
    <form method="post" action="/models/remove">
      ${csrfField(csrfToken)}<input type="hidden" name="modelId" value="${m.modelId}">
      <button type="submit" class="button-danger">Remove<span class="visually-hidden"> ${m.displayName ?? m.modelId}</span></button>
    </form>`}
  </td>
</tr>`;
}

export function modelListPage(models: ModelEntry[], defaultModel: string, csrfToken: string, notice?: string, error?: string): Html {
  return html`<main class="wide">
  <h1>Models</h1>
  <p class="lede">The Bedrock models people can pick for a chat, with what they cost. The default is chosen on the Settings page.</p>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  ${error ? html`<div class="form-error" role="alert">${error}</div>` : ''}
  <table class="model-table">
    <caption class="visually-hidden">Model catalogue</caption>
    <thead><tr><th scope="col">Model</th><th scope="col">Context / output</th><th scope="col">Price in / out</th><th scope="col">Accepts</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
    <tbody>${models.map((m) => modelRow(m, defaultModel, csrfToken))}</tbody>
  </table>
  <p><a class="button-primary" href="/models/new">Add a model</a></p>
</main>`;
}

export interface ModelFormOptions {
  csrfToken: string;
  /** the id being edited; none when adding */
  originalId?: string;
  values: ModelValues;
  acceptsTemperature: boolean;
  thinking: NonNullable<ModelEntry['thinking']>;
  thinkingAlwaysOn: boolean;
  /** '' none, '5m', or '5m+1h' */
  cache: CacheChoice;
  serviceTier: string;
  errors?: FieldErrors;
}

export type CacheChoice = '' | '5m' | '5m+1h';
const CACHE_WORDS: Record<CacheChoice, string> = { '': 'No cache points', '5m': '5-minute cache', '5m+1h': '5-minute and 1-hour cache' };
/** Bedrock's documented service tiers (ConverseStream serviceTier.type); '' sends none. */
const TIER_WORDS: Record<string, string> = { '': 'Not sent (Bedrock decides)', default: 'Default', flex: 'Flex', priority: 'Priority', reserved: 'Reserved' };

function textField(name: ModelField, values: ModelValues, errors: FieldErrors, extra: Html = html``): Html {
  const id = `model-${name}`;
  return html`<label for="${id}">${LABELS[name]}</label>
  <input id="${id}" name="${name}" type="text" value="${values[name] ?? ''}" aria-invalid="${errors[name] ? 'true' : 'false'}"
    aria-describedby="${describedBy(id, errors, name)}" ${extra}>
  ${fieldError(id, errors[name])}`;
}

export function modelFormPage({ csrfToken, originalId, values, acceptsTemperature, thinking, thinkingAlwaysOn, cache, serviceTier, errors = {} }: ModelFormOptions): Html {
  return html`<main class="narrow">
  <h1>${originalId ? 'Edit model' : 'Add a model'}</h1>
  <form method="post" action="/models" class="stacked" novalidate>
    ${csrfField(csrfToken)}
    ${originalId ? html`<input type="hidden" name="originalId" value="${originalId}">` : ''}
    ${errorSummary(errors)}
    ${MODEL_FIELDS.map((name) => textField(name, values, errors, name === 'modelId' ? html`autocomplete="off" spellcheck="false"` : html`inputmode="${name === 'displayName' || name === 'description' ? 'text' : 'decimal'}"`))}
    <label class="checkbox"><input type="checkbox" name="acceptsTemperature" value="true" ${acceptsTemperature ? html`checked` : ''}> Accepts a temperature</label>
    <label for="model-thinking">Thinking</label>
    <select id="model-thinking" name="thinking">
      ${(['none', 'extended-budget', 'adaptive-effort'] as const).map((mode) => html`<option value="${mode}" ${mode === thinking ? html`selected` : ''}>${THINKING_WORDS[mode]}</option>`)}
    </select>
    <label class="checkbox"><input type="checkbox" name="thinkingAlwaysOn" value="true" ${thinkingAlwaysOn ? html`checked` : ''}> Always thinks (cannot be turned off)</label>
    <label for="model-cache">Prompt caching</label>
    <select id="model-cache" name="cache">
      ${(Object.keys(CACHE_WORDS) as CacheChoice[]).map((c) => html`<option value="${c}" ${c === cache ? html`selected` : ''}>${CACHE_WORDS[c]}</option>`)}
    </select>
    <label for="model-tier">Service tier</label>
    <select id="model-tier" name="serviceTier" aria-describedby="model-tier-hint">
      ${Object.keys(TIER_WORDS).map((tier) => html`<option value="${tier}" ${tier === serviceTier ? html`selected` : ''}>${TIER_WORDS[tier]}</option>`)}
    </select>
    <p class="hint" id="model-tier-hint">Only where the model and region offer it; set the prices above to the tier's.</p>
    <button type="submit" class="button-primary">Save model</button>
    <a href="/models">Cancel</a>
  </form>
</main>`;
}
