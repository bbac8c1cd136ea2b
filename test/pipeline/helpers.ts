// Shared test material and small helpers for the pipeline tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ffmpegBinary } from '../../pipeline/ffmpeg.js';

export const SHARED = resolve(import.meta.dirname, '../../../shared');
export const MINI = join(SHARED, 'hmdb51-mini');
export const XVID = join(SHARED, 'videos/eye_makeup_xvid_320x240.avi');
export const H264 = join(SHARED, 'videos/arm_wrestling_h264_340x256.mp4');
export const SPLITS = join(SHARED, 'hmdb51-splits/testTrainMulti_7030_splits');

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `webgrad-${tag}-`));
}

export function ffmpeg(args: string[]): string {
  return execFileSync(ffmpegBinary().path, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { encoding: 'utf8' });
}

/** ffmpeg's own decoded frame count, read from its progress output (independent of pipeline code paths). */
export function ffmpegFrameCount(path: string): number {
  const r = spawnSync(ffmpegBinary().path, ['-hide_banner', '-nostdin', '-i', path, '-map', '0:v:0', '-f', 'null', '-'], { encoding: 'utf8' });
  const all = [...r.stderr.matchAll(/frame=\s*(\d+)/g)];
  if (r.status !== 0 || all.length === 0) throw new Error(`ffmpeg could not count ${path}: ${r.stderr.slice(-300)}`);
  return Number(all[all.length - 1][1]);
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`meanAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}
