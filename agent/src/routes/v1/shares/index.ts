/**
 * Share links (contract/src/share.ts): make one from one's own conversation,
 * list and revoke one's own, and open one by its token.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  ATTACHMENT_HEADER,
  ApiError,
  AttachmentParams,
  CreateShareResponse,
  SHARE_TOKEN_PATTERN,
  SharedSnapshot,
  ShareListResponse,
  USER_ID_HEADER,
  type SharedMessage,
} from '@homeagent/contract';
import { toAttachment } from '../../../plugins/app/attachments-repository.js';
import { conflict, HttpError, notFound } from '../../../http-error.js';
import { ID_PATTERN } from '../../../schemas/headers.js';
import { UserHeaders } from '../../../schemas/headers.js';
import { ConversationParams } from '../../../schemas/params.js';

const ShareParams = Type.Object({ shareId: Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN }) });
const TokenParams = Type.Object({ token: Type.String({ pattern: SHARE_TOKEN_PATTERN }) });
const SharedAttachmentParams = Type.Object({ ...TokenParams.properties, ...AttachmentParams.properties });
/** A file's bytes: sent as they are (a Buffer skips the JSON serializer). */
const FileBytes = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/conversations/:conversationId/shares',
    { preHandler: app.loadUser, schema: { headers: UserHeaders, params: ConversationParams, response: { 201: CreateShareResponse, '4xx': ApiError } } },
    async (request, reply) => {
      const user = request.user;
      const conversation = await app.conversations.get(user.id, request.params.conversationId);
      if (!conversation) throw notFound('That conversation does not exist.');
      const records = await app.messages.listAll(conversation.id);
      // A copy of what is there now; a reply still being written is left out rather than shown half done.
      const messages: SharedMessage[] = records
        .filter((m) => m.state !== 'streaming' && m.userId === user.id)
        .map((m) => ({
          id: m.id,
          role: m.role,
          text: m.text,
          createdAt: m.createdAt,
          state: m.state,
          ...(m.model ? { model: m.model } : {}),
          ...(m.attachments?.length ? { attachments: m.attachments } : {}),
        }));
      if (messages.length === 0) throw conflict('nothing_to_share', 'This chat has no finished message yet, so there is nothing to share.');
      const created = await app.shares.create({ ownerId: user.id, sharedBy: user.displayName, conversationId: conversation.id, title: conversation.title, messages });
      request.log.info({ shareId: created.share.id, conversationId: conversation.id }, 'share link made');
      return reply.code(201).send(created);
    },
  );

  app.get('/shares', { preHandler: app.loadUser, schema: { headers: UserHeaders, response: { 200: ShareListResponse, '4xx': ApiError } } }, async (request) => ({
    shares: await app.shares.list(request.user.id),
  }));

  app.delete(
    '/shares/:shareId',
    { preHandler: app.loadUser, schema: { headers: UserHeaders, params: ShareParams, response: { 204: Type.Null(), '4xx': ApiError } } },
    async (request, reply) => {
      if (!(await app.shares.revoke(request.user.id, request.params.shareId))) throw notFound('That shared link does not exist (any more).');
      request.log.info({ shareId: request.params.shareId }, 'share link revoked');
      return reply.code(204).send(null);
    },
  );

  /** Signed in (the app names the person) or, when the admin allows it, anyone. */
  async function mayOpenShares(request: FastifyRequest): Promise<void> {
    if (request.headers[USER_ID_HEADER] !== undefined) await app.loadUser(request);
    else if (!(await app.settings.publicShareLinks())) {
      throw new HttpError(401, 'sign_in_required', 'Sign in to see this shared chat: links here open only for people with an account.');
    }
  }

  app.get(
    '/shared/:token',
    { schema: { params: TokenParams, response: { 200: SharedSnapshot, '4xx': ApiError } } },
    async (request) => {
      await mayOpenShares(request);
      const snapshot = await app.shares.open(request.params.token);
      if (!snapshot) throw notFound('This shared link does not work: it was revoked, or it never existed.');
      const { ownerId: _owner, ...shown } = snapshot;
      return shown;
    },
  );

  app.get(
    '/shared/:token/attachments/:attachmentId',
    { schema: { params: SharedAttachmentParams, response: { 200: FileBytes, '4xx': ApiError } } },
    async (request, reply) => {
      await mayOpenShares(request);
      // Only while the link lives, and only a file its snapshot holds: the token is the whole permission.
      const snapshot = await app.shares.open(request.params.token);
      if (!snapshot) throw notFound('This shared link does not work: it was revoked, or it never existed.');
      const { attachmentId } = request.params;
      const shared = snapshot.messages.some((m) => m.attachments?.some((a) => a.id === attachmentId));
      // Deleting the chat deleted its files: the snapshot keeps its words, not the files.
      const record = shared ? await app.attachments.get(snapshot.ownerId, attachmentId) : undefined;
      if (!record) throw notFound('That file is not in this shared chat (any more).');
      const bytes = await app.attachments.bytes(snapshot.ownerId, record.id);
      return reply
        .header('content-type', record.mediaType)
        .header(ATTACHMENT_HEADER, encodeURIComponent(JSON.stringify(toAttachment(record))))
        .send(Buffer.from(bytes));
    },
  );
};

export default routes;
