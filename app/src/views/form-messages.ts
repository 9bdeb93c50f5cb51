/**
 * Messages on a form: beside each field (linked with aria-describedby), a
 * summary on top, and one for the form as a whole.
 */
import { html, type Html } from './html.js';

/** Messages keyed by field name, plus `form` for the form as a whole. */
export type FieldErrors = Partial<Record<string, string>>;

export function fieldError(id: string, message: string | undefined): Html {
  return message ? html`<p class="field-error" id="${id}-error">${message}</p>` : html``;
}

export function describedBy(id: string, errors: FieldErrors, key: string, hint?: string): string | undefined {
  const ids = [hint, errors[key] ? `${id}-error` : undefined].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function formError(errors: FieldErrors): Html {
  return errors.form ? html`<div class="form-error" role="alert">${errors.form}</div>` : html``;
}

export function errorSummary(errors: FieldErrors): Html {
  const fields = Object.entries(errors).filter(([key, message]) => key !== 'form' && message);
  if (fields.length === 0) return html``;
  return html`<div class="form-error" role="alert">Please fix the highlighted ${fields.length === 1 ? 'field' : 'fields'}.</div>`;
}

