// JPEG files through sharp (libjpeg-turbo, prebuilt in its npm package): ~1.5 ms to encode and ~1 ms
// to decode a 320x240 frame, against ~20 ms and ~14 ms for pure-JS jpeg-js — the difference between
// JPEG work dominating prepare and the loader, and it being noise. sharp is an optional peer
// dependency, loaded on the first call.
import { importOptional } from '../models/optional-package.js';

type Sharp = (typeof import('sharp'))['default'];

async function loadSharp(): Promise<Sharp> {
  const sharp = (await importOptional<typeof import('sharp')>('sharp', 'encoding and decoding JPEG frames')).default;
  sharp.cache(false); // every frame is read once; libvips' cache would only hold memory
  return sharp;
}

/**
 * Encodes packed RGB (width*height*3) as a baseline JPEG with 4:2:0 chroma and the standard Huffman
 * tables, as OpenCV's imwrite does. Optimised Huffman tables (sharp's default) change no pixel and save
 * ~5 % of the bytes, but cost a second pass: 2.6 vs 1.3 ms CPU per 340x256 frame, a fifth of prepare's time.
 */
export async function encodeJpeg(rgb: Uint8Array, width: number, height: number, quality: number): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const b = await sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality, chromaSubsampling: '4:2:0', optimiseCoding: false }).toBuffer();
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** Decodes a JPEG file or buffer to packed RGB. */
export async function decodeJpeg(input: string | Uint8Array): Promise<{ data: Uint8Array; width: number; height: number }> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(input).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decodeJpeg: expected 3 channels, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
