/**
 * Attachments through the app: the page's script uploads each picked,
 * dropped or pasted file here at once (raw bytes, CSRF token in a header)
 * and gets back its chip; Remove deletes a pending upload; and the files of
 * messages are read back, by their owner (`/attachments/:id`) or through a
 * live share link (`/share/:token/attachments/:id`), always via the agent.
 *
 * Served safely: `X-Content-Type-Options: nosniff`, a CSP that allows
 * nothing to run (`sandbox`), and `Content-Disposition: inline` only for
 * PNG, JPEG, GIF and WebP (the agent found the type in the bytes); HTML,
 * SVG and every document download (RFC 6266; the name as RFC 8187/5987
 * `filename*` with an ASCII `filename` for old clients).
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ATTACHMENT_ID_PATTERN, AttachmentParams, FILE_NAME_HEADER, SHARE_TOKEN_PATTERN } from '@homeagent/contract';
import { ATTACHMENT_LIMITS, INLINE_FORMATS, INLINE_MEDIA_TYPES, tooLargeSuffix } from '../attachment-limits.js';
import { AgentRequestError } from '../agent-api/agent-errors.js';
import type { AttachmentFile } from '../agent-api/agent-transport.js';
import { sendError } from '../plugins/app/error-handler.js';
import { pendingChip } from '../views/attachment-views.js';

const SharedAttachmentParams = Type.Object({ token: Type.String({ maxLength: 200 }), attachmentId: Type.String({ maxLength: 100 }) });
const TOKEN = new RegExp(SHARE_TOKEN_PATTERN);
const ID = new RegExp(ATTACHMENT_ID_PATTERN);
/** The raw file, as the agent takes it: a Buffer, never parsed. */
const FileBody = Type.Unsafe<Buffer>({});

/** RFC 8187 `value-chars`: anything but attr-char percent-encoded (encodeURIComponent leaves ' ( ) * ! unescaped). */
function extendedValue(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `inline` or `attachment`, with the name both ways (RFC 6266 section 4.3). */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_').trim() || 'file';
  return `${type}; filename="${ascii}"; filename*=UTF-8''${extendedValue(name)}`;
}

function fileName(header: string | string[] | undefined): string {
  try {
    return decodeURIComponent(typeof header === 'string' ? header : '') || 'file';
  } catch {
    return 'file';
  }
}

function sendFile(reply: FastifyReply, { attachment, bytes }: AttachmentFile, cache: string): FastifyReply {
  const inline = attachment.kind === 'image' && INLINE_FORMATS.has(attachment.format) && INLINE_MEDIA_TYPES.has(attachment.mediaType);
  return reply
    .header('content-type', inline ? attachment.mediaType : attachment.mediaType.startsWith('text/') ? `${attachment.mediaType}; charset=utf-8` : attachment.mediaType)
    .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', attachment.name))
    .header('x-content-type-options', 'nosniff')
    // Nothing in the file may run, load anything or be framed, even when opened directly. An image
    // opened on its own is shown by the browser's image page, which styles itself inline.
    .header('content-security-policy', `default-src 'none';${inline ? " style-src 'unsafe-inline';" : ''} sandbox; frame-ancestors 'none'`)
    .header('cross-origin-resource-policy', 'same-origin')
    .header('cache-control', cache)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

const attachmentRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // Read up to the largest file we take; a larger one is refused (413) without reading it all.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: ATTACHMENT_LIMITS.fileMaxBytes }, (_request, body, done) => {
    done(null, body);
  });

  app.post(
    '/attachments',
    {
      onRequest: app.requireSession,
      bodyLimit: ATTACHMENT_LIMITS.fileMaxBytes,
      schema: { body: FileBody },
      // A file past the limit: named, with the limit, beside its chip (the default would say "Request body is too large").
      // Fastify awaits the promise an error handler returns (fastify 5.12 lib/error-handler.js, read 2026-12-01),
      // though the route option's type says void.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the type is narrower than what Fastify does
      errorHandler: (error: FastifyError, request, reply) => {
        if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error;
        const name = fileName(request.headers[FILE_NAME_HEADER]);
        return sendError(request, reply, 413, `“${name}” ${tooLargeSuffix()}`);
      },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) return sendError(request, reply, 415, 'Send the file as application/octet-stream.');
      const attachment = await app.agent.attachments.upload(request.signedIn.user.id, fileName(request.headers[FILE_NAME_HEADER]), request.body);
      return reply.fragment(pendingChip(attachment), 201);
    },
  );

  app.delete(
    '/attachments/:attachmentId',
    { onRequest: app.requireSession, schema: { params: AttachmentParams } },
    async (request, reply) => {
      await app.agent.attachments.delete(request.signedIn.user.id, request.params.attachmentId);
      return reply.code(204).send();
    },
  );

  app.get('/attachments/:attachmentId', { onRequest: app.requireSession, schema: { params: AttachmentParams } }, async (request, reply) => {
    const file = await app.agent.attachments.get(request.signedIn.user.id, request.params.attachmentId);
    // The same id always holds the same bytes: the browser may keep it a while, for this person only.
    return sendFile(reply, file, 'private, max-age=3600');
  });

  app.get('/share/:token/attachments/:attachmentId', { schema: { params: SharedAttachmentParams } }, async (request, reply) => {
    reply.header('x-robots-tag', 'noindex').header('referrer-policy', 'no-referrer');
    const { token, attachmentId } = request.params;
    if (!TOKEN.test(token) || !ID.test(attachmentId)) {
      throw new AgentRequestError(404, 'not_found', 'This shared link does not work: it was revoked, or it never existed.');
    }
    const signedIn = await request.currentSession();
    // Never cached: a revoked link must stop showing its files at once.
    return sendFile(reply, await app.agent.shares.getAttachment(token, attachmentId, signedIn?.user.id), 'private, no-store');
  });
};

export default attachmentRoutes;
