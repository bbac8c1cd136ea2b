// One clip, start to finish: decode its frames, write the JPEGs and meta.json into a temporary
// folder, then rename that folder into place, so a clip folder is either complete or absent.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractClip, type DecoderChoice } from './extract.js';
import { frameFileName } from './frames.js';
import { encodeJpeg } from './jpeg.js';
import { CLIP_META, type ClipRecord, type PrepareSettings } from './manifest.js';

export interface ClipTask {
  /** Absolute path of the video. */
  path: string;
  /** Path relative to the data folder, for the record. */
  source: string;
  className: string;
  clip: string;
  out: string;
  settings: PrepareSettings;
  decoder: DecoderChoice;
}

/** Prefix of in-progress and replaced clip folders; anything so named is left over from a stopped run. */
export const TEMP_PREFIX = '.partial-';

let serial = 0;

export async function prepareClip(task: ClipTask): Promise<ClipRecord> {
  const st = statSync(task.path);
  const res = await extractClip(task.path, task.settings.frames, task.decoder);
  const classDir = join(task.out, task.className);
  const tag = `${process.pid}-${serial++}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(classDir, `${TEMP_PREFIX}${task.clip}-${tag}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const jpgs = await Promise.all(res.frames.map((f) => encodeJpeg(f, res.width, res.height, task.settings.jpegQuality)));
    jpgs.forEach((jpg, i) => writeFileSync(join(tmp, frameFileName(i, task.settings.frames)), jpg));
    const record: ClipRecord = {
      clip: task.clip, class: task.className, source: task.source,
      sourceSize: st.size, sourceMtimeMs: st.mtimeMs,
      frameCount: res.frameCount, containerFrames: res.containerFrames, indices: res.indices,
      fps: res.fps, width: res.width, height: res.height, codec: res.codec, decoder: res.decoder,
      settings: task.settings,
    };
    writeFileSync(join(tmp, CLIP_META), JSON.stringify(record, null, 1) + '\n');
    const final = join(classDir, task.clip);
    const old = join(classDir, `${TEMP_PREFIX}${task.clip}-${tag}-old`);
    let replaced = false;
    try {
      renameSync(final, old);
      replaced = true;
    } catch {
      // no previous folder
    }
    renameSync(tmp, final);
    if (replaced) rmSync(old, { recursive: true, force: true });
    return record;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
