/**
 * Uploading, reading and removing one's own attachments (contract:
 * contract/src/attachments.ts). The file's kind is decided from its bytes;
 * anything Claude does not read, or past Bedrock's limits, is refused with a
 * sentence naming the limit, and nothing is stored.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ATTACHMENT_HEADER, ApiError, AttachmentParams, AttachmentResponse, FILE_NAME_HEADER } from '@homeagent/contract';
import { ATTACHMENT_LIMITS, sniffFormat } from '../../../attachment-format.js';
import { HttpError, badRequest, conflict, notFound } from '../../../http-error.js';
import { newId } from '../../../id-generator.js';
import { toAttachment } from '../../../plugins/app/attachments-repository.js';
import { UserHeaders } from '../../../schemas/headers.js';

/** The largest file of any accepted kind. */
export const MAX_UPLOAD_BYTES = Math.max(ATTACHMENT_LIMITS.imageMaxBytes, ATTACHMENT_LIMITS.documentMaxBytes);
/**
 * What the body parser reads at most: twice the largest file, so a file a
 * little too large is refused with a sentence naming its limit, and a far
 * larger one (413) is not read at all.
 */
const BODY_LIMIT = 2 * MAX_UPLOAD_BYTES;

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toLocaleString('en-US', { maximumFractionDigits: 2 })} MB`;
const NAME_MAX = 255;
/** A file's bytes: sent as they are (a Buffer skips the JSON serializer). */
const FileBytes = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });

function fileNameOf(header: string | string[] | undefined): string {
  let decoded;
  try {
    decoded = decodeURIComponent(typeof header === 'string' ? header : '');
  } catch {
    throw badRequest('validation', 'The file name could not be read.');
  }
  // Kept for showing and downloading only: no path, no control characters.
  const name = decoded.replace(/^.*[\\/]/, '').replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  if (name === '') return 'file';
  return name.length > NAME_MAX ? name.slice(0, NAME_MAX) : name;
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    done(null, body);
  });

  app.post(
    '/',
    {
      bodyLimit: BODY_LIMIT,
      schema: { headers: UserHeaders, response: { 201: AttachmentResponse, '4xx': ApiError } },
      preHandler: app.loadUser,
    },
    async (request, reply) => {
      const bytes = request.body;
      if (!(bytes instanceof Buffer)) throw new HttpError(415, 'unsupported_media_type', 'Send the file as application/octet-stream.');
      const name = fileNameOf(request.headers[FILE_NAME_HEADER]);
      if (bytes.length === 0) throw badRequest('empty_file', `“${name}” is empty.`);
      const sniffed = sniffFormat(bytes, name);
      if (!sniffed) {
        throw badRequest(
          'unsupported_file',
          `“${name}” is not a kind of file Claude can read. Attach a photo (PNG, JPEG, GIF, WebP) or a document (PDF, Word, Excel, CSV, HTML, text or Markdown).`,
        );
      }
      const max = sniffed.kind === 'image' ? ATTACHMENT_LIMITS.imageMaxBytes : ATTACHMENT_LIMITS.documentMaxBytes;
      if (bytes.length > max) throw badRequest('file_too_large', `“${name}” is ${mb(bytes.length)}; ${sniffed.kind === 'image' ? 'a photo' : 'a document'} can be at most ${mb(max)}.`);
      if (sniffed.kind === 'image' && ((sniffed.width ?? 0) > ATTACHMENT_LIMITS.imageMaxPixels || (sniffed.height ?? 0) > ATTACHMENT_LIMITS.imageMaxPixels)) {
        throw badRequest('image_too_large', `“${name}” is ${sniffed.width} × ${sniffed.height} pixels; a photo can be at most ${ATTACHMENT_LIMITS.imageMaxPixels} × ${ATTACHMENT_LIMITS.imageMaxPixels}.`);
      }
      const record = await app.attachments.create({
        id: newId(),
        userId: request.user.id,
        kind: sniffed.kind,
        format: sniffed.format,
        mediaType: sniffed.mediaType,
        name,
        sizeBytes: bytes.length,
        ...(sniffed.kind === 'image' && sniffed.width && sniffed.height ? { width: sniffed.width, height: sniffed.height } : {}),
        createdAt: new Date().toISOString(),
      }, bytes);
      return reply.code(201).send({ attachment: toAttachment(record) });
    },
  );

  app.get(
    '/:attachmentId',
    { schema: { headers: UserHeaders, params: AttachmentParams, response: { 200: FileBytes, '4xx': ApiError } }, preHandler: app.loadUser },
    async (request, reply) => {
      // Looked up under the person's own key: that is the ownership check.
      const record = await app.attachments.get(request.user.id, request.params.attachmentId);
      if (!record) throw notFound('That attachment does not exist.');
      const bytes = await app.attachments.bytes(request.user.id, record.id);
      return reply
        .header('content-type', record.mediaType)
        .header(ATTACHMENT_HEADER, encodeURIComponent(JSON.stringify(toAttachment(record))))
        .send(Buffer.from(bytes));
    },
  );

  app.delete(
    '/:attachmentId',
    { schema: { headers: UserHeaders, params: AttachmentParams, response: { 204: Type.Null(), '4xx': ApiError } }, preHandler: app.loadUser },
    async (request, reply) => {
      const record = await app.attachments.get(request.user.id, request.params.attachmentId);
      if (!record) throw notFound('That attachment does not exist.');
      if (!(await app.attachments.deletePending(request.user.id, record.id))) {
        throw conflict('attachment_in_use', 'That attachment was sent with a message; delete the conversation to remove it.');
      }
      return reply.code(204).send(null);
    },
  );
};

export default routes;
