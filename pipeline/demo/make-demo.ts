// Writes the demo's dataset: <out>/<class>/<class>_<nnn>.avi, Motion-JPEG, in HMDB51's folder layout, so
// prepare reads it exactly as it reads the real thing (and without ffmpeg: it decodes MJPEG in TypeScript).
// Deterministic (same seed, same bytes on the same machine), resumable (each clip is written whole by a
// rename; complete clips are kept), and it leaves the folder holding exactly the clips asked for.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readAvi } from '../avi.js';
import { encodeJpeg } from '../jpeg.js';
import { readJson } from '../manifest.js';
import { removeTempFiles, writeFileAtomic } from './atomic.js';
import { encodeMjpegAvi } from './avi-writer.js';
import {
  DEMO_FPS, DEMO_GENERATOR_VERSION, DEMO_HEIGHT, DEMO_ORDERS, DEMO_SAMPLED_FRAMES, DEMO_WIDTH,
  demoClassNames, demoOrder, describeDemoTask, drawContent, hashSeed, orderName, synthesizeClip,
} from './synthetic.js';

export const DEMO_FILE = 'demo.json';
/** JPEG quality of the clips' frames: high enough that prepare's re-encode (95) sees clean colours. */
export const DEMO_JPEG_QUALITY = 90;

export interface MakeDemoOptions {
  out: string;
  /** How many classes (orders), 2..6; the first n of DEMO_ORDERS. Default 3. */
  classes?: number;
  clipsPerClass?: number;
  seed?: number;
  /** Rewrite a folder made with another seed or generator instead of refusing. */
  force?: boolean;
  /** Called after every clip, written or skipped. */
  onProgress?: (p: { done: number; total: number; written: number; skipped: number; path: string }) => void;
}

export interface MakeDemoSummary {
  out: string;
  classes: string[];
  /** Every clip of the demo, written now or before. */
  clips: number;
  written: number;
  skipped: number;
  /** Clips of an earlier, larger demo in the same folder (more classes or clips), deleted. */
  removed: number;
  /** Size of all the clips. */
  bytes: number;
  seconds: number;
}

/** What decides the clips' bytes: a folder made with other values is not resumed. */
interface DemoIdentity {
  seed: number;
  generator: number;
  width: number;
  height: number;
  fps: number;
  jpegQuality: number;
}

interface DemoFile extends DemoIdentity {
  version: 1;
  description: string;
  classes: string[];
  clipsPerClass: number;
  sampledFrames: number;
  layout: string;
}

export class DemoError extends Error {}

/** The path of clip i of a class (i from 0): three digits, more when clipsPerClass needs them. */
export function demoClipPath(out: string, className: string, i: number, clipsPerClass = 40): string {
  const width = Math.max(3, String(clipsPerClass - 1).length);
  return join(out, className, `${className}_${String(i).padStart(width, '0')}.avi`);
}

/** The content seed of clip i of a class: independent of how many classes or clips the demo has. */
export function demoContentSeed(seed: number, className: string, i: number): number {
  return hashSeed(seed, DEMO_ORDERS.findIndex((o) => orderName(o) === className), i);
}

