/**
 * Child-process entry that holds one HomeAgent stack (startStack) for the
 * benchmark. The stack's in-process parts (edge, dynalite, Bedrock emulator)
 * then run in a process of their own, as under `npm start`, instead of
 * sharing an event loop with the load the benchmark generates.
 *
 * Speaks over the IPC channel only: `start` → `ready` | `failed`, `stop` → `stopped`.
 */
import { Writable } from 'node:stream';
import { startStack, type Stack } from '@homeagent/local/stack';
import type { HostMessage, ParentMessage } from './stack-host-protocol.js';

let stack: Stack | undefined;

function send(message: HostMessage): void {
  process.send?.(message);
}

/** The services' warn/error lines, passed to the parent one by one. */
const logs = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) send({ type: 'log', line });
    done();
  },
});

async function stopAndExit(code: number): Promise<never> {
  try {
    await stack?.stop();
  } finally {
    process.exit(code);
  }
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'start') {
    startStack({ ...message.options, logs, logLevel: 'warn' })
      .then((started) => {
        stack = started;
        void started.unexpectedExit.then(({ service, code, signal }) => send({ type: 'log', line: `the ${service} exited (${code ?? signal})` }));
        send({
          type: 'ready',
          stack: {
            url: started.url,
            adminInvite: started.adminInvite,
            ports: started.ports,
            endpoints: started.endpoints,
            pids: { ...started.pids, launcher: process.pid },
          },
        });
      })
      .catch((error: unknown) => {
        send({ type: 'failed', message: (error as Error).message });
        process.exit(1);
      });
  } else {
    // 'stop'
    void (stack?.stop() ?? Promise.resolve()).then(() => {
      send({ type: 'stopped' });
      process.exit(0);
    });
  }
});

// The benchmark went away (crashed or killed): take the stack down with it.
process.on('disconnect', () => void stopAndExit(0));
// Ctrl-C reaches the whole process group: stop the services in order rather than die under them.
process.once('SIGINT', () => void stopAndExit(130));
process.once('SIGTERM', () => void stopAndExit(143));
