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

/** The newest time Bedrock refused access to a model (from the agent). */
export interface AccessProblem {
  at: string;
  modelId: string;
  errorName: string;
  detail: string;
}

export interface SettingsFormOptions {
  settings: Settings;
  accessProblem?: AccessProblem | null;
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
    ${settings.models
      .filter((m) => m.enabled !== false || m.modelId === model)
      .map(
        (m) => html`<option value="${m.modelId}" ${m.modelId === model ? html`selected` : ''}>${m.displayName ?? m.modelId} — ${m.modelId} (${price(m.inputUsdPerMTok)} in / ${price(m.outputUsdPerMTok)} out per million tokens)</option>`,
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

/**
 * What an admin checks when Bedrock refused access (issue 15): people only see the plain
 * message; the causes are the account's, not theirs. Steps per the Amazon Bedrock user guide
 * ("Access Amazon Bedrock foundation models", read 2026-12-01): since 2025 serverless models are
 * enabled on first use through AWS Marketplace, and Anthropic models need the first-use form.
 */
function accessProblemNotice(problem: AccessProblem): Html {
  return html`<section class="access-problem" role="alert" aria-labelledby="access-heading">
  <h2 id="access-heading">Bedrock refused access to a model</h2>
  <p>On ${problem.at.slice(0, 16).replace('T', ' ')} UTC, Amazon Bedrock refused <code>${problem.modelId}</code> (${problem.errorName}). People were told the model is not available yet. Check, in this order:</p>
  <ol>
    <li>In the Amazon Bedrock console of the installation's region, open the model's page and send one message in the playground: the first use subscribes the account through AWS Marketplace, and Anthropic models ask for the first-use form once.</li>
    <li>The task role may invoke this model and its inference profile (the Terraform's allowed models list), and may use the Marketplace subscription actions the deploy guide names.</li>
    <li>An inference-profile id (<code>us.</code>, <code>eu.</code>, <code>global.</code>) must be served in the region, and no service control policy denies Bedrock there.</li>
  </ol>
  <p class="hint">Bedrock said: ${problem.detail || 'nothing more'}</p>
</section>`;
}

export function settingsPage(options: SettingsFormOptions): Html {
  return html`<main class="narrow">
  <h1>Settings</h1>
  <p class="lede">These apply to everyone on this HomeAgent. The models and their prices are on the <a href="/models">Models</a> page.</p>
  ${options.accessProblem ? accessProblemNotice(options.accessProblem) : ''}
  ${settingsForm(options)}
  <section class="settings-sharing" aria-label="Shared links"><p><a href="/settings/sharing">Shared links: who can open them</a></p></section>
</main>`;
}
