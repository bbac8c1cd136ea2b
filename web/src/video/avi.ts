// AVI in the page: the RIFF index through the same parser as Node (pipeline/avi-bytes.ts). Motion-JPEG
// frames are decoded by the browser's JPEG decoder (createImageBitmap: libjpeg-turbo in Chromium, which
// also supplies the standard Huffman tables that AVI1/camera MJPEG leave out), counted as Node counts
// them (zero-size chunks are dropped frames). MPEG-4 Part 2 (DivX/XviD: all of HMDB51) has no decoder in
// any browser: the error says so and how to convert.

import { type AviVideoStream, isMjpeg, readAviBytes } from '../../../pipeline/avi-bytes.js';
import { frameIndices } from '../../../pipeline/frames.js';
import { RgbReader } from './rgb.js';
import { ClipError, CONVERT_HINT, type DecodedClip, type RgbFrame, UnsupportedVideoError } from './types.js';

export function looksLikeAvi(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'AVI ';
}

// FourCCs of MPEG-4 Part 2 (ASP) in AVI: XviD, DivX 4-6, FFmpeg's mpeg4, and relatives.
const MPEG4_PART2 = new Set(['XVID', 'DIVX', 'DX50', 'DIV4', 'DIV5', 'DIV6', 'FMP4', 'MP4V', 'M4S2', '3IV2', 'RMP4', 'BLZ0', 'DXGM', 'SEDG', 'UMP4', 'WV1F', 'XVIX']);
// DivX 3 and MS-MPEG4 are not MPEG-4 Part 2 but no browser decodes them either
const MS_MPEG4 = new Set(['DIV3', 'MP43', 'MP42', 'MPG4', 'DIV1', 'DIV2', 'AP41']);

function codecTag(v: AviVideoStream): string {
  return (v.compression || v.handler).toUpperCase();
}

async function decodeJpeg(jpg: Uint8Array, reader: RgbReader): Promise<RgbFrame> {
  if (jpg.length < 4 || jpg[0] !== 0xff || jpg[1] !== 0xd8) throw new Error('frame is not a JPEG picture (no SOI marker)');
  const bitmap = await createImageBitmap(new Blob([jpg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    return reader.read(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

export async function decodeAvi(bytes: Uint8Array, name: string, k: number): Promise<DecodedClip> {
  const avi = readAviBytes(bytes, name);
  const tag = codecTag(avi.video);
  if (!isMjpeg(avi.video)) {
    if (MPEG4_PART2.has(tag) || MS_MPEG4.has(tag)) {
      throw new UnsupportedVideoError(`${name} is ${MPEG4_PART2.has(tag) ? 'MPEG-4 Part 2' : 'MS-MPEG4'} video (${tag}, DivX/XviD, as HMDB51's clips are), which no browser can decode. `
        + `${CONVERT_HINT} — then pick out.mp4. (In Node, npm run predict decodes it through ffmpeg.)`);
    }
    throw new UnsupportedVideoError(`${name}: ${tag || 'an unknown codec'} in AVI; the page decodes Motion-JPEG AVIs only. ${CONVERT_HINT}`);
  }
  // zero-size chunks are dropped frames in AVI: they carry no picture, so they are not counted
  const chunks = avi.videoChunks.filter((c) => c.size > 0);
  if (chunks.length === 0) throw new ClipError('no video frames in the AVI');
  if (chunks.length < k) throw new ClipError(`too short: ${chunks.length} frames, fewer than the ${k} needed`);
  const indices = frameIndices(chunks.length, k);
  const reader = new RgbReader();
  const decoded = new Map<number, RgbFrame>();
  for (const i of indices) {
    if (decoded.has(i)) continue;
    const c = chunks[i]!;
    try {
      decoded.set(i, await decodeJpeg(bytes.subarray(c.offset, c.offset + c.size), reader));
    } catch (e) {
      throw new ClipError(`frame ${i} does not decode: ${(e as Error).message}`);
    }
  }
  const frames = indices.map((i) => decoded.get(i)!);
  const { width, height } = frames[0]!;
  frames.forEach((f, j) => {
    if (f.width !== width || f.height !== height) throw new ClipError(`frame ${indices[j]} is ${f.width}x${f.height}, frame ${indices[0]} ${width}x${height}`);
  });
  return { frames, indices, frameCount: chunks.length, width, height, container: 'avi', codec: tag || 'MJPG', decoder: 'image-decoder' };
}
