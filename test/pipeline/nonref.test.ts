// Skipping unselected non-reference frames (pipeline/nonref/): the frames must be byte-identical to the
// full decode's, on every real clip in ../shared; the MPEG-4 replay of libavcodec's packed-bitstream
// handling on crafted chunks; and the fallback to the full decode for streams it does not model.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readAvi } from '../../pipeline/avi.js';
import { readMp4 } from '../../pipeline/mp4.js';
import { extractClip } from '../../pipeline/extract.js';
import { h264Mp4Units } from '../../pipeline/nonref/h264-mp4.js';
import { mpeg4AviUnits } from '../../pipeline/nonref/mpeg4-avi.js';
import * as skip from '../../pipeline/nonref/skip.js';
import { joinUnits, planDecode, Unsupported } from '../../pipeline/nonref/units.js';
import { decodeStreamSelected } from '../../pipeline/ffmpeg.js';
import { frameIndices } from '../../pipeline/frames.js';
import { ffmpeg, H264, MINI, tempDir, XVID } from './helpers.js';

const HMDB = readdirSync(MINI, { withFileTypes: true }).filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(MINI, d.name)).map((f) => join(MINI, d.name, f)));

async function fullDecode(path: string): Promise<Awaited<ReturnType<typeof extractClip>>> {
  process.env.WEBGRAD_SKIP_NONREF = '0';
  try {
    return await extractClip(path);
  } finally {
    delete process.env.WEBGRAD_SKIP_NONREF;
  }
}

afterEach(() => {
  delete process.env.WEBGRAD_SKIP_NONREF;
});

describe('skipping non-reference frames gives the full decode\'s frames', () => {
  it('has the 7 HMDB51 clips', () => expect(HMDB).toHaveLength(7));

  for (const path of [XVID, H264, ...HMDB]) {
    const name = path.split('/').pop()!;
    it(name, async () => {
      const full = await fullDecode(path);
      expect(full.framesDecoded).toBeUndefined();
      const ours = await extractClip(path);
      expect(ours.frameCount).toBe(full.frameCount);
      expect(ours.indices).toEqual(full.indices);
      expect(ours.frames).toHaveLength(full.frames.length);
      ours.frames.forEach((f, i) => expect(Buffer.compare(Buffer.from(f), Buffer.from(full.frames[i])), `frame ${ours.indices[i]}`).toBe(0));
      if (name.startsWith('Increase_stride')) {
        // only I- and P-VOPs: nothing to skip, the clip goes the plain way
        expect(ours.framesDecoded).toBeUndefined();
        expect(skip.lastFallback).toBe('no frame to skip');
      } else {
        expect(ours.framesDecoded).toBeLessThan(full.frameCount);
      }
    }, 60_000);
  }

  it('decodes 67 of the XviD clip\'s 164 frames and 168 of the H.264 clip\'s 280', async () => {
    expect((await extractClip(XVID)).framesDecoded).toBe(67);
    expect((await extractClip(H264)).framesDecoded).toBe(168);
  }, 30_000);
});

