/**
 * Joins what a subscriber received to what the emulator emitted: whether
 * every token arrived once and in order (against the stored final text), and
 * how late each token arrived after it was emitted.
 */

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Undoes the agent's escaping of reply pieces (agent/src/html-escape.ts). */
export function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!);
}

/** Words with the white space before them: a split that does not depend on how the pieces were cut. */
export function words(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

export interface DeliveryCheck {
  /** words of the stored text */
  expected: number;
  /** words of the stored text that never arrived */
  lost: number;
  /** words that arrived more often than the stored text has them */
  doubled: number;
  /** words that arrived after a word that comes later in the stored text */
  outOfOrder: number;
}

/**
 * Compares the received text, word by word, with the stored one. A word is
 * named by its text and which occurrence of that text it is, so a word
 * repeated in the reply is not mistaken for a doubled one.
 */
export function checkDelivery(stored: string, received: string): DeliveryCheck {
  const expectedWords = words(stored);
  const position = new Map<string, number>();
  const seenExpected = new Map<string, number>();
  expectedWords.forEach((word, i) => {
    const n = (seenExpected.get(word) ?? 0) + 1;
    seenExpected.set(word, n);
    position.set(`${n}\u0000${word}`, i);
  });
  const seenReceived = new Map<string, number>();
  const arrived = new Set<number>();
  let doubled = 0;
  let outOfOrder = 0;
  let latest = -1;
  for (const word of words(received)) {
    const n = (seenReceived.get(word) ?? 0) + 1;
    seenReceived.set(word, n);
    const at = position.get(`${n}\u0000${word}`);
    if (at === undefined) {
      doubled++;
      continue;
    }
    arrived.add(at);
    if (at < latest) outOfOrder++;
    else latest = at;
  }
  return { expected: expectedWords.length, lost: expectedWords.length - arrived.size, doubled, outOfOrder };
}

export interface ReceivedPiece {
  /** the piece's text, unescaped */
  text: string;
  /** when it arrived, epoch ms on this process's clock */
  at: number;
}

/**
 * How long after its emission each token arrived: a token has arrived with
 * the piece that completes it. Undefined when the pieces do not spell the
 * tokens (a lost or doubled piece: then latency per token means nothing).
 */
export function tokenLatencies(tokens: string[], emittedAt: number[], pieces: ReceivedPiece[]): number[] | undefined {
  if (tokens.join('') !== pieces.map((p) => p.text).join('')) return undefined;
  const out: number[] = [];
  let tokenEnd = 0;
  let pieceIndex = 0;
  let pieceEnd = pieces[0]?.text.length ?? 0;
  for (let i = 0; i < tokens.length; i++) {
    tokenEnd += tokens[i]!.length;
    while (pieceEnd < tokenEnd && pieceIndex < pieces.length - 1) {
      pieceIndex++;
      pieceEnd += pieces[pieceIndex]!.text.length;
    }
    out.push(pieces[pieceIndex]!.at - emittedAt[i]!);
  }
  return out;
}
