/**
 * The admin's "Settings" page: the default model (from the allowlist the
 * agent keeps, with prices) and the system prompt. The form updates itself:
 * with htmx the answer is the form again, saved or with what to fix.
 */
import { LIMITS, type Settings } from '@homeagent/contract';
import { describedBy, errorSummary, fieldError, type FieldErrors } from './form-messages.js';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';

export interface SettingsValues {
  defaultModel?: string;
  systemPrompt?: string;
}

export interface SettingsFormOptions {
  settings: Settings;
  csrfToken: string;
  /** what was typed, kept after a refusal */
  values?: SettingsValues;
  errors?: FieldErrors;
  notice?: string;
}

function price(amount: number): string {
  return `$${amount}`;
}

export function settingsForm({ settings, csrfToken, values = {}, errors = {}, notice }: SettingsFormOptions): Html {
  const model = values.defaultModel ?? settings.defaultModel;
  const prompt = values.systemPrompt ?? settings.systemPrompt;
  return html`<form id="settings-form" method="post" action="/settings" class="stacked" novalidate
    hx-post="/settings" hx-target="this" hx-swap="outerHTML" hx-disable="find button">
  ${csrfField(csrfToken)}
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  ${errorSummary(errors)}
  <label for="default-model">Default model</label>
  <select id="default-model" name="defaultModel" aria-invalid="${errors.defaultModel ? 'true' : 'false'}"
    aria-describedby="${describedBy('default-model', errors, 'defaultModel', 'default-model-hint')}">
    ${settings.models.map(
      (m) => html`<option value="${m.modelId}" ${m.modelId === model ? html`selected` : ''}>${m.modelId} (${price(m.inputUsdPerMTok)} in / ${price(m.outputUsdPerMTok)} out per million tokens)</option>`,
    )}
  </select>
  <p class="hint" id="default-model-hint">The Bedrock model every new reply uses. Prices are what budgets are counted in.</p>
  ${fieldError('default-model', errors.defaultModel)}

  <label for="system-prompt">System prompt</label>
  <textarea id="system-prompt" name="systemPrompt" rows="8" maxlength="${LIMITS.systemPromptMax}" required
    aria-invalid="${errors.systemPrompt ? 'true' : 'false'}"
    aria-describedby="${describedBy('system-prompt', errors, 'systemPrompt', 'system-prompt-hint')}">${prompt}</textarea>
  <p class="hint" id="system-prompt-hint">What Claude is told before every conversation, at most ${LIMITS.systemPromptMax.toLocaleString('en-US')} characters. Replies use it from the next message on.</p>
  ${fieldError('system-prompt', errors.systemPrompt)}

  <button type="submit" class="button-primary">Save settings</button>
</form>`;
}

export function settingsPage(options: SettingsFormOptions): Html {
  return html`<main class="narrow">
  <h1>Settings</h1>
  <p class="lede">These apply to everyone on this HomeAgent.</p>
  ${settingsForm(options)}
  <section class="settings-sharing" aria-label="Shared links"><p><a href="/settings/sharing">Shared links: who can open them</a></p></section>
</main>`;
}
