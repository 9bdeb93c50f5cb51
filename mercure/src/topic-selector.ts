import { compileUriTemplate, isUriTemplate } from './uri-template.js';

/**
 * Decides whether a topic selector (`*`, an exact topic, or an RFC 6570 URI
 * template) matches a topic. Compiled templates are cached because the same
 * few selectors (one per user, one per conversation) are tested on every
 * dispatch; the cache is bounded so hostile subscribers cannot grow it forever.
 */
export class TopicSelectorStore {
  readonly #templates = new Map<string, RegExp | null>();
  readonly #maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.#maxEntries = maxEntries;
  }

  #compiled(selector: string): RegExp | null {
    let re = this.#templates.get(selector);
    if (re !== undefined) return re;
    try {
      re = compileUriTemplate(selector);
    } catch {
      // A malformed template still matches itself literally, as in the Go hub.
      re = null;
    }
    if (this.#templates.size >= this.#maxEntries) {
      const oldest = this.#templates.keys().next().value;
      if (oldest !== undefined) this.#templates.delete(oldest);
    }
    this.#templates.set(selector, re);
    return re;
  }

  match(selector: string, topic: string): boolean {
    if (selector === '*' || selector === topic) return true;
    if (!isUriTemplate(selector)) return false;
    const re = this.#compiled(selector);
    return re !== null && re.test(topic);
  }

  /** Whether any of the selectors matches any of the topics. */
  matchAny(selectors: readonly string[], topics: readonly string[]): boolean {
    for (const selector of selectors) {
      for (const topic of topics) if (this.match(selector, topic)) return true;
    }
    return false;
  }

  /** Whether every topic is matched by at least one selector (publisher rights). */
  matchAll(selectors: readonly string[], topics: readonly string[]): boolean {
    return topics.every((topic) => selectors.some((selector) => this.match(selector, topic)));
  }
}
