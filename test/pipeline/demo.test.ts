import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAvi, readAviChunks } from '../../pipeline/avi.js';
import { encodeMjpegAvi, writeMjpegAvi } from '../../pipeline/demo/avi-writer.js';
import { DEMO_FILE, DemoError, demoClipPath, makeDemoVideos } from '../../pipeline/demo/make-demo.js';
import {
  DEMO_HEIGHT, DEMO_ORDERS, DEMO_SHAPES, DEMO_WIDTH, demoClassNames, demoOrder, describeDemoTask, drawContent,
  orderName, planClip, renderFrame, synthesizeClip,
} from '../../pipeline/demo/synthetic.js';
import { ffmpegBinary, probeWithFfmpeg } from '../../pipeline/ffmpeg.js';
import { decodeJpeg, encodeJpeg } from '../../pipeline/jpeg.js';
import { decodeMjpegFrame } from '../../pipeline/mjpeg.js';
import { prepare } from '../../pipeline/prepare.js';
import { ffmpegFrameCount, meanAbsDiff, tempDir } from './helpers.js';

const made: string[] = [];
const temp = (tag: string): string => {
  const d = tempDir(tag);
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Which shape a frame shows: the colour most pixels are strongly dominated by ('none' when no shape is visible). */
function dominant(rgb: Uint8Array): string {
  const n = [0, 0, 0];
  for (let p = 0; p < rgb.length; p += 3) {
    const [r, g, b] = [rgb[p], rgb[p + 1], rgb[p + 2]];
    if (r > g + 60 && r > b + 60) n[0]++;
    else if (g > r + 60 && g > b + 60) n[1]++;
    else if (b > r + 60 && b > g + 60) n[2]++;
  }
  const best = n.indexOf(Math.max(...n));
  return n[best] >= 50 ? DEMO_SHAPES[best].colour : 'none';
}

/** Run-length collapse: ['red','red','green'] → ['red','green'], with the run lengths. */
function runs(seq: string[]): { names: string[]; lengths: number[] } {
  const names: string[] = [];
  const lengths: number[] = [];
  for (const s of seq) {
    if (names[names.length - 1] === s) lengths[lengths.length - 1]++;
    else {
      names.push(s);
      lengths.push(1);
    }
  }
  return { names, lengths };
}

/** A few small, smooth JPEG pictures (smooth so JPEG keeps them close), each unlike the others, of various lengths. */
async function pictures(count: number, w: number, h: number): Promise<{ rgb: Uint8Array[]; jpg: Uint8Array[] }> {
  const rgb: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const img = new Uint8Array(w * h * 3);
    for (let p = 0; p < w * h; p++) {
      const x = p % w;
      const y = Math.floor(p / w);
      img[p * 3] = x * 3 + i * 10;
      img[p * 3 + 1] = y * 5 + i * 7;
      img[p * 3 + 2] = 60 + i * 20;
    }
    rgb.push(img);
  }
  return { rgb, jpg: await Promise.all(rgb.map((f) => encodeJpeg(f, w, h, 90))) };
}

