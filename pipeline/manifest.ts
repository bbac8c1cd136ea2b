// What a frames folder records about itself, so later runs can resume, and training can trust it.
//   <out>/prepare.json            the settings the folder was made with (checked before any work)
//   <out>/<class>/<clip>/meta.json one clip's record, written inside the clip folder before its atomic rename
//   <out>/manifest.json           every clip of the last run plus the clips that failed, written at the end
//   <out>/manifest.shard-i-of-n.json  the same for one shard of a sharded run (shard.ts), which the merge joins
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { frameFileName } from './frames.js';

export interface PrepareSettings {
  frames: number;
  /** How indices are chosen; recorded so a folder made by another rule is never mixed in. */
  sampling: 'floor(linspace(0,n-1,k)) over decoded frames';
  jpegQuality: number;
}

export interface ClipRecord {
  clip: string;
  class: string;
  /** Path of the source relative to the data folder. */
  source: string;
  sourceSize: number;
  sourceMtimeMs: number;
  frameCount: number;
  containerFrames: number | null;
  indices: number[];
  fps: number;
  width: number;
  height: number;
  codec: string;
  decoder: string;
  settings: PrepareSettings;
}

export interface FailedClip {
  path: string;
  reason: string;
}

export interface Manifest {
  version: 1;
  data: string;
  settings: PrepareSettings;
  finished: string;
  clips: ClipRecord[];
  failed: FailedClip[];
}

export const SETTINGS_FILE = 'prepare.json';
export const MANIFEST_FILE = 'manifest.json';
export const CLIP_META = 'meta.json';

export function defaultSettings(frames = 16, jpegQuality = 95): PrepareSettings {
  return { frames, sampling: 'floor(linspace(0,n-1,k)) over decoded frames', jpegQuality };
}

export function sameSettings(a: PrepareSettings, b: PrepareSettings): boolean {
  return a.frames === b.frames && a.sampling === b.sampling && a.jpegQuality === b.jpegQuality;
}

export function describeSettings(s: PrepareSettings): string {
  return `${s.frames} frames, JPEG quality ${s.jpegQuality}, ${s.sampling}`;
}

/**
 * Writes via a temporary file and a rename, so a reader never sees half a JSON file. The temporary name
 * carries host, pid and a random tag: shards on several machines share one folder, and pids repeat across machines.
 */
export function writeJsonAtomic(path: string, value: unknown): void {
  atomically(path, (tmp) => writeFileSync(tmp, JSON.stringify(value, null, 1) + '\n'));
}

function atomically(path: string, write: (tmp: string) => void): void {
  const tmp = `${path}.${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    write(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * writeJsonAtomic's bytes for a manifest (an object whose arrays may be long), written an element at a
 * time: a whole Kinetics manifest (650k clips at ~700 bytes) as one string would come near V8's limit
 * of 2^29 characters per string.
 */
export function writeManifestAtomic(path: string, manifest: object): void {
  const entries = Object.entries(manifest).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return writeJsonAtomic(path, manifest);
  atomically(path, (tmp) => {
    const fd = openSync(tmp, 'w');
    try {
      let buf = '{\n';
      const flush = (force = false): void => {
        if (!force && buf.length < 1 << 20) return;
        writeSync(fd, buf);
        buf = '';
      };
      entries.forEach(([key, value], i) => {
        const comma = i < entries.length - 1 ? ',' : '';
        if (Array.isArray(value) && value.length > 0) {
          buf += ` ${JSON.stringify(key)}: [\n`;
          value.forEach((x, j) => {
            buf += `  ${JSON.stringify(x, null, 1).replace(/\n/g, '\n  ')}${j < value.length - 1 ? ',' : ''}\n`;
            flush();
          });
          buf += ` ]${comma}\n`;
        } else {
          buf += ` ${JSON.stringify(key)}: ${JSON.stringify(value, null, 1).replace(/\n/g, '\n ')}${comma}\n`;
        }
      });
      buf += '}\n';
      flush(true);
    } finally {
      closeSync(fd);
    }
  });
}

/** The order of clips in a manifest and of its failures: by class, then clip (code-unit order, as split.json's). */
export function sortManifest(clips: ClipRecord[], failed: FailedClip[]): void {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  clips.sort((a, b) => cmp(a.class, b.class) || cmp(a.clip, b.clip));
  failed.sort((a, b) => cmp(a.path, b.path));
}

export function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * The record of a finished clip folder, or undefined when the folder must be (re)made: missing,
 * half-written, made with other settings, or from a source file that changed since.
 */
export function finishedClip(
  clipDir: string, settings: PrepareSettings, source: { size: number; mtimeMs: number },
): ClipRecord | undefined {
  const rec = readJson<ClipRecord>(join(clipDir, CLIP_META));
  if (!rec || !rec.settings || !sameSettings(rec.settings, settings)) return undefined;
  if (rec.sourceSize !== source.size || rec.sourceMtimeMs !== source.mtimeMs) return undefined;
  for (let i = 0; i < settings.frames; i++) if (!existsSync(join(clipDir, frameFileName(i, settings.frames)))) return undefined;
  return rec;
}
