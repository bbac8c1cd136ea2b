// AVI chunks of MPEG-4 Part 2 → decode units for non-reference skipping, replaying what libavcodec
// (4.x, the bundled ffmpeg) does with them. DivX/XviD "packed bitstream" AVIs store a P-VOP and the
// B-VOP displayed before it in one chunk and an N-VOP placeholder after; libavcodec decodes the first
// VOP, keeps the rest, and decodes the kept VOP instead of the next chunk (mpeg4videodec.c
// ff_mpeg4_frame_end, h263dec.c). So the units here are single VOPs in the order libavcodec decodes
// them, with the same losses: a VOP kept at the end of the file is never decoded, a chunk arriving
// while a VOP is kept is ignored unless it is stored in turn. B-VOPs are the non-reference frames.
// Anything else this does not replay exactly throws Unsupported, and the clip is decoded in full.
import { parseVol, parseVop, startCodes, userData, type Vol, VOP_START, VOS_START } from './mpeg4-headers.js';
import { type DecodeUnit, Unsupported } from './units.js';

/** Codec tags whose libavcodec workarounds come from the stream's user data, not from the tag. */
const TAGS = new Set(['XVID', 'DX50', 'DIVX']);

export interface Mpeg4Units {
  units: DecodeUnit[];
  /** Frames the full decode yields. */
  frames: number;
  /** The first B-VOP decoded: always kept, since libavcodec sets its interlaced direct-mode time base from it. */
  firstB: DecodeUnit | undefined;
}

const isVol = (code: number): boolean => code >= 0x20 && code <= 0x2f;

export function mpeg4AviUnits(tag: string, chunks: Uint8Array[]): Mpeg4Units {
  if (!TAGS.has(tag.toUpperCase())) throw new Unsupported(`codec tag '${tag}'`);
  if (chunks.length === 0) throw new Unsupported('no video chunks');
  const head = chunks[0];
  const volAt = startCodes(head).find((c) => isVol(c.code) || c.code === VOP_START);
  if (!volAt || !isVol(volAt.code)) throw new Unsupported('the first chunk has no VOL header before its first VOP');
  const vol: Vol = parseVol(head, volAt.at);
  const ud = userData(head).join(' ');
  if (!/DivX\d+(b|Build)\d+|XviD\d+/.test(ud)) throw new Unsupported('no DivX/XviD user data in the first chunk');
  const packed = /DivX\d+(?:b|Build)\d+p/.test(ud);

  const units: DecodeUnit[] = [];
  const decodeOrderFrames: DecodeUnit[] = [];
  let refs = 0;
  let sawB = false;
  let firstB: DecodeUnit | undefined;
  // libavcodec's time state (mpeg4videodec.c decode_vop_header), to know it would not skip a B-VOP
  let timeBase = 0;
  let lastTimeBase = 0;
  let lastNonBTime = 0;
  let ppTime = 0;

  /** libavcodec decoding the first VOP in `bytes` (the headers before it included). */
  const decode = (bytes: Uint8Array): void => {
    const codes = startCodes(bytes);
    const vops = codes.filter((c) => c.code === VOP_START);
    if (vops.length === 0) {
      // libavcodec skips a one-byte chunk of a DivX/XviD stream ("frame skip 8"); other VOP-less data is an error
      if (bytes.length === 1) return;
      throw new Unsupported(`a ${bytes.length}-byte chunk without a VOP`);
    }
    for (const c of codes) {
      if (c.at > vops[0].at) break;
      if (isVol(c.code)) {
        const v = parseVol(bytes, c.at);
        if (v.timeBits !== vol.timeBits || v.lowDelay !== vol.lowDelay || v.controlParameters !== vol.controlParameters) {
          throw new Unsupported('a later VOL header differs from the first');
        }
      }
    }
    const vop = parseVop(bytes, vops[0].at, vol);
    const end = vops.length > 1 ? vops[1].at : bytes.length;
    const unit: DecodeUnit = { bytes: bytes.subarray(0, end), ref: true, display: -1 };
    if (vop.type !== 2) {
      lastTimeBase = timeBase;
      timeBase += vop.moduloSeconds;
      const time = timeBase * vol.resolution + vop.increment;
      ppTime = time - lastNonBTime;
      lastNonBTime = time;
    } else {
      if (!vop.coded) throw new Unsupported('a B-VOP that is not coded');
      const time = (lastTimeBase + vop.moduloSeconds) * vol.resolution + vop.increment;
      const pbTime = ppTime - (lastNonBTime - time);
      if (ppTime <= pbTime || ppTime <= ppTime - pbTime || ppTime <= 0) throw new Unsupported('a B-VOP libavcodec would skip (times out of order)');
      if (refs < 2) throw new Unsupported('a B-VOP before two reference frames');
      unit.ref = false;
      sawB = true;
      firstB ??= unit;
    }
    units.push(unit);
    if (vop.coded) {
      decodeOrderFrames.push(unit);
      if (vop.type !== 2) refs++;
    }
  };

  let kept: Uint8Array | null = null;
  for (const c of chunks) {
    if (c.length === 0) throw new Unsupported('a zero-size chunk');
    const vops = startCodes(c).filter((s) => s.code === VOP_START);
    if (vops.length > 2) throw new Unsupported(`a chunk with ${vops.length} VOPs`);
    if (kept) {
      const first = startCodes(c)[0];
      if (first && first.code === VOS_START) throw new Unsupported('a VOS header right after a packed chunk (libavcodec drops the kept VOP)');
      decode(kept);
      kept = null;
      // libavcodec then stores this chunk whole when its first VOP is an I or B, else ignores it
      if (c.length > 7 && vops.length > 0 && vops[0].at < c.length - 4 && !(c[vops[0].at + 4] & 0x40)) {
        if (vops.length > 1) throw new Unsupported('a packed chunk stored behind another one');
        kept = c;
      } else if (vops.length > 0 && !(c.length <= 20 && !parseVop(c, vops[0].at, vol).coded)) {
        throw new Unsupported('a coded VOP that libavcodec ignores after a packed chunk');
      }
      continue;
    }
    decode(c);
    if (vops.length === 2) {
      if (!packed) throw new Unsupported('two VOPs in a chunk without the DivX packed-bitstream flag');
      // libavcodec returns before keeping anything when the first VOP yields no picture
      if (!parseVop(c, vops[0].at, vol).coded) throw new Unsupported('an N-VOP packed with another VOP');
      const second = c.subarray(vops[1].at);
      if (second.length <= 7 || (second[4] & 0x40)) throw new Unsupported('a packed second VOP libavcodec does not keep');
      kept = second;
    }
  }
  // a VOP still kept at the end of the file is never decoded by libavcodec 4.x

  if (sawB && !(vol.controlParameters && !vol.lowDelay)) {
    throw new Unsupported('B-VOPs without a VOL that sets low_delay 0 (libavcodec then changes its output delay midway)');
  }
  // display order: B-VOPs show at once, a reference when the next reference is decoded (or at the end)
  let shown = 0;
  let pending: DecodeUnit | undefined;
  for (const u of decodeOrderFrames) {
    if (!u.ref) u.display = shown++;
    else {
      if (pending) pending.display = shown++;
      pending = u;
    }
  }
  if (pending) pending.display = shown++;
  return { units, frames: shown, firstB };
}
