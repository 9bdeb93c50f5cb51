// Draws the home-screen icons (the favicon's white diamond on orange) as PNGs,
// with nothing but zlib: `node app/scripts/make-icons.mjs` rewrites app/public/icon-*.png.
// Maskable: full bleed, the diamond inside the 80 % safe zone; the others: rounded corners.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const ORANGE = [0xc2, 0x41, 0x0c];
const WHITE = [0xff, 0xff, 0xff];

function crc32(buffer) {
  let c = ~0;
  for (const byte of buffer) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function icon(size, { maskable, diamond }) {
  const rows = [];
  const radius = maskable ? 0 : size * 0.22;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      const cx = x + 0.5, cy = y + 0.5;
      // Rounded square: outside a corner circle is transparent.
      const dx = Math.max(radius - cx, cx - (size - radius), 0);
      const dy = Math.max(radius - cy, cy - (size - radius), 0);
      const inside = dx * dx + dy * dy <= radius * radius;
      const inDiamond = Math.abs(cx - size / 2) + Math.abs(cy - size / 2) <= size * diamond;
      const colour = inDiamond ? WHITE : ORANGE;
      row.set([...colour, inside ? 255 : 0], 1 + x * 4);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = new URL('../public/', import.meta.url);
writeFileSync(new URL('icon-192.png', out), icon(192, { maskable: false, diamond: 0.31 }));
writeFileSync(new URL('icon-512.png', out), icon(512, { maskable: false, diamond: 0.31 }));
writeFileSync(new URL('icon-maskable-512.png', out), icon(512, { maskable: true, diamond: 0.25 }));
// iOS draws its own rounded corners and ignores transparency: full bleed.
writeFileSync(new URL('apple-touch-icon.png', out), icon(180, { maskable: true, diamond: 0.28 }));
