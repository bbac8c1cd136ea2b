// MPEG-4 Part 2 (DivX, XviD) header reading for non-reference skipping: where the VOPs of a piece of
// bitstream start, each VOP's coding type, whether it is coded (an N-VOP is a placeholder with no
// picture) and its time, and from the VOL the fields needed to read those (time_increment bits) and to
// know the decoder reorders (low_delay). Bit layouts as ISO 14496-2 6.2.3/6.2.5, read the way
// libavcodec's mpeg4videodec.c reads them.
import { Unsupported } from './units.js';

export const VOP_START = 0xb6;
export const VOS_START = 0xb0;
const USER_DATA = 0xb2;

/** Offsets (of the 00 00 01) and codes of every start code in `b`. */
export function startCodes(b: Uint8Array): Array<{ at: number; code: number }> {
  const out: Array<{ at: number; code: number }> = [];
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i + 2] > 1) {
      i += 2;
      continue;
    }
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
      out.push({ at: i, code: b[i + 3] });
      i += 2;
    }
  }
  return out;
}

class Bits {
  private pos = 0;
  constructor(private readonly b: Uint8Array, start: number) {
    this.pos = start * 8;
  }
  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.pos >> 3;
      if (byte >= this.b.length) throw new Unsupported('MPEG-4 header runs past its data');
      v = v * 2 + ((this.b[byte] >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }
  marker(what: string): void {
    if (this.read(1) !== 1) throw new Unsupported(`MPEG-4 marker bit missing ${what}`);
  }
}

export interface Vol {
  voType: number;
  /** vol_control_parameters present: then lowDelay is the stream's word, not libavcodec's guess. */
  controlParameters: boolean;
  lowDelay: boolean;
  /** vop_time_increment_resolution, and the bits libavcodec reads for vop_time_increment. */
  resolution: number;
  timeBits: number;
}

/** Parses a video_object_layer header; `at` is the offset of its 00 00 01 2x start code. */
export function parseVol(b: Uint8Array, at: number): Vol {
  const g = new Bits(b, at + 4);
  g.read(1); // random_accessible_vol
  const voType = g.read(8);
  let verId = 1;
  if (g.read(1)) {
    verId = g.read(4);
    g.read(3);
  }
  if (g.read(4) === 15) g.read(16); // extended pixel aspect ratio
  const controlParameters = g.read(1) === 1;
  let lowDelay = false;
  if (controlParameters) {
    g.read(2); // chroma_format
    lowDelay = g.read(1) === 1;
    if (g.read(1)) {
      // vbv_parameters
      for (const n of [15, 15, 15]) {
        g.read(n);
        g.marker('in vbv_parameters');
      }
      g.read(3);
      g.read(11);
      g.marker('in vbv_parameters');
      g.read(15);
      g.marker('in vbv_parameters');
    }
  }
  const shape = g.read(2);
  if (shape !== 0) throw new Unsupported(`MPEG-4 VOL shape ${shape} (only rectangular is modelled)`);
  void verId;
  g.marker('before vop_time_increment_resolution');
  const resolution = g.read(16);
  if (resolution === 0) throw new Unsupported('MPEG-4 VOL time resolution 0');
  // libavcodec: av_log2(resolution - 1) + 1, at least 1
  const timeBits = Math.max(1, resolution > 1 ? Math.floor(Math.log2(resolution - 1)) + 1 : 1);
  return { voType, controlParameters, lowDelay, resolution, timeBits };
}

export interface Vop {
  /** 0 I, 1 P, 2 B, 3 S (sprite/GMC). */
  type: number;
  coded: boolean;
  /** modulo_time_base seconds counted in this header, and the vop_time_increment. */
  moduloSeconds: number;
  increment: number;
}

/** Parses a VOP header up to vop_coded; `at` is the offset of its 00 00 01 B6 start code. */
export function parseVop(b: Uint8Array, at: number, vol: Vol): Vop {
  const g = new Bits(b, at + 4);
  const type = g.read(2);
  let moduloSeconds = 0;
  while (g.read(1) === 1) if (++moduloSeconds > 60) throw new Unsupported('MPEG-4 VOP modulo_time_base runs on');
  g.marker('before vop_time_increment');
  const increment = g.read(vol.timeBits);
  // libavcodec guesses other time_increment bits when this marker is missing (a lost VOL): not modelled
  g.marker('after vop_time_increment');
  return { type, coded: g.read(1) === 1, moduloSeconds, increment };
}

/** The DivX/XviD user data strings in `b` ("DivX503b1393p", "XviD0046"). */
export function userData(b: Uint8Array): string[] {
  const codes = startCodes(b);
  const out: string[] = [];
  codes.forEach((c, i) => {
    if (c.code !== USER_DATA) return;
    const end = i + 1 < codes.length ? codes[i + 1].at : b.length;
    out.push(String.fromCharCode(...b.subarray(c.at + 4, Math.min(end, c.at + 4 + 64))));
  });
  return out;
}
