/**
 * The network between the agent and DynamoDB, as a TCP relay the test can
 * cut: while cut, connections are accepted and bytes are swallowed, so the
 * database does not answer (what issue 14 item 5's probe saw: requests that
 * hang, not a refusal that fails fast). Mended, new connections go through
 * again; the ones held while cut are closed, as a dropped network leaves them.
 */
import net from 'node:net';
import { once } from 'node:events';

export class DatabaseLink {
  readonly #server = net.createServer((socket) => this.#accept(socket));
  readonly #held = new Set<net.Socket>();
  readonly #open = new Set<net.Socket>();
  #cut = false;
  #port = 0;
  /** connections that arrived while the link was cut */
  heldConnections = 0;

  /** `target()` names where the database listens, asked at each connection (it may start after the link). */
  constructor(private readonly target: () => URL | undefined) {}

  async listen(): Promise<void> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as net.AddressInfo).port;
  }

  /** the value for AWS_ENDPOINT_URL_DYNAMODB */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get isCut(): boolean {
    return this.#cut;
  }

  cut(): void {
    this.#cut = true;
    // The connections the SDK keeps alive go quiet too: their next request gets no answer.
    for (const socket of this.#open) this.#hold(socket);
  }

  mend(): void {
    this.#cut = false;
    for (const socket of this.#held) socket.destroy();
    this.#held.clear();
  }

  async close(): Promise<void> {
    for (const socket of [...this.#held, ...this.#open]) socket.destroy();
    this.#server.close();
    await once(this.#server, 'close').catch(() => undefined);
  }

  #hold(socket: net.Socket): void {
    this.#held.add(socket);
    // Read and drop: the request goes nowhere and nothing comes back.
    socket.removeAllListeners('data');
    socket.on('data', () => undefined);
    socket.resume();
  }

  #accept(client: net.Socket): void {
    client.on('error', () => undefined);
    const target = this.target();
    if (this.#cut || !target) {
      if (this.#cut) this.heldConnections += 1;
      this.#hold(client);
      return;
    }
    const upstream = net.connect({ host: target.hostname, port: Number(target.port) });
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      this.#open.delete(client);
    });
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk) => {
      if (!this.#cut) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!this.#cut) client.write(chunk);
    });
    this.#open.add(client);
  }
}
