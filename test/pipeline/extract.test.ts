import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAvi } from '../../pipeline/avi.js';
import { extractClip } from '../../pipeline/extract.js';
import { frameIndices } from '../../pipeline/frames.js';
import { decodeJpeg } from '../../pipeline/jpeg.js';
import { decodeMjpegFrame } from '../../pipeline/mjpeg.js';
import { readMp4 } from '../../pipeline/mp4.js';
import { prepare } from '../../pipeline/prepare.js';
import { ffmpeg, ffmpegFrameCount, H264, meanAbsDiff, MINI, tempDir, XVID } from './helpers.js';

const BRUSH = join(MINI, 'brush_hair/April_09_brush_hair_u_nm_np1_ba_goo_0.avi');
const BASEBALL = join(MINI, 'swing_baseball/BaseballHitinSlowMotion_swing_baseball_f_nm_np1_fr_bad_0.avi');

/** ffmpeg's own dump of the given frame indices as PNG, decoded to RGB. */
async function ffmpegDump(path: string, indices: number[], dir: string): Promise<Uint8Array[]> {
  mkdirSync(dir, { recursive: true });
  const select = indices.map((i) => `eq(n\\,${i})`).join('+');
  ffmpeg(['-i', path, '-map', '0:v:0', '-vf', `select='${select}'`, '-vsync', '0', join(dir, '%02d.png')]);
  const files = readdirSync(dir).sort();
  return Promise.all(files.map(async (f) => (await decodeJpeg(join(dir, f))).data));
}

describe('container metadata', () => {
  it('reads the AVI header and counts video chunks', () => {
    const avi = readAvi(XVID);
    expect(avi.video).toMatchObject({ compression: 'XVID', width: 320, height: 240, fps: 25, headerFrames: 164 });
    expect(avi.videoChunks).toHaveLength(164);
    expect(avi.truncated).toBe(false);
  });

  it('reads the MP4 sample count through mp4box', () => {
    expect(readMp4(H264)).toMatchObject({ width: 340, height: 256, fps: 28, samples: 280 });
  });

  it('says what is wrong with a file that is not an AVI', () => {
    expect(() => readAvi(H264)).toThrow(/not an AVI file/);
  });
});

describe('16 frames of the real clips match ffmpeg’s own dump of the same indices', () => {
  const out = tempDir('extract');
  const data = join(out, 'data');
  beforeAll(async () => {
    // a class folder per clip, as prepare expects
    for (const [cls, src] of [['eye', XVID], ['arm', H264], ['brush', BRUSH], ['baseball', BASEBALL]] as const) {
      mkdirSync(join(data, cls), { recursive: true });
      ffmpeg(['-i', src, '-c', 'copy', '-map', '0', join(data, cls, `clip${src.slice(src.lastIndexOf('.'))}`)]);
    }
    const summary = await prepare({ data, out: join(out, 'frames'), progress: false, jobs: 2, log: () => {} });
    expect(summary.failed).toEqual([]);
  });

  it.each(['eye', 'arm', 'brush', 'baseball'])('%s', async (cls) => {
    const clipDir = join(out, 'frames', cls, 'clip');
    const meta = JSON.parse(readFileSync(join(clipDir, 'meta.json'), 'utf8'));
    const src = join(data, meta.source);
    // the decoded count is what counts, even where the AVI header says one more (all HMDB51 DivX clips do)
    const n = ffmpegFrameCount(src);
    expect(meta.frameCount).toBe(n);
    expect(meta.indices).toEqual(frameIndices(n));
    const ref = await ffmpegDump(src, meta.indices, join(out, 'dump', cls));
    expect(ref).toHaveLength(16);
    for (let i = 0; i < 16; i++) {
      const mine = await decodeJpeg(join(clipDir, `frame${String(i).padStart(2, '0')}.jpg`));
      expect([mine.width, mine.height]).toEqual([meta.width, meta.height]);
      expect(meanAbsDiff(mine.data, ref[i])).toBeLessThan(2);
    }
  });

  it('the AVI header of a real HMDB51 clip over-counts by one, and the decoded count wins', () => {
    expect(readAvi(BRUSH).video.headerFrames).toBe(409);
    const meta = JSON.parse(readFileSync(join(out, 'frames/brush/clip/meta.json'), 'utf8'));
    expect(meta.containerFrames).toBe(409);
    expect(meta.frameCount).toBe(408);
  });
});

describe('Motion-JPEG AVI in pure TypeScript', () => {
  const dir = tempDir('mjpeg');
  const avi = join(dir, 'clip.avi');
  beforeAll(() => {
    ffmpeg(['-i', XVID, '-frames:v', '40', '-an', '-c:v', 'mjpeg', '-q:v', '3', '-pix_fmt', 'yuvj420p', avi]);
  });

  it('decodes to the same frames as ffmpeg', async () => {
    const ts = await extractClip(avi, 16, 'auto');
    const ff = await extractClip(avi, 16, 'ffmpeg');
    expect(ts.decoder).toBe('mjpeg-ts');
    expect(ff.decoder).toBe('ffmpeg');
    expect(ts.frameCount).toBe(ffmpegFrameCount(avi));
    expect(ts.indices).toEqual(ff.indices);
    expect([ts.width, ts.height]).toEqual([320, 240]);
    for (let i = 0; i < 16; i++) expect(meanAbsDiff(ts.frames[i], ff.frames[i])).toBeLessThan(2);
    // and not merely similar to any frame: neighbouring picks differ more than the decoders do
    expect(meanAbsDiff(ts.frames[0], ff.frames[15])).toBeGreaterThan(2);
  });

  it('supplies the standard Huffman tables when a frame leaves them out', () => {
    const w = 64;
    const h = 48;
    const rgba = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
    const full = new Uint8Array(jpeg.encode({ data: rgba, width: w, height: h }, 90).data);
    // jpeg-js writes the Annex K tables in one DHT segment: cut it out
    let at = 2;
    while (!(full[at] === 0xff && full[at + 1] === 0xc4)) at += 2 + ((full[at + 2] << 8) | full[at + 3]);
    const len = 2 + ((full[at + 2] << 8) | full[at + 3]);
    const stripped = new Uint8Array([...full.subarray(0, at), ...full.subarray(at + len)]);
    expect(() => jpeg.decode(stripped, { useTArray: true })).toThrow();
    expect(decodeMjpegFrame(stripped).data).toEqual(decodeMjpegFrame(full).data);
  });

  it('refuses a non-MJPEG AVI when the pure-TypeScript decoder is forced', async () => {
    await expect(extractClip(XVID, 16, 'mjpeg-ts')).rejects.toThrow(/not a Motion-JPEG AVI/);
  });
});
