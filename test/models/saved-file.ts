// Rebuilds a torch.save file from its fixture: the bytes torch wrote minus the generated storages
// (base64 segments), and each storage's recipe. The sha256 recorded by the generator proves the
// result is torch's file byte for byte.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, type Recipe } from '../helpers/prng.js';

export interface SavedFileFixture {
  fileName: string;
  bytes: number;
  sha256: string;
  stateDict: Array<[string, number[], string]>;
  segments: Array<{ offset: number; base64: string }>;
  storages: Array<{ key: string; offset: number; bytes: number }>;
  recipes: Recipe[];
}

export function readModelFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/models/${name}`, import.meta.url)), 'utf8')) as T;
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function rebuildSavedFile(f: SavedFileFixture): Uint8Array {
  const out = new Uint8Array(f.bytes);
  for (const s of f.segments) out.set(Buffer.from(s.base64, 'base64'), s.offset);
  const recipes = new Map(f.recipes.map((r) => [r.key, r]));
  for (const s of f.storages) {
    const values = generate(recipes.get(s.key)!);
    if (values.byteLength !== s.bytes) throw new Error(`${s.key}: recipe makes ${values.byteLength} bytes, the file has ${s.bytes}`);
    out.set(new Uint8Array(values.buffer), s.offset);
  }
  return out;
}

/** Writes the rebuilt file under its own name in a fresh temp folder; returns the path. */
export function writeSavedFile(f: SavedFileFixture): string {
  const bytes = rebuildSavedFile(f);
  const actual = sha256(bytes);
  if (actual !== f.sha256) throw new Error(`${f.fileName}: rebuilt file has sha256 ${actual}, torch's had ${f.sha256}`);
  const path = join(mkdtempSync(join(tmpdir(), 'webgrad-models-')), f.fileName);
  writeFileSync(path, bytes);
  return path;
}
