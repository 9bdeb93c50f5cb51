/**
 * The keys the agent accepts and signs with, kept current: with
 * AGENT_SECRET_ID the secret is re-read every AGENT_SECRET_REFRESH_S, and
 * after a rotation the previous value stays accepted for AGENT_SECRET_OVERLAP_S.
 * The app and the hub of the same task got their copy when the task started
 * (ECS `secrets`), so for a while they still present and verify the old keys:
 * accepting the old service key loses no session, and falling back to the old
 * publisher key when the hub refuses the new one loses no publish.
 */
import fp from 'fastify-plugin';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readAgentSecret, secretsManagerClient, type AgentSecret } from '../../agent-secret.js';

export class SecretKeys {
  #current: AgentSecret;
  #previous: { secret: AgentSecret; until: number } | undefined;
  readonly #overlapMs: number;
  readonly #now: () => number;

  constructor(initial: AgentSecret, overlapMs: number, now: () => number = Date.now) {
    this.#current = initial;
    this.#overlapMs = overlapMs;
    this.#now = now;
  }

  /** Takes a freshly read value; returns the names of the fields that changed (empty: none). */
  update(next: AgentSecret): (keyof AgentSecret)[] {
    const changed = (Object.keys(next) as (keyof AgentSecret)[]).filter((name) => next[name] !== this.#current[name]);
    if (changed.length === 0) return changed;
    this.#previous = { secret: this.#current, until: this.#now() + this.#overlapMs };
    this.#current = next;
    return changed;
  }

  #accepted(name: keyof AgentSecret): string[] {
    const keys = [this.#current[name]];
    const previous = this.#previous;
    if (previous && this.#now() < previous.until && previous.secret[name] !== keys[0]) keys.push(previous.secret[name]);
    return keys;
  }

  /** The service keys a caller may present: the current one, and the previous one during the overlap. */
  serviceKeys(): string[] {
    return this.#accepted('serviceKey');
  }

  /** Publisher JWT keys to sign with, the current one first. */
  publisherKeys(): string[] {
    return this.#accepted('mercurePublisherJwtKey');
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    secrets: SecretKeys;
  }
}

export default fp(
  async (app) => {
    const { config } = app;
    const keys = new SecretKeys({ serviceKey: config.serviceKey, mercurePublisherJwtKey: config.mercurePublisherJwtKey }, config.secretOverlapMs);
    app.decorate('secrets', keys);
    const secretId = config.secretId;
    if (secretId === undefined || config.secretRefreshMs === 0) return;

    const client: SecretsManagerClient = secretsManagerClient(config.awsRegion);
    let running = false;
    const refresh = async () => {
      if (running) return;
      running = true;
      try {
        const changed = keys.update(await readAgentSecret(client, secretId));
        if (changed.length > 0) app.log.info({ changed, overlapS: config.secretOverlapMs / 1000 }, 'agent secret rotated; the previous keys stay accepted for the overlap');
      } catch (error) {
        // Keep the keys we have: a refresh that fails is retried at the next tick.
        app.log.warn({ err: error }, 'agent secret refresh failed; keeping the current keys');
      } finally {
        running = false;
      }
    };
    const timer = setInterval(() => void refresh(), config.secretRefreshMs);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      client.destroy();
    });
  },
  { name: 'agent-secrets', dependencies: ['config'] },
);
