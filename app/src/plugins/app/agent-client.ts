/**
 * The app's only client of the agent's HTTP API, as `app.agent`: one
 * transport (`agent-api/agent-transport.ts`: the service key, the browser
 * request's context, the error classes of `agent-api/agent-errors.ts`) shared
 * by a client per domain, e.g. `app.agent.conversations.get(userId, id)`.
 */
import fp from 'fastify-plugin';
import { AccountsClient } from '../../agent-api/accounts-client.js';
import { AttachmentsClient } from '../../agent-api/attachments-client.js';
import { AuditClient } from '../../agent-api/audit-client.js';
import { AgentTransport, clientContext, type AgentTransportOptions } from '../../agent-api/agent-transport.js';
import { ConversationsClient } from '../../agent-api/conversations-client.js';
import { InvitesClient } from '../../agent-api/invites-client.js';
import { MessagesClient } from '../../agent-api/messages-client.js';
import { ModelsClient } from '../../agent-api/models-client.js';
import { PasskeysClient } from '../../agent-api/passkeys-client.js';
import { PeopleClient } from '../../agent-api/people-client.js';
import { ResetLinksClient } from '../../agent-api/reset-links-client.js';
import { SafetyClient } from '../../agent-api/safety-client.js';
import { SessionsClient } from '../../agent-api/sessions-client.js';
import { SettingsClient } from '../../agent-api/settings-client.js';
import { SharesClient } from '../../agent-api/shares-client.js';
import { UsageClient } from '../../agent-api/usage-client.js';

export class AgentClient {
  readonly #transport: AgentTransport;
  // A person's own side.
  readonly accounts: AccountsClient;
  readonly sessions: SessionsClient;
  readonly passkeys: PasskeysClient;
  readonly resetLinks: ResetLinksClient;
  // The household's admin side.
  readonly invites: InvitesClient;
  readonly people: PeopleClient;
  readonly audit: AuditClient;
  readonly settings: SettingsClient;
  readonly safety: SafetyClient;
  readonly models: ModelsClient;
  readonly usage: UsageClient;
  // Chats.
  readonly conversations: ConversationsClient;
  readonly messages: MessagesClient;
  readonly shares: SharesClient;
  readonly attachments: AttachmentsClient;

  constructor(options: AgentTransportOptions) {
    const transport = new AgentTransport(options);
    this.#transport = transport;
    this.accounts = new AccountsClient(transport);
    this.sessions = new SessionsClient(transport);
    this.passkeys = new PasskeysClient(transport);
    this.resetLinks = new ResetLinksClient(transport);
    this.invites = new InvitesClient(transport);
    this.people = new PeopleClient(transport);
    this.audit = new AuditClient(transport);
    this.settings = new SettingsClient(transport);
    this.safety = new SafetyClient(transport);
    this.models = new ModelsClient(transport);
    this.usage = new UsageClient(transport);
    this.conversations = new ConversationsClient(transport);
    this.messages = new MessagesClient(transport);
    this.shares = new SharesClient(transport);
    this.attachments = new AttachmentsClient(transport);
  }

  /** Whether the agent answers its health check. */
  async health(): Promise<boolean> {
    try {
      const { status } = await this.#transport.call('GET', '/healthz');
      return status === 200;
    } catch {
      return false;
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    agent: AgentClient;
  }
}

/** Decorates the app with `agent`, the client of the agent's HTTP API. */
export default fp(
  async (app) => {
    app.addHook('onRequest', (request, _reply, done) => {
      const userAgent = request.headers['user-agent'];
      clientContext.run({ address: request.ip, requestId: request.id, ...(typeof userAgent === 'string' ? { userAgent } : {}) }, done);
    });
    app.decorate(
      'agent',
      new AgentClient({ baseUrl: app.config.agentUrl, serviceKey: app.config.agentServiceKey }),
    );
  },
  { name: 'agent-client', dependencies: ['config'] },
);
