/**
 * The coalescing window (coalescing-window.ts): a lone reply keeps the base
 * window, and with many replies running the process's pieces per second stay
 * within its budget.
 */
import t from 'tap';
import { coalescingWindowMs } from '../src/coalescing-window.js';

t.test('a lone reply, or a few, keep the base window', async (t) => {
  t.equal(coalescingWindowMs(40, 1, 100), 40);
  t.equal(coalescingWindowMs(40, 4, 100), 40, '4 replies × 25 pieces a second are within 100');
  t.equal(coalescingWindowMs(40, 0, 100), 40, 'no reply running yet counts as one');
});

t.test('many replies widen every window so that together they stay within the budget', async (t) => {
  for (const running of [5, 50, 200, 500]) {
    const windowMs = coalescingWindowMs(40, running, 100);
    t.ok(windowMs > 40, `${running} replies: wider than the base (${windowMs} ms)`);
    t.ok((running * 1000) / windowMs <= 100, `${running} replies send at most 100 pieces a second together`);
  }
  t.equal(coalescingWindowMs(0, 50, 200), 250, 'a base of 0 widens too');
  t.equal(coalescingWindowMs(20, 3, 7), 429, 'rounded up, never past the budget');
});
