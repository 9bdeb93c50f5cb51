import type { Update } from './update.js';

/**
 * The SSE wire format. An update is serialized once into a Buffer that every
 * matching subscriber and the history share: with thousands of subscribers
 * the cost of a broadcast is then only the writes.
 */
export function serializeEvent(update: Update): Buffer {
  let frame = '';
  if (update.type !== undefined && update.type !== '') frame += `event: ${update.type}\n`;
  if (update.retry !== undefined) frame += `retry: ${update.retry}\n`;
  frame += `id: ${update.id}\n`;
  // One data field per line, whatever the line ending, so multi-line data arrives intact.
  for (const line of update.data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  frame += '\n';
  return Buffer.from(frame, 'utf8');
}

/** A comment line: keeps proxies from closing an idle stream and makes `onopen` fire at once. */
export const HEARTBEAT = Buffer.from(':\n');
