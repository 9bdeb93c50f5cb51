/**
 * Every JSON log line of a stack (the launcher's, the stand-ins', the hub's,
 * the agent's and the app's), kept in memory so a test can read what a
 * service said and the secret scan can search all of it afterwards.
 */
import { Writable } from 'node:stream';

export class LogCapture extends Writable {
  readonly lines: string[] = [];
  #partial = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = this.#partial + chunk.toString();
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) if (line !== '') this.lines.push(line);
    callback();
  }

  /** The parsed entries (lines that are not JSON are skipped). */
  entries(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.lines) {
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a stray non-JSON line: the secret scan still reads it in `lines`
      }
    }
    return out;
  }
}
