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
