import type { Subscriber } from './subscriber.js';
import { isUriTemplate, } from './uri-template.js';
import type { TopicSelectorStore } from './topic-selector.js';
import type { Update } from './update.js';

/**
 * The topic index. Most subscribers ask for exact topics, so they are found
 * with one Map lookup per update topic; only `*` and URI-template selectors
 * are tested, once per distinct selector rather than once per subscriber.
 */
export class SubscriberList {
  readonly #exact = new Map<string, Set<Subscriber>>();
  readonly #patterns = new Map<string, Set<Subscriber>>();
  readonly #all = new Set<Subscriber>();
  #mark = 0;

  get size(): number {
    return this.#all.size;
  }

  add(subscriber: Subscriber): void {
    this.#all.add(subscriber);
    for (const selector of subscriber.topics) {
      const index = selector === '*' || isUriTemplate(selector) ? this.#patterns : this.#exact;
      let set = index.get(selector);
      if (set === undefined) index.set(selector, (set = new Set()));
      set.add(subscriber);
    }
  }

  remove(subscriber: Subscriber): void {
    if (!this.#all.delete(subscriber)) return;
    for (const selector of subscriber.topics) {
      const index = selector === '*' || isUriTemplate(selector) ? this.#patterns : this.#exact;
      const set = index.get(selector);
      if (set === undefined) continue;
      set.delete(subscriber);
      if (set.size === 0) index.delete(selector);
    }
  }

  [Symbol.iterator](): IterableIterator<Subscriber> {
    return this.#all.values();
  }

  /** Calls `fn` once for every subscriber the update must reach. */
  forEachMatch(update: Update, store: TopicSelectorStore, fn: (subscriber: Subscriber) => void): void {
    const mark = ++this.#mark;
    // Rights are checked per distinct `mercure.subscribe` selector, not per subscriber:
    // thousands of subscribers of one conversation share one user's selector.
    const rights = update.private ? new Map<string, boolean>() : undefined;
    const visit = (subscriber: Subscriber): void => {
      if (subscriber.dispatchMark === mark) return;
      subscriber.dispatchMark = mark;
      if (rights !== undefined) {
        const allowed = subscriber.allowedPrivateTopics;
        if (allowed === undefined) return;
        let ok = false;
        for (const selector of allowed) {
          let r = rights.get(selector);
          if (r === undefined) {
            r = update.topics.some((topic) => store.match(selector, topic));
            rights.set(selector, r);
          }
          if (r) {
            ok = true;
            break;
          }
        }
        if (!ok) return;
      }
      fn(subscriber);
    };
    for (const topic of update.topics) {
      const set = this.#exact.get(topic);
      if (set !== undefined) for (const s of set) visit(s);
    }
    for (const [selector, set] of this.#patterns) {
      if (update.topics.some((topic) => store.match(selector, topic))) for (const s of set) visit(s);
    }
  }
}
