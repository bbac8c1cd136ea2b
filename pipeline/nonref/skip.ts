// Decoding only the frames that matter: every reference frame plus the selected non-reference ones,
// fed to ffmpeg as an elementary stream (units.ts says why that is exact). Returns null — decode the
// clip in full instead — for any stream the readers do not model exactly, when nothing would be
// skipped, or when ffmpeg yields another frame count than the plan expects.
import { readAviChunks, type AviInfo } from '../avi.js';
import { MissingPackageError } from '../../models/optional-package.js';
import { decodeStreamSelected, ffmpegBinary } from '../ffmpeg.js';
import { frameIndices } from '../frames.js';
import { moviComplete } from './avi-movi.js';
import { h264Mp4Units, type H264Units } from './h264-mp4.js';
import { mpeg4AviUnits } from './mpeg4-avi.js';
import { type DecodeUnit, joinUnits, MAX_CLIP_BYTES, planDecode, Unsupported } from './units.js';

/** The clip's container, as extract.ts read it (an MP4's units when it parsed them already). */
export type SkipSource = { kind: 'avi'; avi: AviInfo } | { kind: 'mp4'; parsed?: H264Units };

export interface SkipResult {
  frames: Uint8Array[];
  indices: number[];
  /** The full decode's frame count, as the stream model gives it. */
  frameCount: number;
  /** Frames ffmpeg decoded, of frameCount. */
  decoded: number;
}

/** Why the last clip was decoded in full (for tests and WEBGRAD_DEBUG_SKIP=1), or null when it was not. */
export let lastFallback: string | null = null;

function fallback(path: string, why: string): null {
  lastFallback = why;
  if (process.env.WEBGRAD_DEBUG_SKIP) process.stderr.write(`webgrad skip: ${path}: full decode (${why})\n`);
  return null;
}

/** The stream readers' units for this clip, or the reason there are none. */
export function clipUnits(path: string, source: SkipSource): { units: DecodeUnit[]; frames: number; alsoKeep: Set<DecodeUnit>; format: string } {
  if (source.kind === 'avi') {
    const v = source.avi.video;
    // the packed-bitstream replay follows libavcodec 4.x (the bundled ffmpeg); another ffmpeg decodes in full
    if (ffmpegBinary().major !== 4) throw new Unsupported(`ffmpeg ${ffmpegBinary().major}.x (the MPEG-4 replay models 4.x)`);
    if (source.avi.truncated && !moviComplete(path)) throw new Unsupported('a cut-off movi list');
    const bytes = source.avi.videoChunks.reduce((n, c) => n + c.size, 0);
    if (bytes > MAX_CLIP_BYTES) throw new Unsupported(`${bytes} bytes of video, more than the ${MAX_CLIP_BYTES} read into memory`);
    const r = mpeg4AviUnits(v.compression || v.handler, readAviChunks(path, source.avi.videoChunks));
    return { units: r.units, frames: r.frames, alsoKeep: new Set(r.firstB ? [r.firstB] : []), format: 'm4v' };
  }
  const r = source.parsed ?? h264Mp4Units(path);
  return { units: r.units, frames: r.frames, alsoKeep: new Set(), format: 'h264' };
}

export async function decodeSkipping(path: string, source: SkipSource, width: number, height: number, k: number): Promise<SkipResult | null> {
  lastFallback = null;
  let clip;
  try {
    clip = clipUnits(path, source);
  } catch (e) {
    // a missing package is the run's problem; anything else odd in the stream is the full decode's to judge
    if (e instanceof MissingPackageError) throw e;
    return fallback(path, e instanceof Unsupported ? e.message : `reading the stream failed: ${(e as Error).message}`);
  }
  if (clip.frames < k) return fallback(path, `${clip.frames} frames, fewer than ${k}`);
  const indices = frameIndices(clip.frames, k);
  const plan = planDecode(clip.units, indices, clip.alsoKeep);
  if (plan.units.length === clip.units.length) return fallback(path, 'no frame to skip');
  const wanted = [...plan.positions.keys()];
  const positions = wanted.map((d) => plan.positions.get(d)!);
  // the clip's last frame is always wanted, so the last position is the last kept frame: what makes
  // "exactly these frames came back" mean "the stream yielded exactly keptFrames frames"
  if (positions[positions.length - 1] !== plan.keptFrames - 1) return fallback(path, 'the last frame is not among those wanted');
  let frames;
  try {
    frames = await decodeStreamSelected(clip.format, joinUnits(plan.units), path, width, height, positions, plan.keptFrames);
  } catch (e) {
    return fallback(path, `ffmpeg failed on the reduced stream: ${(e as Error).message}`);
  }
  if (frames.length !== wanted.length) {
    return fallback(path, `ffmpeg returned ${frames.length} frames of the reduced stream where ${wanted.length} were asked for: it yields another count than the ${plan.keptFrames} planned`);
  }
  const got = new Map(wanted.map((d, j) => [d, frames[j]]));
  return { frames: indices.map((i) => got.get(i)!), indices, frameCount: clip.frames, decoded: plan.keptFrames };
}
