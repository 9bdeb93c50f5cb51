/**
 * A bounded cache of what a text turns into (rendered Markdown), in least
 * recently used order. Keyed by the text itself: the renderer is a pure
 * function of it, so a hit is exactly what rendering again would give, and an
 * edited or longer text is simply another key. Bounded by entries and by the
 * characters held (keys and values), so long replies cannot grow it past its
 * budget; a text larger than the whole budget is not kept.
 */
export class TextCache {
  readonly #entries = new Map<string, string>();
  #chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  /** The value for `text`, made by `make` only when it is not held. */
  get(text: string, make: (text: string) => string): string {
    const held = this.#entries.get(text);
    if (held !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.#entries.delete(text);
      this.#entries.set(text, held);
      return held;
    }
    const value = make(text);
    const size = text.length + value.length;
    if (size > this.maxChars) return value;
    this.#entries.set(text, value);
    this.#chars += size;
    for (const [oldest, old] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && this.#chars <= this.maxChars) break;
      this.#entries.delete(oldest);
      this.#chars -= oldest.length + old.length;
    }
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Characters held, keys and values. */
  get chars(): number {
    return this.#chars;
  }
}
