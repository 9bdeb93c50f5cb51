/**
 * Decodes an `aws-chunked` request body, as the AWS SDK for JavaScript v3
 * sends uploads with flexible checksums (`Content-Encoding: aws-chunked`,
 * `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`): hex-sized
 * chunks, each `<size>[;chunk-signature=…]\r\n<bytes>\r\n`, a zero-sized last
 * chunk, then trailing headers (the checksum) and an empty line.
 */

export class ChunkedBodyError extends Error {
  readonly code = 'IncompleteBody';
  constructor(message: string) {
    super(message);
    this.name = 'ChunkedBodyError';
  }
}

export interface DecodedChunkedBody {
  data: Buffer;
  /** trailing headers, lower-cased names (e.g. `x-amz-checksum-crc32`) */
  trailers: Record<string, string>;
}

function lineEnd(body: Buffer, from: number): number {
  const end = body.indexOf('\r\n', from, 'latin1');
  if (end < 0) throw new ChunkedBodyError('The aws-chunked body ends in the middle of a line.');
  return end;
}

export function decodeAwsChunked(body: Buffer): DecodedChunkedBody {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const end = lineEnd(body, at);
    const sizeText = body.toString('latin1', at, end).split(';', 1)[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw new ChunkedBodyError('An aws-chunked chunk has no valid size.');
    const size = Number.parseInt(sizeText, 16);
    at = end + 2;
    if (size === 0) break;
    if (at + size + 2 > body.length) throw new ChunkedBodyError('An aws-chunked chunk is shorter than its size.');
    parts.push(body.subarray(at, at + size));
    at += size;
    if (body.toString('latin1', at, at + 2) !== '\r\n') throw new ChunkedBodyError('An aws-chunked chunk does not end with CRLF.');
    at += 2;
  }
  const trailers: Record<string, string> = {};
  while (at < body.length) {
    const end = lineEnd(body, at);
    const line = body.toString('latin1', at, end);
    at = end + 2;
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}
