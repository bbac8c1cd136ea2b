// ffmpeg as a subprocess: which binary, and decoding chosen frames to raw RGB over a pipe.
import { spawn, execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runToEnd } from './ffmpeg-runner.js';
import { MissingPackageError, OPTIONAL_PACKAGES, requireOptional } from '../models/optional-package.js';

let resolved: { path: string; major: number } | undefined;

const INSTALLER = '@ffmpeg-installer/ffmpeg';

/**
 * The ffmpeg to run: $FFMPEG_PATH when set, else the system's `ffmpeg` on PATH, else the static
 * binary shipped in the npm package @ffmpeg-installer/ffmpeg (an optional peer dependency: on a bare
 * machine, installing it is enough).
 */
export function ffmpegBinary(): { path: string; major: number } {
  if (resolved) return resolved;
  const candidates: string[] = [];
  if (process.env.FFMPEG_PATH) candidates.push(process.env.FFMPEG_PATH);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'ffmpeg'));
  // what the error below says about the npm package, which it also looks in
  let installer: string;
  try {
    const bundled = requireOptional<{ path: string }>(INSTALLER, 'running ffmpeg').path;
    candidates.push(bundled);
    installer = ` (${INSTALLER} is installed, but its binary ${bundled} is not executable)`;
  } catch (e) {
    installer = e instanceof MissingPackageError
      ? `, or install the npm package ${INSTALLER}, an optional peer dependency of webgrad that ships a static ` +
        `binary (npm install ${INSTALLER}@${OPTIONAL_PACKAGES[INSTALLER]})`
      : ` (${INSTALLER} is installed, but has no binary for this platform: ${(e as Error).message})`;
  }
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      continue;
    }
    const banner = execFileSync(path, ['-hide_banner', '-version'], { encoding: 'utf8' }).split('\n')[0];
    // "ffmpeg version 5.1.6-0+deb12u1", "ffmpeg version n7.0", or a git build "N-47683-g0e8eb07980" (4.x era)
    const m = /version n?(\d+)\./.exec(banner);
    resolved = { path, major: m ? Number(m[1]) : 4 };
    return resolved;
  }
  throw new Error(
    `webgrad: ffmpeg not found: set FFMPEG_PATH to an ffmpeg binary, or install ffmpeg on PATH (apt-get install ffmpeg, brew install ffmpeg)${installer}`,
  );
}

/** Output option that passes every decoded frame through unchanged (no duplication or dropping by timestamp). */
function passthrough(major: number): string[] {
  return major >= 5 ? ['-fps_mode', 'passthrough'] : ['-vsync', '0'];
}

/**
 * Decoder threads per ffmpeg run: 1 by default, because prepare already runs one ffmpeg per core and
 * frame-threaded decoding of small clips spends more CPU than it saves (H.264 320p: 1.06 s vs 0.90 s
 * CPU for 10 clips). FFMPEG_THREADS=0 lets ffmpeg choose, for a single clip on an idle machine.
 */
function threads(): string[] {
  return ['-threads', process.env.FFMPEG_THREADS ?? '1'];
}

export interface SelectResult {
  /** The selected frames in order, each width*height*3 RGB bytes. */
  frames: Uint8Array[];
  /** How many frames the decoder produced for the whole clip. */
  decodedCount: number;
}

/**
 * Decodes the clip once and returns the frames whose decoded index is in `indices` (ascending) or is
 * >= `alsoFrom`; the decoder's total frame count comes back too, from a second (null) output fed by
 * the same decode. The select filter still decodes every frame (inter-coded video needs that) but
 * only the chosen ones are converted to RGB and piped.
 */
export function decodeSelected(
  path: string, width: number, height: number, indices: number[], alsoFrom = Number.POSITIVE_INFINITY,
): Promise<SelectResult> {
  const { path: bin, major } = ffmpegBinary();
  const terms = [...new Set(indices)].map((i) => `eq(n\\,${i})`);
  if (Number.isFinite(alsoFrom)) terms.push(`gte(n\\,${alsoFrom})`);
  const expr = terms.length > 0 ? terms.join('+') : '0';
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error', '-progress', 'pipe:2', ...threads(), '-i', path,
    '-filter_complex', `[0:v:0]split=2[count][pick];[pick]select='${expr}'[out]`,
    // the counting output must come first: -progress reports the first output's frame count
    '-map', '[count]', ...passthrough(major), '-f', 'null', '-',
    '-map', '[out]', ...passthrough(major), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
  return runFfmpeg(bin, args, path, width, height);
}