describe('closed GOPs: what follows the last wanted frame before an IDR is left out', () => {
  it('plans it on crafted units', () => {
    // decode order: IDR0 P2 b1 P3 | IDR4 P5 P6 | IDR7 P8
    const u = (display: number, ref = true, closes = false) => ({ bytes: new Uint8Array([display]), ref, display, closes });
    const units = [u(0, true, true), u(2), u(1, false), u(3), u(4, true, true), u(5), u(6), u(7, true, true), u(8)];
    const plan = planDecode(units, [1, 8]);
    // stretch 1 ends after b1; stretch 2 has nothing wanted; stretch 3 is needed up to P8
    expect(plan.units.map((x) => x.display)).toEqual([0, 2, 1, 7, 8]);
    expect([...plan.positions]).toEqual([[1, 1], [8, 4]]);
    expect(plan.keptFrames).toBe(5);
  });

  it('gives the full decode\'s frames on an H.264 clip with an IDR every 10 frames', async () => {
    const dir = tempDir('nonref');
    const out = join(dir, 'gop10.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=128x96:rate=25:duration=10', '-c:v', 'libx264', '-bf', '3', '-g', '10',
      '-keyint_min', '10', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', out]);
    const full = await fullDecode(out);
    const ours = await extractClip(out);
    expect(ours.frameCount).toBe(250);
    expect(ours.indices).toEqual(full.indices);
    ours.frames.forEach((f, i) => expect(Buffer.compare(Buffer.from(f), Buffer.from(full.frames[i])), `frame ${ours.indices[i]}`).toBe(0));
    // 16 frames from 25 GOPs: whole GOPs are left out
    expect(ours.framesDecoded).toBeLessThan(125);
  }, 60_000);
});

describe('fallback to the full decode', () => {
  it('notices a reduced stream that yields another frame count than planned', async () => {
    const src = { kind: 'avi' as const, avi: readAvi(XVID) };
    const clip = skip.clipUnits(XVID, src);
    const plan = planDecode(clip.units, frameIndices(clip.frames, 16), clip.alsoKeep);
    const positions = [...plan.positions.values()];
    const bytes = joinUnits(plan.units);
    expect(await decodeStreamSelected('m4v', bytes, XVID, 320, 240, positions, plan.keptFrames)).toHaveLength(16);
    // a stream that yields more frames than planned (here: every unit) returns those past the plan too
    const all = joinUnits(clip.units);
    expect((await decodeStreamSelected('m4v', all, XVID, 320, 240, positions, plan.keptFrames)).length).toBeGreaterThan(16);
    // and a stream short of frames misses the last position
    const short = joinUnits(plan.units.slice(0, -1));
    expect((await decodeStreamSelected('m4v', short, XVID, 320, 240, positions, plan.keptFrames)).length).toBeLessThan(16);
  }, 30_000);

  it('takes it for an MPEG-4 AVI of another codec tag (libavcodec\'s own encoder: FMP4)', async () => {
    const dir = tempDir('nonref');
    const out = join(dir, 'lavc.avi');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=25:duration=2', '-c:v', 'mpeg4', '-bf', '2', '-g', '12', out]);
    const clip = await extractClip(out);
    expect(skip.lastFallback).toMatch(/codec tag 'FMP4'/);
    expect(clip.framesDecoded).toBeUndefined();
    expect(clip.frameCount).toBe(50);
    const full = await fullDecode(out);
    expect(clip.frames).toEqual(full.frames);
  }, 30_000);

  it('takes it for an MP4 whose edit list trims frames', async () => {
    const dir = tempDir('nonref');
    const out = join(dir, 'trim.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=25:duration=2', '-c:v', 'libx264', '-bf', '2', '-g', '12', join(dir, 'a.mp4')]);
    // -ss with stream copy writes an edit list starting inside the first GOP
    ffmpeg(['-ss', '0.3', '-i', join(dir, 'a.mp4'), '-c', 'copy', out]);
    expect(() => h264Mp4Units(out)).toThrow(Unsupported);
    const clip = await extractClip(out);
    expect(clip.framesDecoded).toBeUndefined();
  }, 30_000);
});

/** MSB-first bit writer for crafted MPEG-4 headers. */
class BitWriter {
  private bits: number[] = [];
  put(value: number, n: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push((value >> i) & 1);
    return this;
  }
  bytes(): number[] {
    const out: number[] = [];
    // pad with ones (0xff never forms a start code)
    for (let i = 0; i < this.bits.length || i % 8 !== 0; i++) {
      if (i % 8 === 0) out.push(0);
      out[out.length - 1] |= (i < this.bits.length ? this.bits[i] : 1) << (7 - (i % 8));
    }
    return out;
  }
}

const vol = (lowDelay = 0): number[] => [0, 0, 1, 0x20, ...new BitWriter()
  .put(0, 1).put(17, 8).put(0, 1).put(1, 4) // random access, ASP, no ol id, square pixels
  .put(1, 1).put(1, 2).put(lowDelay, 1).put(0, 1) // control parameters: 4:2:0, low_delay, no vbv
  .put(0, 2).put(1, 1).put(25, 16).put(1, 1) // rectangular, marker, 25 ticks/s, marker
  .bytes()];
const userData = (s: string): number[] => [0, 0, 1, 0xb2, ...[...s].map((c) => c.charCodeAt(0))];
/** A VOP of type 'IPBS'[type] at tick t (< 25), coded or an N-VOP, padded to `size` bytes. */
function vop(type: number, t: number, coded = true, size = 16): number[] {
  const head = [0, 0, 1, 0xb6, ...new BitWriter().put(type, 2).put(0, 1).put(1, 1).put(t, 5).put(1, 1).put(coded ? 1 : 0, 1).bytes()];
  while (head.length < size) head.push(0xff);
  return head;
}
const chunk = (...parts: number[][]): Uint8Array => new Uint8Array(parts.flat());
const [I, P, B] = [0, 1, 2];

