// HomeAgent's only script of its own (served from 'self'; the CSP allows no
// inline script). What htmx attributes cannot express without eval: Enter
// sends, the page's one live connection (replies stream in, other tabs and
// devices stay in sync), the announcement when a reply ends, Copy on code
// blocks, following a growing reply while you are at the bottom, attaching files.
(() => {
  'use strict';

  // Enter sends the message; Shift+Enter (or an IME composition) inserts a new line.
  document.addEventListener('keydown', (event) => {
    const field = event.target;
    if (!(field instanceof HTMLTextAreaElement) || field.id !== 'message') return;
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    if (field.value.trim() === '') return;
    field.form?.requestSubmit();
  });

  // Copy on each code block (rendered on the server with the button in it).
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('.copy-code') : null;
    if (!button) return;
    const code = button.closest('.code-block')?.querySelector('code');
    if (!code || !navigator.clipboard) return;
    navigator.clipboard.writeText(code.textContent ?? '').then(() => {
      button.textContent = 'Copied';
      setTimeout(() => { button.textContent = 'Copy'; }, 2000);
    }, () => { button.textContent = 'Copy failed'; });
  });

  // Following the reply belongs to the conversation view only.
  function inConversation() {
    return document.getElementById('messages') !== null;
  }
  function nearBottom() {
    const root = document.scrollingElement || document.documentElement;
    return root.scrollHeight - root.scrollTop - root.clientHeight < 120;
  }
  function toBottom() {
    const root = document.scrollingElement || document.documentElement;
    root.scrollTop = root.scrollHeight;
  }
  let follow = true;
  document.addEventListener('scroll', () => { follow = nearBottom(); }, { passive: true });
  document.addEventListener('htmx:after:swap', () => {
    if (follow && inConversation()) toBottom();
  });
  if (inConversation()) toBottom();

  // Each fetch names its own source: htmx queues requests per source element (one running, one
  // waiting, the rest dropped), so fetches sharing document.body would drop each other. A refresh
  // coalesces a burst of events itself: one fetch at a time, and one more after it if anything
  // happened meanwhile, so the last event is always followed by a fetch that started after it.
  function refresher(path) {
    const sync = document.getElementById('live-sync');
    let running = false;
    let again = false;
    return async function refresh() {
      if (running) { again = true; return; }
      running = true;
      try {
        do {
          again = false;
          await htmx.ajax('GET', path, { source: sync, target: sync, swap: 'innerHTML' }).catch(() => {});
        } while (again);
      } finally {
        running = false;
      }
    };
  }

  // The list page's own live connection (the list topic only): each change elsewhere fetches the list again.
  const listLive = document.getElementById('live');
  if (listLive?.dataset.refreshPath && !inConversation()) {
    const refreshList = refresher(listLive.dataset.refreshPath);
    listLive.addEventListener('changed', refreshList);
    listLive.addEventListener('htmx:sse:error', refreshList);
  }

  // A new chat gets its live connection with its first message (swapped in): bound then.
  let bound = false;
  const bindWhenLive = () => {
    const live = document.getElementById('live');
    const messages = document.getElementById('messages');
    if (bound || !live || !messages) return;
    bound = true;
    bindLive(live, messages);
  };
  document.addEventListener('htmx:after:swap', bindWhenLive);
  bindWhenLive();

  function bindLive(live, messages) {
  const conversationPath = live.dataset.conversationPath;

  const bubbleOf = (messageId) => document.getElementById(`message-${messageId}`);
  const sequenceOf = (id) => Number(String(id ?? '').split(':').pop()) || 0;
  const parse = (event) => {
    try { return JSON.parse(event.detail?.data ?? ''); } catch { return undefined; }
  };

  // Deltas for a bubble this page has not fetched yet (sent from elsewhere), applied once it arrives.
  const waiting = new Map();
  // Replies that ended before this page had their bubble.
  const ended = new Set();

  function apply(bubble, delta, sequence) {
    if (bubble.dataset.state !== 'streaming' || sequence <= Number(bubble.dataset.seq)) return;
    bubble.dataset.seq = String(sequence);
    const blocks = bubble.querySelector('.blocks');
    const tail = bubble.querySelector('.tail');
    if (!blocks || !tail) return;
    // Rendered and sanitized on the server (@homeagent/markdown); the CSP forbids inline script anyway.
    if (delta.html) blocks.insertAdjacentHTML('beforeend', delta.html);
    if (delta.replace) tail.textContent = delta.text;
    else if (delta.text) tail.append(delta.text);
    if (follow) toBottom();
  }

  // Streaming bubbles fetched again because the connection (re)opened: their deltas wait for the fresh bubble.
  const refetching = new Set();

  live.addEventListener('delta', (event) => {
    const delta = parse(event);
    if (!delta) return;
    const sequence = sequenceOf(event.detail.id);
    const bubble = bubbleOf(delta.messageId);
    if (bubble && !refetching.has(delta.messageId)) return apply(bubble, delta, sequence);
    const queue = waiting.get(delta.messageId) ?? [];
    if (queue.length < 5000) queue.push({ delta, sequence });
    waiting.set(delta.messageId, queue);
  });

  // A bubble came in (a send's answer, a fetch, a done swap): keep one per message, catch up what it missed.
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!(node instanceof HTMLElement) || !node.id.startsWith('message-')) continue;
        const twins = messages.querySelectorAll(`[id="${CSS.escape(node.id)}"]`);
        if (twins.length > 1 && twins[0] !== node) { node.remove(); continue; }
        const messageId = node.id.slice('message-'.length);
        refetching.delete(messageId);
        const queue = waiting.get(messageId);
        if (queue) {
          waiting.delete(messageId);
          for (const { delta, sequence } of queue) apply(node, delta, sequence);
        }
        // Fetched while streaming, but `done` came before it did: fetch the finished bubble.
        if (ended.delete(messageId) && node.dataset.state === 'streaming') {
          htmx.ajax('GET', node.dataset.path, { source: node, target: node, swap: 'outerHTML' });
        }
      }
    }
  }).observe(messages, { childList: true });

  // Another tab or device sent a message: fetch both bubbles (this tab's own send brings them too; twins go).
  // Claude's thinking arrives as named `thinking` events (escaped by the agent; the id names the
  // reply): append each to its bubble's collapsed "Thinking…" section and show it.
  live.addEventListener('thinking', (event) => {
    const bubble = bubbleOf(String(event.detail?.id ?? '').split(':')[0]);
    const section = bubble?.querySelector('details.thinking');
    if (!section || bubble.dataset.state !== 'streaming') return;
    section.hidden = false;
    section.querySelector('.thinking-text')?.insertAdjacentHTML('beforeend', event.detail.data ?? '');
  });

  live.addEventListener('sent', async (event) => {
    const sent = parse(event);
    if (!sent) return;
    for (const messageId of [sent.userMessageId, sent.assistantMessageId]) {
      if (bubbleOf(messageId)) continue;
      document.querySelector('#messages .hint-start')?.remove();
      await htmx.ajax('GET', `${conversationPath}/m/${encodeURIComponent(messageId)}`, { source: messages, target: messages, swap: 'beforeend' });
    }
  });

  function announce(text) {
    const region = document.getElementById('announcer');
    if (!region) return;
    region.textContent = '';
    // A fresh text node after a tick, so the same words twice are announced twice.
    setTimeout(() => { region.textContent = text; }, 50);
  }

  function summary(bubble) {
    const text = (bubble?.querySelector('.bubble-text')?.textContent ?? '').replace(/\s+/g, ' ').trim();
    return text.length > 140 ? `${text.slice(0, 140)}…` : text;
  }

  // The reply ended: announce it once, then show the finished bubble (the same HTML the last delta left).
  live.addEventListener('done', (event) => {
    const done = parse(event);
    if (!done) return;
    const bubble = bubbleOf(done.messageId);
    // No bubble yet, or one being fetched again (its answer may be older than this `done`): the fresh one checks.
    const pending = !bubble || refetching.has(done.messageId);
    if (pending) ended.add(done.messageId);
    if (done.state === 'stopped') announce('Stopped');
    else if (done.state === 'error') announce(`Claude's reply failed: ${done.error ?? 'please try again.'}`);
    else {
      const text = summary(bubble);
      announce(text ? `Claude replied: ${text}` : 'Claude replied.');
    }
    if (!pending && bubble.dataset.state === 'streaming') {
      htmx.ajax('GET', bubble.dataset.path, { source: bubble, target: bubble, swap: 'outerHTML' });
    }
  });

  // A refresh (this page's own rename echoes back too) brings the Rename form with the stored
  // title; while the person is editing the field, their text stays and the form is not swapped.
  document.addEventListener('htmx:before:swap', (event) => {
    const field = document.getElementById('rename-title');
    const tasks = event.detail?.tasks;
    if (!field || field.value === field.defaultValue || !Array.isArray(tasks)) return;
    if (event.detail.ctx?.sourceElement?.id !== 'live-sync') return;
    for (let i = tasks.length - 1; i >= 0; i--) {
      if (tasks[i].target?.id === 'rename-form') tasks.splice(i, 1);
    }
  });

  const refreshSidebar = refresher(`${conversationPath}/sidebar`);
  live.addEventListener('renamed', refreshSidebar);
  live.addEventListener('changed', refreshSidebar);

  live.addEventListener('deleted', () => {
    const notice = document.getElementById('chat-gone');
    if (notice) notice.hidden = false;
    document.querySelectorAll('#composer textarea, #composer button, .chat-actions input, .chat-actions button, form.stop button')
      .forEach((control) => { control.disabled = true; });
    announce('This chat was deleted in another tab or on another device.');
  });

  // What was published before the connection was up (a slow first connect, or a reconnect without an
  // id to resume from) never arrives: once it is up, fetch each streaming bubble again, and the list.
  live.addEventListener('htmx:sse:after:connection', () => {
    for (const bubble of messages.querySelectorAll('.bubble-assistant[data-state="streaming"]')) {
      const messageId = bubble.id.slice('message-'.length);
      if (!bubble.dataset.path || refetching.has(messageId)) continue;
      refetching.add(messageId);
      htmx.ajax('GET', bubble.dataset.path, { source: bubble, target: bubble, swap: 'outerHTML' }).catch(() => {}).finally(() => {
        // Not swapped (failed, or dropped while another request of the bubble ran): what waited goes to the
        // bubble there is, and a reply that ended meanwhile is fetched finished.
        if (!bubble.isConnected || !refetching.delete(messageId)) return;
        for (const { delta, sequence } of waiting.get(messageId) ?? []) apply(bubble, delta, sequence);
        waiting.delete(messageId);
        if (ended.delete(messageId)) htmx.ajax('GET', bubble.dataset.path, { source: bubble, target: bubble, swap: 'outerHTML' });
      });
    }
    refreshSidebar();
  });

  // The hub ends a stream when its cookie expires; a reconnect that fails renews it (any page fetch does).
  live.addEventListener('htmx:sse:error', () => { refreshSidebar(); });
  }
})();

