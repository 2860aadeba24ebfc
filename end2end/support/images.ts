/**
 * Test images made on the spot: a small PNG encoder (RGBA, 8 bits per
 * channel, no interlacing) on top of node's zlib, and a picture of a coloured
 * square on a chosen background.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** A pixel: red, green, blue and alpha, each 0-255. */
export type Rgba = readonly [number, number, number, number];

export const WHITE: Rgba = [255, 255, 255, 255];
export const TRANSPARENT: Rgba = [0, 0, 0, 0];
/** A dark background the portal must refuse (neither near-white nor transparent). */
export const DARK_SLATE: Rgba = [32, 40, 56, 255];
export const TEAL: Rgba = [0, 128, 128, 255];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** CRC-32 (ISO-HDLC, the polynomial PNG uses) lookup table. */
const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, and the CRC of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length, 0);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData), 0);
  return Buffer.concat([length, typeAndData, crc]);
}

/** Encodes a width × height RGBA image whose pixels `pixelAt` gives, as PNG bytes. */
export function encodePng(width: number, height: number, pixelAt: (x: number, y: number) => Rgba): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`encodePng: invalid size ${width} × ${height}`);
  }
  const stride = width * 4 + 1; // one filter-type byte per scanline, then the pixels
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    raw[row] = 0; // filter type 0: None
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = pixelAt(x, y);
      const offset = row + 1 + x * 4;
      raw[offset] = r;
      raw[offset + 1] = g;
      raw[offset + 2] = b;
      raw[offset + 3] = a;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: truecolour with alpha
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method: adaptive
  header[12] = 0; // interlace: none
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface SquarePicture {
  /** Side of the (square) image in pixels. */
  size?: number;
  background: Rgba;
  square: Rgba;
  /** Side of the centred square in pixels; half the image by default. */
  squareSize?: number;
}

/** A square image with a centred, coloured square on `background`, as PNG bytes. */
export function squarePng({ size = 200, background, square, squareSize = Math.floor(size / 2) }: SquarePicture): Buffer {
  const start = Math.floor((size - squareSize) / 2);
  const end = start + squareSize;
  return encodePng(size, size, (x, y) => (x >= start && x < end && y >= start && y < end ? square : background));
}

/** Writes `png` to `file` (creating its directory) and returns the path. */
export function writePng(file: string, png: Buffer): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, png);
  return file;
}