describe('writeMjpegAvi', () => {
  it('writes a standard AVI that our RIFF reader, jpeg-js and ffmpeg all read frame for frame', async () => {
    const dir = temp('avi');
    const { rgb, jpg } = await pictures(7, 48, 32);
    expect(jpg.some((j) => j.length % 2 === 1)).toBe(true); // the word-alignment padding is exercised
    const path = join(dir, 'clip.avi');
    writeMjpegAvi(path, jpg, { width: 48, height: 32, fps: 25 });
    expect(readdirSync(dir)).toEqual(['clip.avi']); // the temporary file was renamed, nothing left over

    const avi = readAvi(path);
    expect(avi.truncated).toBe(false);
    expect(avi.totalFramesHeader).toBe(7);
    expect(avi.video).toEqual({ index: 0, handler: 'MJPG', compression: 'MJPG', width: 48, height: 32, fps: 25, headerFrames: 7 });
    const back = readAviChunks(path, avi.videoChunks);
    expect(back.map(sha)).toEqual(jpg.map(sha));
    back.forEach((j, i) => {
      const img = decodeMjpegFrame(j);
      expect([img.width, img.height]).toEqual([48, 32]);
      expect(meanAbsDiff(img.data, rgb[i])).toBeLessThan(3); // neighbouring pictures differ by 8 on average
    });

    // idx1: one entry per frame, offsets from the 'movi' fourcc to each '00dc' header, unpadded sizes
    const bytes = readFileSync(path);
    const movi = bytes.indexOf('movi');
    const idx1 = bytes.lastIndexOf('idx1');
    expect(bytes.readUInt32LE(idx1 + 4)).toBe(16 * 7);
    expect(bytes.readUInt32LE(4) + 8).toBe(bytes.length);
    for (let i = 0; i < 7; i++) {
      const e = idx1 + 8 + 16 * i;
      expect(bytes.toString('latin1', e, e + 4)).toBe('00dc');
      expect(bytes.readUInt32LE(e + 4)).toBe(0x10); // keyframe
      const at = movi + bytes.readUInt32LE(e + 8);
      expect(bytes.toString('latin1', at, at + 4)).toBe('00dc');
      expect(bytes.readUInt32LE(at + 4)).toBe(jpg[i].length);
      expect(bytes.readUInt32LE(e + 12)).toBe(jpg[i].length);
      expect(avi.videoChunks[i].offset).toBe(at + 8);
    }

    expect(ffmpegFrameCount(path)).toBe(7);
    expect(await probeWithFfmpeg(path)).toEqual({ codec: 'mjpeg', width: 48, height: 32, fps: 25 });
    // ffmpeg decodes every frame without an error (a bad chunk or index prints one; -v warning would add only
    // swscale's note on yuvj420p, which every MJPEG gets)
    const r = spawnSync(ffmpegBinary().path, ['-hide_banner', '-nostdin', '-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 24 });
    expect(r.status).toBe(0);
    expect(r.stderr.toString()).toBe('');
    expect(r.stdout.length).toBe(7 * 48 * 32 * 3);
    expect(meanAbsDiff(new Uint8Array(r.stdout.subarray(3 * 48 * 32 * 3, 4 * 48 * 32 * 3)), rgb[3])).toBeLessThan(3);
  });

  it('stores a fractional frame rate exactly and refuses what is not a JPEG picture', async () => {
    const { jpg } = await pictures(2, 16, 16);
    const avi = encodeMjpegAvi(jpg, { width: 16, height: 16, fps: 29.97 });
    const strh = Buffer.from(avi).indexOf('strh');
    expect([Buffer.from(avi).readUInt32LE(strh + 28), Buffer.from(avi).readUInt32LE(strh + 32)]).toEqual([100, 2997]); // scale, rate
    expect(() => encodeMjpegAvi([jpg[0], new Uint8Array(10)], { width: 16, height: 16, fps: 25 })).toThrow(/frame 1 is not a JPEG picture/);
    expect(() => encodeMjpegAvi([], { width: 16, height: 16, fps: 25 })).toThrow(/no frames/);
    expect(() => encodeMjpegAvi(jpg, { width: 0, height: 16, fps: 25 })).toThrow(/width and height/);
  });
});

describe('the synthetic task', () => {
  it('shows the same 16 sampled pictures in every class, only in another order', () => {
    for (const seed of [1, 2, 3]) {
      const content = drawContent(seed);
      const bags: string[] = [];
      const sequences: string[] = [];
      for (const order of DEMO_ORDERS) {
        const plan = planClip(content, order);
        const frames = plan.sampled.map((r) => renderFrame(plan, r));
        bags.push(frames.map(sha).sort().join());
        sequences.push(frames.map(sha).join());
        // the class is read off the order of the runs, and each shape fills its drawn number of sampled frames
        const seen = runs(frames.map(dominant));
        expect(seen.names.join('-')).toBe(orderName(order));
        expect(seen.lengths).toEqual(order.map((s) => content.counts[s]));
      }
      expect(new Set(bags).size).toBe(1);
      expect(new Set(sequences).size).toBe(DEMO_ORDERS.length);
    }
  });

  it('varies clip length, run lengths and raw boundaries, keeping every shape in at least 4 sampled frames', () => {
    const lengths = new Set<number>();
    const counts = new Set<string>();
    const cuts = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const c = drawContent(seed);
      lengths.add(c.frameCount);
      counts.add(c.counts.join());
      expect(c.counts.every((k) => k >= 4 && k <= 7) && c.counts.reduce((a, b) => a + b) === 16).toBe(true);
      cuts.add(planClip(c, [0, 1, 2]).runs[1].start);
    }
    expect(Math.min(...lengths)).toBe(40);
    expect(Math.max(...lengths)).toBe(64);
    expect(counts.size).toBe(12);
    expect(cuts.size).toBeGreaterThan(15);
    // the raw video's runs cover it without gaps
    const { plan, frames } = synthesizeClip(7, [2, 0, 1]);
    expect(frames).toHaveLength(plan.content.frameCount);
    expect(plan.runs.map((r) => [r.start, r.end]).flat()).toEqual([0, ...plan.runs.slice(0, 2).flatMap((r) => [r.end, r.end]), plan.content.frameCount]);
  });

  it('names its classes and describes itself', () => {
    expect(demoClassNames()).toEqual(['red-green-blue', 'blue-green-red', 'green-blue-red']);
    expect(demoClassNames(4)[3]).toBe('red-blue-green');
    expect(() => demoClassNames(7)).toThrow(/2 to 6/);
    expect(demoOrder('green-blue-red')).toEqual([1, 2, 0]);
    expect(describeDemoTask()).toMatch(/order.*\n.*red-green-blue, blue-green-red, green-blue-red/s);
  });
});

describe('makeDemoVideos', () => {
  it('is deterministic, resumable and keeps the folder to what was asked', async () => {
    const root = temp('demo');
    const out = join(root, 'a');
    const s = await makeDemoVideos({ out, clipsPerClass: 3 });
    expect(s).toMatchObject({ classes: demoClassNames(3), clips: 9, written: 9, skipped: 0, removed: 0 });
    const names = demoClassNames(3).flatMap((c) => [0, 1, 2].map((i) => `${c}/${c}_00${i}.avi`));
    const hashes = (dir: string): string[] => names.map((n) => sha(readFileSync(join(dir, n))));
    const first = hashes(out);
    expect(new Set(first).size).toBe(9);
    expect(JSON.parse(readFileSync(join(out, DEMO_FILE), 'utf8'))).toMatchObject({ seed: 0, clipsPerClass: 3, classes: demoClassNames(3) });

    // same seed elsewhere: the same bytes; another seed: other bytes
    await makeDemoVideos({ out: join(root, 'b'), clipsPerClass: 3 });
    expect(hashes(join(root, 'b'))).toEqual(first);
    await makeDemoVideos({ out: join(root, 'c'), clipsPerClass: 3, seed: 1 });
    expect(hashes(join(root, 'c')).filter((h) => first.includes(h))).toEqual([]);

    // a second run skips everything; a cut-off clip, a missing clip and a stray temporary file are repaired
    expect(await makeDemoVideos({ out, clipsPerClass: 3 })).toMatchObject({ written: 0, skipped: 9 });
    const cut = join(out, names[4]);
    truncateSync(cut, 5000);
    rmSync(join(out, names[8]));
    writeFileSync(join(out, 'red-green-blue/.partial-red-green-blue_001.avi.123-0.tmp'), 'half');
    const progress: number[] = [];
    const again = await makeDemoVideos({ out, clipsPerClass: 3, onProgress: (p) => progress.push(p.done) });
    expect(again).toMatchObject({ written: 2, skipped: 7 });
    expect(progress.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(hashes(out)).toEqual(first);
    expect(readdirSync(join(out, 'red-green-blue')).sort()).toEqual(names.slice(0, 3).map((n) => n.split('/')[1]));

    // fewer clips and classes: what is no longer asked for goes
    expect(await makeDemoVideos({ out, classes: 2, clipsPerClass: 2 })).toMatchObject({ written: 0, skipped: 4, removed: 5 });
    expect(existsSync(join(out, 'green-blue-red'))).toBe(false);
    expect(readdirSync(join(out, 'blue-green-red'))).toEqual(['blue-green-red_000.avi', 'blue-green-red_001.avi']);

    // another seed on the same folder is refused, unless forced
    await expect(makeDemoVideos({ out, classes: 2, clipsPerClass: 2, seed: 5 })).rejects.toThrow(DemoError);
    await expect(makeDemoVideos({ out, classes: 2, clipsPerClass: 2, seed: 5 })).rejects.toThrow(/seed 0.*seed 5.*force/);
    expect(await makeDemoVideos({ out, classes: 2, clipsPerClass: 2, seed: 1, force: true })).toMatchObject({ written: 4, skipped: 0 });
    expect(sha(readFileSync(join(out, names[0])))).toBe(hashes(join(root, 'c'))[0]);

    // a folder that is not a demo's (a real dataset's class folders) is left alone
    mkdirSync(join(root, 'hmdb/brush_hair'), { recursive: true });
    await expect(makeDemoVideos({ out: join(root, 'hmdb'), clipsPerClass: 1 })).rejects.toThrow(/hmdb is not empty.*brush_hair.*another out/);
    expect(readdirSync(join(root, 'hmdb'))).toEqual(['brush_hair']);
  });

  it('goes through the real prepare as 16-frame clips whose order, and only whose order, tells the class', async () => {
    const root = temp('demo-prepare');
    const data = join(root, 'videos');
    await makeDemoVideos({ out: data, clipsPerClass: 2, seed: 3 });
    // beside them, pairs: one content laid out in each class's order (as the generator could have drawn it)
    const classes = demoClassNames(3);
    for (const c of classes) {
      for (const content of [11, 12]) {
        const { frames } = synthesizeClip(content, demoOrder(c));
        const jpgs = await Promise.all(frames.map((f) => encodeJpeg(f, DEMO_WIDTH, DEMO_HEIGHT, 90)));
        writeMjpegAvi(join(data, c, `pair${content}.avi`), jpgs, { width: DEMO_WIDTH, height: DEMO_HEIGHT, fps: 25 });
      }
    }
    const frames = join(root, 'frames');
    const s = await prepare({ data, out: frames, jobs: 1, progress: false, log: () => {} });
    expect(s.failed).toEqual([]);
    expect(s.clips).toHaveLength(12);
    for (const clip of s.clips) {
      expect(clip).toMatchObject({ codec: 'mjpeg', decoder: 'mjpeg-ts', width: DEMO_WIDTH, height: DEMO_HEIGHT, fps: 25 });
      expect(clip.indices).toHaveLength(16);
    }

    const read = async (c: string, clip: string): Promise<Uint8Array[]> => {
      const files = readdirSync(join(frames, c, clip)).filter((f) => f.endsWith('.jpg')).sort();
      expect(files).toHaveLength(16);
      return Promise.all(files.map(async (f) => (await decodeJpeg(join(frames, c, clip, f))).data));
    };
    const mean = (imgs: Uint8Array[]): number[] => [0, 1, 2].map((ch) => {
      let t = 0;
      for (const img of imgs) for (let p = ch; p < img.length; p += 3) t += img[p];
      return t / (imgs.length * DEMO_WIDTH * DEMO_HEIGHT);
    });

    // every demo clip: the shapes appear as runs in the class's order, each visible in 4..7 of the 16 frames
    for (const c of classes) {
      for (const clip of [`${c}_000`, `${c}_001`]) {
        const seen = runs((await read(c, clip)).map(dominant));
        expect(seen.names.join('-')).toBe(c);
        expect(seen.lengths.every((n) => n >= 4 && n <= 7)).toBe(true);
      }
    }
    // the pairs: the first, middle and last frames' colours tell the class; the clip's average colour does
    // not (it is the same in every class, to the byte), nor does any statistic of the bag of frames
    for (const content of [11, 12]) {
      const clips = await Promise.all(classes.map((c) => read(c, `pair${content}`)));
      const bags = clips.map((f) => f.map(sha).sort().join());
      expect(new Set(bags).size).toBe(1);
      const averages = clips.map((f) => mean(f).map((v) => v.toFixed(6)).join());
      expect(new Set(averages).size).toBe(1);
      const ends = clips.map((f) => [f[0], f[7], f[15]].map((img) => mean([img]).map((v) => v.toFixed(1)).join()).join('|'));
      expect(new Set(ends).size).toBe(3);
      const firsts = clips.map((f) => dominant(f[0]));
      expect(firsts).toEqual(classes.map((c) => c.split('-')[0]));
    }
  });
});