// Shows every <time datetime data-local-time> in the reader's own time zone
// (the browser's), never in the server's UTC. Runs on load and on every
// element htmx or a stream adds later, so swapped-in lists and bubbles match.
(() => {
  'use strict';
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

  function localize(root) {
    if (!(root instanceof Element)) return;
    const times = root.matches('time[data-local-time]') ? [root] : root.querySelectorAll('time[data-local-time]');
    for (const time of times) {
      const date = new Date(time.getAttribute('datetime') || '');
      if (Number.isNaN(date.getTime())) continue;
      const text = format.format(date);
      if (time.textContent !== text) time.textContent = text;
      time.title = date.toLocaleString();
    }
  }

  function start() {
    localize(document.body);
    new MutationObserver((records) => {
      for (const record of records) for (const node of record.addedNodes) localize(node);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

// Attaching: attach.js loads on first use (outside a first visit's 20 KB); a drop's or paste's
// files last only as long as the event, so they are taken here.
(() => {
  'use strict';
  document.documentElement.classList.add('js-attach');
  let attach;
  const use = (form, files) => {
    attach ??= import(form.querySelector('.attach').dataset.script);
    attach.then((m) => m.addAll(form, files));
  };
  document.addEventListener('change', (event) => {
    const input = event.target;
    if (input.id !== 'attach-files') return;
    use(input.form, [...input.files]);
    input.value = '';
  });
  document.addEventListener('dragover', (event) => { if (event.target.closest?.('#composer')) event.preventDefault(); });
  for (const type of ['drop', 'paste']) {
    document.addEventListener(type, (event) => {
      const form = event.target.closest?.('#composer');
      const files = [...((event.dataTransfer ?? event.clipboardData)?.files ?? [])];
      if (!form || files.length === 0) return;
      event.preventDefault();
      use(form, files);
    });
  }
})();