describe('MPEG-4 packed-bitstream replay', () => {
  const head = (packed = true): number[][] => [vol(), userData(packed ? 'DivX503b1393p' : 'DivX503b1393')];

  it('unpacks P+B chunks, drops N-VOP placeholders and one-byte chunks, and loses a B kept at the end', () => {
    const chunks = [
      chunk(...head(), vop(I, 0)), new Uint8Array([0x7f]),
      chunk(vop(P, 2), vop(B, 1)), chunk(vop(P, 2, false, 8)),
      chunk(vop(P, 4), vop(B, 3)), chunk(vop(P, 4, false, 8)),
      chunk(vop(P, 5)),
      chunk(vop(P, 7), vop(B, 6)), // libavcodec keeps the B and never decodes it
    ];
    const r = mpeg4AviUnits('DX50', chunks);
    expect(r.frames).toBe(7);
    // decode order I0 P2 B1 P4 B3 P5 P7 (B6 lost); display I0 B1 P2 B3 P4 P5 P7
    expect(r.units.map((u) => `${u.ref ? 'r' : 'n'}${u.display}`)).toEqual(['r0', 'r2', 'n1', 'r4', 'n3', 'r5', 'r6']);
    expect(r.firstB).toBe(r.units[2]);
    // a unit is one VOP: the packed chunk is split at the second VOP's start code
    expect(r.units[1].bytes).toHaveLength(16);
    expect(r.units[0].bytes[3]).toBe(0x20);

    const plan = planDecode(r.units, [0, 3, 6], new Set([r.firstB!]));
    expect(plan.units).toHaveLength(7);
    const plan2 = planDecode(r.units, [0, 3, 6]);
    expect(plan2.units.map((u) => u.display)).toEqual([0, 2, 4, 3, 5, 6]);
    expect(plan2.keptFrames).toBe(6);
    expect([...plan2.positions]).toEqual([[0, 0], [3, 2], [6, 5]]);
  });

  it('replays XviD\'s P+B, B, N-VOP pattern: the chunk after a packed one is stored in turn', () => {
    const chunks = [
      chunk(...head(), vop(I, 0)),
      chunk(vop(P, 3), vop(B, 1)), chunk(vop(B, 2)), chunk(vop(P, 3, false, 8)),
      chunk(vop(P, 6), vop(B, 4)), chunk(vop(B, 5)), chunk(vop(P, 6, false, 8)),
    ];
    const r = mpeg4AviUnits('XVID', chunks);
    expect(r.frames).toBe(7);
    expect(r.units.map((u) => `${u.ref ? 'r' : 'n'}${u.display}`)).toEqual(['r0', 'r3', 'n1', 'n2', 'r6', 'n4', 'n5']);
  });

  it('refuses what it does not replay exactly', () => {
    const bad: Array<[string, Uint8Array[]]> = [
      ['DivX packed flag missing', [chunk(...head(false), vop(I, 0)), chunk(vop(P, 2), vop(B, 1))]],
      ['B before two references', [chunk(...head(), vop(I, 0)), chunk(vop(B, 1))]],
      ['low_delay 1 with B-VOPs', [chunk(vol(1), userData('XviD0046'), vop(I, 0)), chunk(vop(P, 2)), chunk(vop(P, 4)), chunk(vop(B, 3))]],
      ['three VOPs in a chunk', [chunk(...head(), vop(I, 0)), chunk(vop(P, 3), vop(B, 1), vop(B, 2))]],
      ['a zero-size chunk', [chunk(...head(), vop(I, 0)), new Uint8Array(0)]],
      ['a coded P arriving while a B is kept (libavcodec drops it)', [chunk(...head(), vop(I, 0)), chunk(vop(P, 2), vop(B, 1)), chunk(vop(P, 3))]],
      ['no VOL first', [chunk(vop(I, 0))]],
      ['an N-VOP packed with a B-VOP', [chunk(...head(), vop(I, 0)), chunk(vop(P, 2)), chunk(vop(P, 3, false), vop(B, 1))]],
    ];
    for (const [why, chunks] of bad) expect(() => mpeg4AviUnits('XVID', chunks), why).toThrow(Unsupported);
    expect(() => mpeg4AviUnits('FMP4', [chunk(...head(), vop(I, 0))])).toThrow(/codec tag/);
  });
});

describe('H.264 sample classification', () => {
  it('marks as non-reference exactly the access units whose slices all have nal_ref_idc 0', () => {
    const dir = tempDir('nonref');
    const annexB = join(dir, 'arm.h264');
    ffmpeg(['-i', H264, '-c', 'copy', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264', annexB]);
    // ffmpeg's own Annex B: count slices with nal_ref_idc 0 (one slice per picture in this clip)
    const b = new Uint8Array(readFileSync(annexB));
    let nonRefSlices = 0;
    for (let i = 0; i + 3 < b.length; i++) {
      if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
        const t = b[i + 3] & 31;
        if (t >= 1 && t <= 5 && (b[i + 3] & 0x60) === 0) nonRefSlices++;
      }
    }
    const r = h264Mp4Units(H264);
    expect(r.frames).toBe(280);
    expect(r.meta).toEqual(readMp4(H264));
    expect(r.units.filter((u) => !u.ref)).toHaveLength(nonRefSlices);
    expect(nonRefSlices).toBe(108);
    expect(new Set(r.units.map((u) => u.display)).size).toBe(280);
  });
});
