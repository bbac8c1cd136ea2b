// One clip in, its k chosen frames out as RGB: container metadata first (AVI via our RIFF reader,
// MP4 via mp4box, anything else via ffmpeg), then either the pure-TS Motion-JPEG path or ffmpeg.
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { isMjpeg, readAvi, readAviChunks, type AviInfo } from './avi.js';
import { countFrames, decodeSelected, probeWithFfmpeg, type StreamInfo } from './ffmpeg.js';
import { DEFAULT_FRAMES, frameIndices } from './frames.js';
import { decodeMjpegFrame } from './mjpeg.js';
import { readMp4 } from './mp4.js';
import { h264Mp4Units, type H264Units } from './nonref/h264-mp4.js';
import { decodeSkipping, type SkipSource } from './nonref/skip.js';
import { MissingPackageError } from '../models/optional-package.js';

export const VIDEO_EXTENSIONS = ['.avi', '.mp4', '.webm', '.mkv', '.mov', '.m4v'];

export interface ClipFrames {
  /** k frames, each width*height*3 RGB bytes. */
  frames: Uint8Array[];
  indices: number[];
  width: number;
  height: number;
  fps: number;
  /** Frames actually decoded: what the indices are computed from. */
  frameCount: number;
  /** What the container claimed, when it says anything (AVI chunk count, MP4 sample count). */
  containerFrames: number | null;
  codec: string;
  decoder: 'ffmpeg' | 'mjpeg-ts';
  /** Frames ffmpeg decoded when it skipped unselected non-reference frames (nonref/); absent after a full decode. */
  framesDecoded?: number;
}

export type DecoderChoice = 'auto' | 'ffmpeg' | 'mjpeg-ts';

/**
 * How far below an AVI's chunk count the decoded count may fall while one decode still suffices.
 * DivX/XviD AVIs with packed B-frames (all of HMDB51) decode to one frame fewer than they have chunks,
 * so the first pass asks for the indices of every count in [N - SLACK, N] at once (<= 48 frames).
 * MP4 sample counts are exact, so there the first pass asks for 16 frames only.
 */
const COUNT_SLACK = 2;

/** A clip that cannot give k frames; `reason` is the message for the report. */
export class ClipError extends Error {}

/** A per-clip error, unless a package is missing: that is the whole run's problem, said once. */
function clipError(e: unknown, message = (e as Error).message): Error {
  return e instanceof MissingPackageError ? e : new ClipError(message);
}

export async function extractClip(path: string, k: number = DEFAULT_FRAMES, decoder: DecoderChoice = 'auto'): Promise<ClipFrames> {
  const size = statSync(path).size;
  if (size === 0) throw new ClipError('empty file (0 bytes)');
  const ext = extname(path).toLowerCase();

  let avi: AviInfo | undefined;
  if (ext === '.avi') {
    try {
      avi = readAvi(path);
    } catch (e) {
      if (decoder === 'mjpeg-ts') throw new ClipError((e as Error).message);
      // not a RIFF file despite the name: ffmpeg may still know the container
    }
  }
  if (decoder === 'mjpeg-ts' || (decoder === 'auto' && avi && isMjpeg(avi.video))) {
    if (!avi || !isMjpeg(avi.video)) throw new ClipError('not a Motion-JPEG AVI, which is all the pure-TypeScript decoder reads');
    return extractMjpeg(path, avi, k);
  }

  let meta: ContainerMeta;
  let skip: SkipSource | undefined;
  if (avi && avi.video.width > 0 && avi.video.height > 0) {
    skip = { kind: 'avi', avi };
    const v = avi.video;
    meta = {
      codec: v.compression || v.handler, width: v.width, height: v.height, fps: v.fps,
      count: avi.videoChunks.length || v.headerFrames || null, slack: COUNT_SLACK,
    };
  } else if (['.mp4', '.mov', '.m4v'].includes(ext)) {
    let mp4;
    try {
      // H.264 for the skipping path: its parse also gives readMp4's answer; anything else is read as before
      const parsed = skipNonRef() ? tryH264Units(path) : undefined;
      if (parsed) skip = { kind: 'mp4', parsed };
      mp4 = parsed?.meta ?? readMp4(path);
    } catch (e) {
      throw clipError(e);
    }
    meta = { codec: mp4.codec, width: mp4.width, height: mp4.height, fps: mp4.fps, count: mp4.samples, slack: 0 };
    if (!skip && mp4.codec.startsWith('avc1')) skip = { kind: 'mp4' };
  } else {
    let info;
    try {
      info = await probeWithFfmpeg(path);
    } catch (e) {
      throw clipError(e);
    }
    meta = { ...info, count: null, slack: 0 };
  }
  if (skip && skipNonRef()) {
    let res;
    try {
      res = await decodeSkipping(path, skip, meta.width, meta.height, k);
    } catch (e) {
      throw clipError(e);
    }
    if (res) {
      return {
        frames: res.frames, indices: res.indices, width: meta.width, height: meta.height, fps: meta.fps,
        frameCount: res.frameCount, containerFrames: meta.count, codec: meta.codec, decoder: 'ffmpeg', framesDecoded: res.decoded,
      };
    }
  }
  try {
    return await extractWithFfmpeg(path, meta, k);
  } catch (e) {
    if (e instanceof ClipError) throw e;
    throw clipError(e);
  }
}

