// Whole-or-absent files for the demo maker: write beside the target under a temporary name, then rename.
// (pipeline/manifest.ts does the same for JSON; this one takes bytes and cleans up after a failed write.)
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Prefix of temporary files; their names end in `.tmp`, never `.avi`, so prepare's scan of a class folder
 * never mistakes a half-written clip for a video, and the maker can delete what a killed run left.
 */
export const TEMP_PREFIX = '.partial-';

let serial = 0;

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `${TEMP_PREFIX}${basename(path)}.${process.pid}-${serial++}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Deletes the temporary files a stopped run left in `dir` (only names this module makes). */
export function removeTempFiles(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    if (name.startsWith(TEMP_PREFIX) && name.endsWith('.tmp')) {
      rmSync(join(dir, name), { force: true });
      n++;
    }
  }
  return n;
}
