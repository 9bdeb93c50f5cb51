/**
 * Child-process entry holding the benchmark's own Bedrock emulator, started
 * with `stampEmitTime`: the agent is pointed at it, and the baseline reads it
 * directly. In a process of its own, its CPU is neither the launcher's nor
 * the load generator's, and its timers do not share an event loop with them.
 *
 * IPC only: `start` → `ready` | `failed`; `emitted` → `emitted`; `clock` → `clock`.
 */
import { startBedrockEmulator, epochNow, type BedrockEmulator } from '@homeagent/local/bedrock-emulator';
import type { EmulatorHostMessage, EmulatorParentMessage } from './emulator-protocol.js';

let emulator: BedrockEmulator | undefined;

function send(message: EmulatorHostMessage): void {
  process.send?.(message);
}

process.on('message', (message: EmulatorParentMessage) => {
  if (message.type === 'start') {
    startBedrockEmulator({ ...message.pace, stampEmitTime: true })
      .then((started) => {
        emulator = started;
        send({ type: 'ready', url: started.url });
      })
      .catch((error: unknown) => {
        send({ type: 'failed', message: (error as Error).message });
        process.exit(1);
      });
  } else if (message.type === 'emitted') {
    send({ type: 'emitted', requestId: message.requestId, replies: message.keys.map((key) => emulator?.emitted(key) ?? null) });
  } else {
    // 'clock'
    send({ type: 'clock', requestId: message.requestId, now: epochNow() });
  }
});

process.on('disconnect', () => {
  void (emulator?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
