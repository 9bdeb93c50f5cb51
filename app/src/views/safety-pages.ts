/**
 * The admin's "Safety" page: which Amazon Bedrock guardrail judges whose
 * messages (for example children's accounts), and a default for members
 * who join later. Only a person's newest message is judged.
 */
import type { Guardrail, SafetyResponse } from '@homeagent/contract';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';

function guardrailWords(g: Guardrail | null): string {
  return g ? `${g.identifier}, version ${g.version}` : 'none';
}

function guardrailFields(idPrefix: string, g: Guardrail | null, labelSuffix: string): Html {
  return html`<label for="${idPrefix}-identifier">Guardrail id${labelSuffix}</label>
  <input id="${idPrefix}-identifier" name="identifier" type="text" value="${g?.identifier ?? ''}" autocomplete="off" spellcheck="false" aria-describedby="guardrail-hint">
  <label for="${idPrefix}-version">Version${labelSuffix}</label>
  <input id="${idPrefix}-version" name="version" type="text" value="${g?.version ?? ''}" inputmode="numeric" aria-describedby="guardrail-hint">`;
}

export function safetyPage(safety: SafetyResponse, csrfToken: string, notice?: string, error?: string): Html {
  return html`<main class="narrow">
  <h1>Safety</h1>
  <p class="lede">Attach an Amazon Bedrock guardrail to a person, for example a child's account. Claude's replies to them pass the guardrail, which judges only their newest message; a blocked message is replaced by a calm note and does not block later ones.</p>
  <p class="hint" id="guardrail-hint">The id is the guardrail's id from the Bedrock console (or its ARN); the version is a number or DRAFT. Leave both empty for none.</p>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  ${error ? html`<div class="form-error" role="alert">${error}</div>` : ''}
  <section aria-labelledby="default-heading">
    <h2 id="default-heading">Default for new members</h2>
    <p>Now: ${guardrailWords(safety.defaultForNewMembers)}. It applies to members who join after it is set, unless they have their own.</p>
    <form method="post" action="/safety/default" class="stacked">
      ${csrfField(csrfToken)}
      ${guardrailFields('default', safety.defaultForNewMembers, ' for new members')}
      <button type="submit" class="button-primary">Save default</button>
    </form>
  </section>
  <section aria-labelledby="people-heading">
    <h2 id="people-heading">People</h2>
    <ul class="safety-people">
      ${safety.people.map(
        (p) => html`<li id="safety-${p.userId}">
        <h3>${p.displayName} <span class="hint">(${p.username})</span></h3>
        <p>Guardrail: ${guardrailWords(p.guardrail)}${p.fromDefault ? ' (the default for new members)' : ''}</p>
        <form method="post" action="/safety/people/${p.userId}" class="stacked">
          ${csrfField(csrfToken)}
          ${guardrailFields(`person-${p.userId}`, p.fromDefault ? null : p.guardrail, ` for ${p.displayName}`)}
          <button type="submit" class="button-quiet">Save for ${p.displayName}</button>
        </form>
      </li>`,
      )}
    </ul>
  </section>
</main>`;
}
