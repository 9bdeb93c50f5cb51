/**
 * Watches a streaming reply inside the page (a MutationObserver), so "it
 * streamed, and never took anything back" is seen, not inferred: every
 * distinct state of the streaming bubble (its rendered blocks and its plain
 * tail) until the finished bubble replaces it, and that finished bubble.
 */
import type { Page } from 'playwright-core';
import { renderMarkdown, streamView } from '@homeagent/markdown';

export interface StreamStep {
  /** the rendered blocks' HTML */
  html: string;
  /** the unfinished block, as plain text */
  tail: string;
  /** what a person reads: the blocks' text, then the tail */
  text: string;
}

export interface StreamRecord {
  steps: StreamStep[];
  /** true once the finished bubble replaced the streaming one */
  done: boolean;
  /** the finished bubble's `.bubble-text` innerHTML */
  finalHtml: string;
  finalText: string;
}

/** Starts recording the last assistant bubble of `#messages` (or the one that appears next). */
export async function recordStream(page: Page): Promise<void> {
  await page.evaluate(() => {
    const record = { steps: [] as StreamStep[], done: false, finalHtml: '', finalText: '' };
    (window as unknown as { __stream: typeof record }).__stream = record;
    const list = document.getElementById('messages')!;
    let watched: string | undefined;
    const look = () => {
      if (record.done) return;
      const streaming = list.querySelector('.bubble-assistant[data-state="streaming"]');
      if (streaming) {
        watched = streaming.id;
        const html = streaming.querySelector('.blocks')?.innerHTML ?? '';
        const tail = streaming.querySelector('.tail')?.textContent ?? '';
        const text = (streaming.querySelector('.blocks')?.textContent ?? '') + tail;
        const last = record.steps.at(-1);
        if (!last || last.html !== html || last.tail !== tail) record.steps.push({ html, tail, text });
        return;
      }
      const finished = watched ? document.getElementById(watched) : null;
      if (finished && finished.getAttribute('data-state') !== 'streaming') {
        record.done = true;
        record.finalHtml = finished.querySelector('.bubble-text')?.innerHTML ?? '';
        record.finalText = finished.querySelector('.bubble-text')?.textContent ?? '';
      }
    };
    new MutationObserver(look).observe(list, { subtree: true, childList: true, characterData: true, attributes: true });
    look();
  });
}

export async function streamRecord(page: Page): Promise<StreamRecord> {
  return page.evaluate(() => (window as unknown as { __stream: StreamRecord }).__stream);
}

export async function waitForStreamDone(page: Page, timeout = 120_000): Promise<StreamRecord> {
  await page.waitForFunction(() => (window as unknown as { __stream: StreamRecord }).__stream.done, undefined, { timeout });
  return streamRecord(page);
}

/** HTML as the browser serializes it (innerHTML writes `"` for `&quot;` in text, for one). */
export async function asBrowserHtml(page: Page, markup: string[]): Promise<string[]> {
  return page.evaluate((all) => all.map((m) => {
    const template = document.createElement('template');
    template.innerHTML = m;
    return template.innerHTML;
  }), markup);
}

/** Every state a stream of `text` may show: what a page shows after each prefix of it, and at the end. */
export async function possibleSteps(page: Page, text: string): Promise<Set<string>> {
  const views = Array.from({ length: text.length + 1 }, (_, i) => streamView(text.slice(0, i)));
  // The last delta renders the rest: the whole reply rendered, no tail.
  views.push({ html: renderMarkdown(text), tail: '' });
  const htmls = await asBrowserHtml(page, views.map((v) => v.html));
  return new Set(views.map((view, i) => `${htmls[i]}\u0000${view.tail}`));
}

export const stepKey = (step: StreamStep) => `${step.html}\u0000${step.tail}`;
