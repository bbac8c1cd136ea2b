// Per-frame features on disk: computing them takes minutes on a software adapter, and they only
// depend on the backbone's weights and the clips. The file name is a hash of both, so any change
// makes a new file and a stale one is never read; written atomically beside the frames.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resnt18Rnn } from '../../models/index.js';
import type { VideoDataset } from '../dataset.js';
import type { ClipFeatures } from './sources.js';

export const FEATURES_DIR = 'features';

/**
 * The cache key: the backbone's state (every tensor's bytes), what the dataset feeds it, and each
 * clip's frames (the size and modification time of every frame file, so re-prepared clips count
 * as new).
 */
export async function featureKey(model: Resnt18Rnn, dataset: VideoDataset): Promise<string> {
  const hash = createHash('sha256');
  for (const [name, t] of model.baseModel.stateDict()) {
    hash.update(name);
    const data = await t.data();
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  const { root, frames, size, mean, std, augment } = dataset.options;
  hash.update(JSON.stringify({ frames, size, mean, std, augment }));
  for (const id of dataset.ids) {
    hash.update(id);
    for (const name of readdirSync(join(root, id)).sort()) {
      const s = statSync(join(root, id, name));
      hash.update(`${name}:${s.size}:${s.mtimeMs}`);
    }
  }
  return hash.digest('hex').slice(0, 24);
}

export function cachedFeatures(root: string, key: string, expect: { clips: number; frames: number; features: number }): ClipFeatures | undefined {
  const path = join(root, FEATURES_DIR, `${key}.f32`);
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  const n = expect.clips * expect.frames * expect.features;
  if (bytes.byteLength !== n * 4) return undefined;
  const data = new Float32Array(n);
  new Uint8Array(data.buffer).set(bytes);
  return { data, ...expect };
}

export function storeFeatures(root: string, key: string, f: ClipFeatures): void {
  const dir = join(root, FEATURES_DIR);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${key}.f32`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength));
  renameSync(tmp, path);
}
