/**
 * The secret scan: every value a run used that must never be written to a
 * log (the local secrets, passwords, session, CSRF and hub cookies, invite
 * codes, share tokens, reset link tokens, hub JWTs) is looked for in every
 * captured log line, plain and URL-encoded. A finding names the secret's kind
 * and the service, never the value. Attachment ids are not secrets (only
 * their owner can use one).
 */
import type { LocalSecrets } from '@homeagent/local/stack';
import type { Test } from 'tap';

export interface Finding {
  kind: string;
  service: string;
}

export class SecretList {
  readonly #values = new Map<string, string>();

  /** Adds a value to look for; short values would match by chance, so they are refused. */
  add(kind: string, value: string | undefined): void {
    if (!value || value.length < 8) return;
    this.#values.set(value, kind);
  }

  addLocalSecrets(secrets: LocalSecrets): void {
    for (const [kind, value] of Object.entries(secrets)) this.add(kind, value);
  }

  /** Each cookie value of a jar (session, CSRF, hub token). */
  addCookies(jar: Record<string, string>): void {
    for (const [name, value] of Object.entries(jar)) this.add(`cookie ${name}`, decodeURIComponent(value));
  }

  get size(): number {
    return this.#values.size;
  }

  /** Every line holding a value; `meant(line)` marks the few lines whose job is to carry one. */
  scan(lines: readonly string[], meant: (line: string) => boolean = () => false): Finding[] {
    const findings: Finding[] = [];
    for (const line of lines) {
      if (meant(line)) continue;
      for (const [value, kind] of this.#values) {
        // Also the URL-encoded form, as a value appears in a logged URL.
        if (line.includes(value) || line.includes(encodeURIComponent(value))) {
          const service = /"service":"([^"]+)"/.exec(line)?.[1] ?? 'unknown';
          findings.push({ kind, service });
        }
      }
    }
    return findings;
  }
}

/**
 * The one line meant to carry a secret: the agent logs the first admin invite
 * of an empty installation once, so the operator can open the first account
 * (docs/runtime.md, "First admin invite").
 */
export function isFirstAdminInviteLine(line: string): boolean {
  return line.includes('"service":"agent"') && line.includes('"msg":"first admin invite"');
}

/** The scan as a test: 0 findings (issue 14 item 4: tokens in URLs are redacted from every log line). */
export function assertNoSecretsLogged(t: Test, secrets: SecretList, lines: readonly string[]): void {
  const findings = secrets.scan(lines, isFirstAdminInviteLine);
  t.same(findings, [], `no secret, password, cookie, invite, share link or token in ${lines.length} log lines (${secrets.size} values looked for)`);
}
