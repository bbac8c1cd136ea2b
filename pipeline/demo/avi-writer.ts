// A Motion-JPEG AVI writer: AVI 1.0 as Microsoft's "AVI RIFF File Reference" lays it out, with the
// fields VLC, ffmpeg and OpenCV read (and our own avi.ts), so the demo's clips need no ffmpeg to make.
//
//   RIFF 'AVI '
//     LIST 'hdrl'
//       avih                      main header (56 bytes)
//       LIST 'strl'
//         strh 'vids' 'MJPG'      stream header (56 bytes)
//         strf                    BITMAPINFOHEADER (40 bytes), biCompression 'MJPG'
//     LIST 'movi'
//       00dc … 00dc               one JPEG picture each, padded to an even size
//     idx1                        one 16-byte entry per frame, offsets from the 'movi' fourcc
//
// The whole file is built in memory (a demo clip is a few hundred KB) and written atomically.
import { writeFileAtomic } from './atomic.js';

export interface AviVideoOptions {
  width: number;
  height: number;
  /** Frames per second; non-integer rates are stored as an exact ratio (29.97 → 2997/100). */
  fps: number;
}

const AVIF_HASINDEX = 0x10;
const AVIF_ISINTERLEAVED = 0x100;
const AVIF_TRUSTCKTYPE = 0x800;
const AVIIF_KEYFRAME = 0x10;
/** AVI 1.0 keeps every offset in 32 bits, and readers commonly stop at 1 GiB (OpenDML's RIFF size). */
const MAX_BYTES = 1 << 30;

/** Builds the bytes of a Motion-JPEG AVI holding `frames` (each a complete JPEG picture, SOI to EOI). */
export function encodeMjpegAvi(frames: Uint8Array[], opts: AviVideoOptions): Uint8Array {
  const { width, height, fps } = opts;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width > 0xffff || height > 0xffff) {
    throw new Error(`writeMjpegAvi: width and height must be integers in 1..65535, got ${width}x${height}`);
  }
  if (!(fps > 0) || !Number.isFinite(fps)) throw new Error(`writeMjpegAvi: fps must be a positive number, got ${fps}`);
  if (frames.length === 0) throw new Error('writeMjpegAvi: no frames (an AVI needs at least one picture)');
  frames.forEach((f, i) => {
    if (f.length < 4 || f[0] !== 0xff || f[1] !== 0xd8) {
      throw new Error(`writeMjpegAvi: frame ${i} is not a JPEG picture (it does not start with the SOI marker FF D8)`);
    }
  });
  const { rate, scale } = ratio(fps);
  const padded = (n: number): number => n + (n & 1);
  const moviBytes = 4 + frames.reduce((s, f) => s + 8 + padded(f.length), 0);
  const hdrlBytes = 4 + (8 + 56) + (8 + 4 + (8 + 56) + (8 + 40));
  const idx1Bytes = 16 * frames.length;
  const total = 12 + (8 + hdrlBytes) + (8 + moviBytes) + (8 + idx1Bytes);
  if (total > MAX_BYTES) {
    throw new Error(`writeMjpegAvi: ${frames.length} frames make ${total} bytes, over AVI 1.0's 1 GiB; write shorter clips`);
  }
  const maxFrame = Math.max(...frames.map((f) => f.length));

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  const tag = (s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
    at += 4;
  };
  const u32 = (v: number): void => {
    view.setUint32(at, v, true);
    at += 4;
  };
  const u16 = (v: number): void => {
    view.setUint16(at, v, true);
    at += 2;
  };

  tag('RIFF'); u32(total - 8); tag('AVI ');
  tag('LIST'); u32(hdrlBytes); tag('hdrl');

  tag('avih'); u32(56);
  u32(Math.round(1e6 * scale / rate)); // dwMicroSecPerFrame
  u32(Math.ceil((maxFrame + 8) * rate / scale)); // dwMaxBytesPerSec
  u32(0); // dwPaddingGranularity
  u32(AVIF_HASINDEX | AVIF_ISINTERLEAVED | AVIF_TRUSTCKTYPE); // what ffmpeg's muxer sets
  u32(frames.length); // dwTotalFrames
  u32(0); // dwInitialFrames
  u32(1); // dwStreams
  u32(maxFrame + 8); // dwSuggestedBufferSize
  u32(width); u32(height);
  at += 16; // dwReserved[4]

  tag('LIST'); u32(4 + (8 + 56) + (8 + 40)); tag('strl');
  tag('strh'); u32(56);
  tag('vids'); tag('MJPG');
  u32(0); // dwFlags
  u16(0); u16(0); // wPriority, wLanguage
  u32(0); // dwInitialFrames
  u32(scale); u32(rate); // rate / scale = frames per second
  u32(0); // dwStart
  u32(frames.length); // dwLength
  u32(maxFrame + 8); // dwSuggestedBufferSize
  u32(0xffffffff); // dwQuality: default
  u32(0); // dwSampleSize: varies per frame
  u16(0); u16(0); u16(width); u16(height); // rcFrame

  tag('strf'); u32(40);
  u32(40); // biSize
  u32(width); u32(height); // positive height: bottom-up for raw DIBs; ignored for compressed data
  u16(1); u16(24); // biPlanes, biBitCount
  tag('MJPG'); // biCompression
  u32(width * height * 3); // biSizeImage
  u32(0); u32(0); u32(0); u32(0); // pixels per metre x/y, colours used/important

  tag('LIST'); u32(moviBytes);
  const moviFourcc = at;
  tag('movi');
  const offsets: number[] = [];
  for (const f of frames) {
    offsets.push(at - moviFourcc);
    tag('00dc'); u32(f.length);
    out.set(f, at);
    at += padded(f.length); // the pad byte stays 0
  }

  tag('idx1'); u32(idx1Bytes);
  frames.forEach((f, i) => {
    tag('00dc'); u32(AVIIF_KEYFRAME); u32(offsets[i]); u32(f.length);
  });
  if (at !== total) throw new Error(`writeMjpegAvi: internal size mismatch (${at} written, ${total} planned)`);
  return out;
}

/** Writes a Motion-JPEG AVI to `path` through a temporary file and a rename: the file is whole or absent. */
export function writeMjpegAvi(path: string, frames: Uint8Array[], opts: AviVideoOptions): void {
  writeFileAtomic(path, encodeMjpegAvi(frames, opts));
}

/** fps as rate/scale in integers: exact for integers and for rates given to a few decimals. */
function ratio(fps: number): { rate: number; scale: number } {
  if (Number.isInteger(fps)) return { rate: fps, scale: 1 };
  let scale = 1000;
  let rate = Math.round(fps * scale);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = gcd(rate, scale);
  rate /= g;
  scale /= g;
  return { rate, scale };
}