/**
 * The frames at `positions` (ascending) of an elementary stream held in memory (`format`: ffmpeg's
 * demuxer name, 'm4v' or 'h264'), piped to ffmpeg's stdin; `label` names the clip in errors.
 * Positions count the frames this stream yields, in display order. No counting output (split + null
 * costs ~20 ms per 280-frame H.264 clip, a fifth of the decode): every frame from `expected` on is
 * returned too, so with `expected - 1` among the positions, getting exactly positions.length frames
 * back means the stream yielded exactly `expected` frames.
 */
export function decodeStreamSelected(
  format: string, bytes: Uint8Array, label: string, width: number, height: number, positions: number[], expected: number,
): Promise<Uint8Array[]> {
  const { path: bin, major } = ffmpegBinary();
  const expr = [...positions.map((i) => `eq(n\\,${i})`), `gte(n\\,${expected})`].join('+');
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error', ...threads(), '-f', format, '-i', 'pipe:0',
    '-map', '0:v:0', '-vf', `select='${expr}'`, ...passthrough(major), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
  return runFfmpeg(bin, args, label, width, height, bytes, false).then((r) => r.frames);
}

/** Decodes the whole clip to count its frames (no pixels piped). */
export async function countFrames(path: string): Promise<number> {
  const { path: bin, major } = ffmpegBinary();
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-progress', 'pipe:2', ...threads(), '-i', path,
    '-map', '0:v:0', ...passthrough(major), '-f', 'null', '-'];
  return (await runFfmpeg(bin, args, path, 0, 0)).decodedCount;
}

async function runFfmpeg(
  bin: string, args: string[], path: string, width: number, height: number, stdin?: Uint8Array, counted = true,
): Promise<SelectResult> {
  const frameBytes = width * height * 3;
  let res;
  try {
    res = await runToEnd(bin, args, stdin);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  const { code, stdout, stderr } = res;
  const counts = [...stderr.matchAll(/^frame=(\d+)$/gm)];
  const errors = stderr.split('\n').filter((l) => l && !/^[a-z_0-9]+=/.test(l));
  if (code !== 0) {
    const why = errors.slice(-3).join('; ') || `exit ${code}`;
    throw new Error(`ffmpeg could not decode it: ${why}`);
  }
  const leftover = frameBytes === 0 ? stdout.length : stdout.length % frameBytes;
  if (leftover !== 0) throw new Error(`ffmpeg's frames are not ${width}x${height} as the container says (${leftover} bytes left over)`);
  if (counts.length === 0 && counted) {
    throw new Error(`ffmpeg reported no frame count${errors.length ? `: ${errors.slice(-2).join('; ')}` : ''}`);
  }
  // every frame a view into the one buffer ffmpeg's output was read into: no copies, one allocation
  const frames: Uint8Array[] = [];
  if (frameBytes > 0) for (let at = 0; at < stdout.length; at += frameBytes) frames.push(new Uint8Array(stdout.buffer, stdout.byteOffset + at, frameBytes));
  return { frames, decodedCount: counts.length > 0 ? Number(counts[counts.length - 1][1]) : -1 };
}

/** A video stream's codec, coded size and frame rate, from whichever reader got them. */
export interface StreamInfo {
  codec: string;
  width: number;
  height: number;
  fps: number;
}

/** Reads the first video stream's codec, size and frame rate from `ffmpeg -i`'s description of the input. */
export function probeWithFfmpeg(path: string): Promise<StreamInfo> {
  const { path: bin } = ffmpegBinary();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-hide_banner', '-nostdin', '-i', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (c: Buffer) => (text += c.toString('utf8')));
    child.on('error', (e) => reject(new Error(`${path}: could not run ffmpeg (${bin}): ${e.message}`)));
    child.on('close', () => {
      const line = text.split('\n').find((l) => /Stream #\S+.*: Video: /.test(l));
      const size = line && /, (\d{2,5})x(\d{2,5})[ ,]/.exec(line);
      if (!line || !size) {
        const last = text.trim().split('\n').pop() ?? '';
        reject(new Error(`ffmpeg finds no video stream in it${last ? ` (${last.trim()})` : ''}`));
        return;
      }
      const fps = /, ([\d.]+) fps/.exec(line) ?? /, ([\d.]+) tbr/.exec(line);
      resolve({
        codec: /Video: (\w+)/.exec(line)?.[1] ?? 'unknown',
        width: Number(size[1]), height: Number(size[2]),
        fps: fps ? Number(fps[1]) : 0,
      });
    });
  });
}
