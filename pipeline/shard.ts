// Sharded prepare, for datasets too big for one machine: n runs (a Kubernetes indexed Job, a Slurm job
// array) each take a fixed 1/n of the clips, write them into one shared --out and record them in their own
// manifest part; one merge (merge-shards.ts) then joins the parts and makes the split once, over all clips.
//
// Who writes what in the shared --out, so that concurrent shards never write the same path:
//   <class>/<clip>/ and <class>/.partial-<clip>-*   the shard that owns the clip (shardOf), by atomic rename;
//                                                   a shard removes only its own clips' leftovers
//   manifest.shard-<i>-of-<n>.json                  shard i alone, once, when it has finished
//   prepare.json, manifest.json, split.json         the merge alone, after every shard has finished
// Shards read prepare.json and the other parts only to refuse other settings early.
//
// A clip belongs to shard sha256(`class/clip`) mod n rather than to a position in the sorted list: its
// shard depends on its own name only, so shards that list the data at different moments (clips still being
// copied in, a stale mount) or with other --classes still agree on every clip both of them see, and a
// rerun keeps each clip where it was. The counts are not exactly equal, but close for big datasets (the
// case sharding is for: 650k clips over 100 shards is 6500 ± 80 each), and clip lengths vary more anyway.
import { createHash } from 'node:crypto';
import type { Manifest } from './manifest.js';

export interface Shard {
  /** 0 … count-1: Kubernetes' JOB_COMPLETION_INDEX, or Slurm's SLURM_ARRAY_TASK_ID with --array=0-(n-1). */
  index: number;
  count: number;
}

/** How clips are assigned, recorded in every part so that parts made by another rule are never merged. */
export const SHARD_RULE = 'sha256(class/clip) mod n';

/** A shard's manifest: its own clips and failures, what it was and what listing it saw. */
export interface ManifestPart extends Manifest {
  shard: Shard & { rule: typeof SHARD_RULE };
  /** The classes this run covered (after --classes), sorted. */
  classes: string[];
  /** Every clip id of those classes the shard saw before taking its share: shards must agree on it. */
  listing: { clips: number; sha256: string };
}

/** Parses `--shard i/n` (i from 0). */
export function parseShard(value: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new Error(`--shard takes i/n (this run's index from 0 and the number of shards), e.g. 0/8, got '${value}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 100_000) throw new Error(`--shard ${value}: the number of shards must be from 1 to 100000`);
  if (index >= count) {
    throw new Error(`--shard ${value}: the index runs from 0 to ${count - 1} (Kubernetes' JOB_COMPLETION_INDEX; in Slurm, --array=0-${count - 1})`);
  }
  return { index, count };
}

/** The shard (0 … count-1) of the clip `class/clip`. */
export function shardOf(id: string, count: number): number {
  // 48 bits of the digest: a safe integer, and its bias modulo any count <= 100000 is below 1e-9
  return createHash('sha256').update(id, 'utf8').digest().readUIntBE(0, 6) % count;
}

export function shardFileName(s: Shard): string {
  return `manifest.shard-${s.index}-of-${s.count}.json`;
}

/** Fingerprint of a listing of clip ids, to tell whether two shards saw the same data. */
export function listingOf(ids: string[]): { clips: number; sha256: string } {
  const h = createHash('sha256');
  for (const id of [...ids].sort()) h.update(id).update('\n');
  return { clips: ids.length, sha256: h.digest('hex') };
}

/** What prepare-clip appends to `.partial-<clip>-`: pid, serial, random tag, and `-old` for a replaced folder. */
const TEMP_TAG = /^\d+-\d+-[a-z0-9]+(-old)?$/;

/**
 * Whether the leftover `.partial-…` entry `rest` (the name after the prefix) surely belongs to one of
 * `own`: every clip of `all` (names in its class) it could have been made for is in `own`. A name that
 * could also be another shard's clip (`a` and `a-1-2-x` in one class) is left for the merge to remove.
 */
export function ownsLeftover(rest: string, own: ReadonlySet<string>, all: ReadonlySet<string>): boolean {
  let owner = false;
  for (let i = rest.indexOf('-'); i > 0; i = rest.indexOf('-', i + 1)) {
    const clip = rest.slice(0, i);
    if (!all.has(clip) || !TEMP_TAG.test(rest.slice(i + 1))) continue;
    if (!own.has(clip)) return false;
    owner = true;
  }
  return owner;
}