/** WEBGRAD_SKIP_NONREF=0 decodes every frame (the reference the skipping path is tested against). */
const skipNonRef = (): boolean => process.env.WEBGRAD_SKIP_NONREF !== '0';

/** The MP4's H.264 units, or undefined when the skipping path does not take it (it says why when it runs). */
function tryH264Units(path: string): H264Units | undefined {
  try {
    return h264Mp4Units(path);
  } catch (e) {
    if (e instanceof MissingPackageError) throw e;
    return undefined;
  }
}

interface ContainerMeta extends StreamInfo {
  /** The container's frame count, if it has one. */
  count: number | null;
  /** How far below `count` the decoded count may be and still be served by the first decode. */
  slack: number;
}

async function extractWithFfmpeg(path: string, meta: ContainerMeta, k: number): Promise<ClipFrames> {
  const { width, height } = meta;
  const guess = meta.count;
  let decodedCount: number;
  let got = new Map<number, Uint8Array>();
  if (guess !== null && guess >= k) {
    const wanted = new Set<number>();
    for (let n = Math.max(k, guess - meta.slack); n <= guess; n++) for (const i of frameIndices(n, k)) wanted.add(i);
    const sorted = [...wanted].sort((a, b) => a - b);
    const res = await decodeSelected(path, width, height, sorted, guess);
    decodedCount = res.decodedCount;
    // the frames come back in decode order: first the wanted ones below the count, then every one from `guess` on
    const order = [...sorted.filter((i) => i < Math.min(guess, decodedCount))];
    for (let i = guess; i < decodedCount; i++) order.push(i);
    if (order.length === res.frames.length) got = new Map(order.map((idx, j) => [idx, res.frames[j]]));
  } else {
    decodedCount = await countFrames(path);
  }
  if (decodedCount === 0) throw new ClipError('no decodable video frames');
  if (decodedCount < k) throw new ClipError(`too short: ${decodedCount} frames, fewer than the ${k} needed`);
  const indices = frameIndices(decodedCount, k);
  if (!indices.every((i) => got.has(i))) {
    // the container's count was far off: decode again now that the real count is known
    const res = await decodeSelected(path, width, height, indices);
    const unique = [...new Set(indices)];
    if (res.frames.length !== unique.length) {
      throw new ClipError(`ffmpeg returned ${res.frames.length} of the ${unique.length} frames asked for (decoded count ${res.decodedCount})`);
    }
    got = new Map(unique.map((idx, j) => [idx, res.frames[j]]));
  }
  return {
    frames: indices.map((i) => got.get(i)!),
    indices, width, height, fps: meta.fps, frameCount: decodedCount, containerFrames: guess,
    codec: meta.codec, decoder: 'ffmpeg',
  };
}

function extractMjpeg(path: string, avi: AviInfo, k: number): ClipFrames {
  // zero-size chunks are dropped frames in AVI: they carry no picture, so they are not counted
  const chunks = avi.videoChunks.filter((c) => c.size > 0);
  if (chunks.length === 0) throw new ClipError('no video frames in the AVI');
  if (chunks.length < k) throw new ClipError(`too short: ${chunks.length} frames, fewer than the ${k} needed`);
  const indices = frameIndices(chunks.length, k);
  const data = readAviChunks(path, indices.map((i) => chunks[i]));
  const frames: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  data.forEach((jpg, j) => {
    let img;
    try {
      img = decodeMjpegFrame(jpg);
    } catch (e) {
      throw clipError(e, `frame ${indices[j]} does not decode: ${(e as Error).message}`);
    }
    if (j === 0) ({ width, height } = img);
    else if (img.width !== width || img.height !== height) throw new ClipError(`frame ${indices[j]} is ${img.width}x${img.height}, frame ${indices[0]} ${width}x${height}`);
    frames.push(img.data);
  });
  return {
    frames, indices, width, height, fps: avi.video.fps, frameCount: chunks.length, containerFrames: avi.video.headerFrames,
    codec: 'mjpeg', decoder: 'mjpeg-ts',
  };
}
