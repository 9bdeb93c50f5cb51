/**
 * The message form without a script posts multipart/form-data (its file
 * picker's files with the text). Only routes that say so
 * (`config: { multipartForm: true }`) take it; any other route answers 415,
 * as for any body it does not read.
 *
 * The fields land in `request.body` as strings and each file as an
 * `UploadedFile` (`attachFieldsToBody: 'keyValues'` with our `onFile`), so
 * the schema and the CSRF check (csrf.ts, registered after this plugin, so
 * its preValidation hook runs after the parsing) see the same body as a
 * urlencoded form. Nothing leaves the app before that check: the files are
 * only held in memory, bounded by `limits`.
 * (@fastify/multipart 10: attachFieldsToBody parses in a preValidation hook;
 * `onFile` sets `part.value`, which 'keyValues' puts in the body;
 * README, github.com/fastify/fastify-multipart, read 2026-12-01.)
 */
import multipart, { type MultipartFile } from '@fastify/multipart';
import fp from 'fastify-plugin';
import { ATTACHMENT_LIMITS } from '../../attachment-limits.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** this route takes the message form as multipart/form-data */
    multipartForm?: boolean;
  }
}

/** A file of a multipart form, read into memory. */
export interface UploadedFile {
  name: string;
  bytes: Buffer;
  /** longer than the largest file we take: only the first part was read */
  truncated: boolean;
  /** past the number of files one form may carry: not read at all */
  skipped: boolean;
}

export class UnsupportedBodyError extends Error {
  readonly statusCode = 415;
  readonly code = 'unsupported_media_type';
  constructor() {
    super('This address does not take files.');
    this.name = 'UnsupportedBodyError';
  }
}

const FILES_READ = Symbol('files read');

export default fp(
  async (app) => {
    app.addHook('onRequest', async (request) => {
      if (request.headers['content-type']?.toLowerCase().startsWith('multipart/') && !request.routeOptions.config.multipartForm) {
        throw new UnsupportedBodyError();
      }
    });
    await app.register(multipart, {
      attachFieldsToBody: 'keyValues',
      // A file too large is cut at the limit and named in a refusal beside the form (which keeps the
      // text), instead of an error that would lose what the person wrote.
      throwFileSizeLimit: false,
      limits: {
        fileSize: ATTACHMENT_LIMITS.fileMaxBytes,
        files: 100,
        fields: 100,
        parts: 200,
        // the message (16 000 characters, at most 4 bytes each) is the largest field
        fieldSize: 64 * 1024,
      },
      async onFile(part: MultipartFile & { value?: unknown }) {
        const request = this as unknown as Record<symbol, number>;
        const seen = (request[FILES_READ] ?? 0) + 1;
        request[FILES_READ] = seen;
        // An empty picker still sends one part with no name and no bytes.
        if (!part.filename) {
          part.file.resume();
          await new Promise((resolve) => part.file.once('end', resolve));
          request[FILES_READ] = seen - 1;
          return;
        }
        const skipped = seen > ATTACHMENT_LIMITS.perFormPost;
        const chunks: Buffer[] = [];
        for await (const chunk of part.file) if (!skipped) chunks.push(chunk as Buffer);
        part.value = { name: part.filename, bytes: Buffer.concat(chunks), truncated: part.file.truncated, skipped } satisfies UploadedFile;
      },
    });
  },
  { name: 'multipart-form' },
);