export async function makeDemoVideos(opts: MakeDemoOptions): Promise<MakeDemoSummary> {
  const t0 = performance.now();
  const out = resolve(opts.out);
  const classes = demoClassNames(opts.classes ?? 3);
  const clipsPerClass = opts.clipsPerClass ?? 40;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(clipsPerClass) || clipsPerClass < 1) throw new DemoError(`demo: clipsPerClass must be a positive integer, got ${clipsPerClass}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new DemoError(`demo: seed must be an integer in [0, 2**32-1], got ${seed}`);

  const identity: DemoIdentity = { seed, generator: DEMO_GENERATOR_VERSION, width: DEMO_WIDTH, height: DEMO_HEIGHT, fps: DEMO_FPS, jpegQuality: DEMO_JPEG_QUALITY };
  mkdirSync(out, { recursive: true });
  const metaPath = join(out, DEMO_FILE);
  const prev = readJson<DemoFile>(metaPath);
  if (!prev) {
    // prepare reads every class folder under its --data: a demo written into a real dataset would join it
    const demoNames = new Set(DEMO_ORDERS.map(orderName));
    const foreign = readdirSync(out).filter((n) => !demoNames.has(n) && n !== DEMO_FILE && !n.startsWith('.'));
    if (foreign.length > 0) {
      throw new DemoError(
        `${out} is not empty and holds no ${DEMO_FILE} (it has ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}): ` +
          'the demo needs a folder of its own, since prepare takes every class folder in it; choose another out folder',
      );
    }
  }
  if (prev && !sameIdentity(prev, identity) && !opts.force) {
    throw new DemoError(
      `${out} holds a demo made with seed ${prev.seed} (generator ${prev.generator}, ${prev.width}x${prev.height}, ` +
        `JPEG ${prev.jpegQuality}; ${metaPath}); this run asks for seed ${seed} (generator ${DEMO_GENERATOR_VERSION}): ` +
        'pass force to rewrite it, or choose another out folder',
    );
  }
  // Without a demo.json (never made, or deleted) nothing in the folder is known to be ours, and with force
  // nothing is wanted: its clips go before the new demo.json claims the folder, so none is mistaken later.
  const trustExisting = prev !== undefined && !opts.force;
  if (!trustExisting) removeStale(out, [], 0);
  // written first, so a stopped run's clips are known to belong to this seed when it resumes
  const file: DemoFile = {
    version: 1, ...identity, description: describeDemoTask(classes), classes, clipsPerClass,
    sampledFrames: DEMO_SAMPLED_FRAMES, layout: '<class>/<class>_<nnn>.avi, Motion-JPEG AVI 1.0',
  };
  writeFileAtomic(metaPath, JSON.stringify(file, null, 1) + '\n');

  const removed = removeStale(out, classes, clipsPerClass);
  const total = classes.length * clipsPerClass;
  let written = 0;
  let skipped = 0;
  let bytes = 0;
  // rendering (this thread) overlaps with the previous clip's JPEG encoding (sharp's threads)
  let inFlight: Promise<void> | undefined;
  for (const className of classes) {
    const dir = join(out, className);
    mkdirSync(dir, { recursive: true });
    removeTempFiles(dir);
    const order = demoOrder(className);
    for (let i = 0; i < clipsPerClass; i++) {
      const path = demoClipPath(out, className, i, clipsPerClass);
      const contentSeed = demoContentSeed(seed, className, i);
      if (trustExisting && isCompleteClip(path, drawContent(contentSeed).frameCount)) {
        skipped++;
        bytes += statSync(path).size;
        opts.onProgress?.({ done: written + skipped, total, written, skipped, path });
        continue;
      }
      const { frames } = synthesizeClip(contentSeed, order);
      const job = Promise.all(frames.map((f) => encodeJpeg(f, DEMO_WIDTH, DEMO_HEIGHT, DEMO_JPEG_QUALITY))).then((jpgs) => {
        const avi = encodeMjpegAvi(jpgs, { width: DEMO_WIDTH, height: DEMO_HEIGHT, fps: DEMO_FPS });
        writeFileAtomic(path, avi);
        written++;
        bytes += avi.length;
        opts.onProgress?.({ done: written + skipped, total, written, skipped, path });
      });
      job.catch(() => undefined); // its failure is reported where it is awaited, not as an unhandled rejection
      await inFlight;
      inFlight = job;
    }
  }
  await inFlight;
  return { out, classes, clips: total, written, skipped, removed, bytes, seconds: (performance.now() - t0) / 1000 };
}

function sameIdentity(a: DemoIdentity, b: DemoIdentity): boolean {
  return a.seed === b.seed && a.generator === b.generator && a.width === b.width && a.height === b.height && a.fps === b.fps && a.jpegQuality === b.jpegQuality;
}

/**
 * A clip is complete when its RIFF size matches the file's (a cut-off file fails this), it parses, and it
 * holds the frames its content says. Damage inside a whole-sized file is not looked for: we write by rename.
 */
export function isCompleteClip(path: string, frameCount: number): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st?.isFile() || st.size < 12) return false;
  const head = new Uint8Array(8);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  if (new DataView(head.buffer).getUint32(4, true) + 8 !== st.size) return false;
  try {
    const avi = readAvi(path);
    return !avi.truncated && avi.video.compression === 'MJPG' && avi.video.width === DEMO_WIDTH &&
      avi.video.height === DEMO_HEIGHT && avi.videoChunks.length === frameCount;
  } catch {
    return false;
  }
}

/** Deletes demo clips beyond clipsPerClass, and demo class folders no longer asked for (only our own file names). */
function removeStale(out: string, classes: string[], clipsPerClass: number): number {
  let removed = 0;
  for (const order of DEMO_ORDERS) {
    const className = orderName(order);
    const dir = join(out, className);
    if (!existsSync(dir)) continue;
    const wanted = classes.includes(className);
    const pattern = new RegExp(`^${className}_(\\d{3,})\\.avi$`);
    for (const name of readdirSync(dir)) {
      const m = pattern.exec(name);
      if (!m) continue;
      if (!wanted || join(dir, name) !== demoClipPath(out, className, Number(m[1]), clipsPerClass) || Number(m[1]) >= clipsPerClass) {
        rmSync(join(dir, name), { force: true });
        removed++;
      }
    }
    if (!wanted) {
      removeTempFiles(dir);
      if (readdirSync(dir).length === 0) rmdirSync(dir);
    }
  }
  return removed;
}
