// HomeAgent's only script of its own (served from 'self'; the CSP allows no
// inline script). Three small touches that htmx attributes cannot express
// without eval: Enter sends, whitespace-only stream pieces are kept, and the
// conversation page follows a growing reply while you are at the bottom.
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

  // htmx never swaps an SSE message whose HTML is only whitespace (a lone
  // space or newline between words); append those pieces as text ourselves.
  document.addEventListener('htmx:sse:before:message', (event) => {
    const detail = event.detail;
    const message = detail?.message;
    if (!message || message.event || message.data === '' || message.data.trim() !== '') return;
    event.target.append(document.createTextNode(message.data));
    detail.cancelled = true;
  });

  // Claude's thinking arrives as named `thinking` events (escaped by the agent, like the
  // reply's pieces): append each to the reply's collapsed "Thinking…" section and show it.
  document.addEventListener('htmx:sse:before:message', (event) => {
    const message = event.detail?.message;
    if (!message || message.event !== 'thinking') return;
    const section = event.target.closest('article')?.querySelector('details.thinking');
    if (!section) return;
    section.hidden = false;
    section.querySelector('.thinking-text')?.insertAdjacentHTML('beforeend', message.data);
  });

  // Following the reply belongs to the conversation view only: on any other
  // page (invites, people, settings) a swap must leave the page where it is.
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
  document.addEventListener('htmx:sse:after:message', () => {
    if (follow && inConversation()) toBottom();
  });

  // A conversation page opens at its latest message.
  if (inConversation()) toBottom();
})();
