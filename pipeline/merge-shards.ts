// The merge of a sharded prepare (shard.ts): once every shard has finished, joins their manifest parts into
// manifest.json and writes prepare.json, as one unsharded run over all the clips would have; the caller
// then makes the split once, over every clip (ensureSplit). Run it after all shards: it also removes the
// `.partial-*` leftovers that no single shard could tell were its own.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  describeSettings, MANIFEST_FILE, readJson, sameSettings, sortManifest, writeManifestAtomic, type ClipRecord, type FailedClip, type Manifest,
} from './manifest.js';
import { claimOutput, PrepareError, removeLeftovers } from './prepare.js';
import { SHARD_RULE, shardFileName, shardOf, type ManifestPart } from './shard.js';

export interface MergeOptions {
  /** The shared frames folder the shards wrote into. */
  out: string;
  /** How many shards there were (the n of --shard i/n). */
  count: number;
  /** Replace a prepare.json made with other settings. */
  force?: boolean;
  log?: (line: string) => void;
}

export interface MergeSummary {
  clips: ClipRecord[];
  failed: FailedClip[];
  /** The data folder as the shards saw it (shard 0's, where they differ). */
  data: string;
  manifest: string;
}

function list(xs: Array<string | number>, max = 10): string {
  return xs.length > max ? `${xs.slice(0, max).join(', ')}, … (${xs.length} in all)` : xs.join(', ');
}

export function mergeShards(opts: MergeOptions): MergeSummary {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const out = resolve(opts.out);
  const n = opts.count;
  if (!existsSync(out)) throw new PrepareError(`${out} does not exist: --out must be the folder the ${n} shards wrote into`);
  const parts: ManifestPart[] = [];
  const absent: number[] = [];
  const unreadable: number[] = [];
  for (let i = 0; i < n; i++) {
    const file = join(out, shardFileName({ index: i, count: n }));
    const part = readJson<ManifestPart>(file);
    if (part?.shard?.index === i && part.shard.count === n) parts.push(part);
    else (existsSync(file) ? unreadable : absent).push(i);
  }
  if (absent.length > 0 || unreadable.length > 0) {
    const others = readdirSync(out).filter((f) => /^manifest\.shard-\d+-of-\d+\.json$/.test(f) && !f.endsWith(`-of-${n}.json`));
    throw new PrepareError([
      absent.length ? `${absent.length} of the ${n} shards have not finished (no ${shardFileName({ index: absent[0], count: n })}…): shards ${list(absent)}` : '',
      unreadable.length ? `the parts of shards ${list(unreadable)} are unreadable or not theirs` : '',
      `in ${out}. Run --shard <i>/${n} for each of them (a shard resumes where it stopped), then merge again`,
      others.length ? `(${out} also holds parts of another shard count: ${list(others, 3)}; --merge-shards takes the count the shards ran with)` : '',
    ].filter(Boolean).join('; '));
  }

  const [first] = parts;
  for (const p of parts) {
    const name = shardFileName(p.shard);
    if (p.shard.rule !== SHARD_RULE) throw new PrepareError(`${join(out, name)} assigns clips by ${p.shard.rule}, not ${SHARD_RULE}: rerun that shard`);
    if (!sameSettings(p.settings, first.settings)) {
      throw new PrepareError(
        `shard ${p.shard.index} was run with other settings (${describeSettings(p.settings)}) than shard 0 (${describeSettings(first.settings)}): `
          + `rerun the shards with the same --frames/--quality (--force redoes their clips), then merge again`,
      );
    }
    if (p.classes.join('\n') !== first.classes.join('\n') || p.listing.sha256 !== first.listing.sha256) {
      throw new PrepareError(
        `shard ${p.shard.index} saw other clips than shard 0 (${p.listing.clips} vs ${first.listing.clips} clips, classes ${p.classes.length} vs ${first.classes.length}): `
          + `the data changed while the shards ran, or they ran with other --classes; rerun all ${n} shards with the same --data and --classes `
          + `(finished clips are kept, not extracted again), then merge again`,
      );
    }
    if (p.data !== first.data) log(`note: shard ${p.shard.index} read the videos from ${p.data}, shard 0 from ${first.data} (the same listing, so taken as one folder)`);
    for (const c of p.clips) {
      const id = `${c.class}/${c.clip}`;
      if (shardOf(id, n) !== p.shard.index) throw new PrepareError(`${join(out, name)} holds ${id}, which belongs to shard ${shardOf(id, n)}: rerun shard ${p.shard.index}`);
    }
  }

  // the writes of the merge: every shard has finished, so nothing else writes here now
  claimOutput(out, first.settings, opts.force ?? false);
  removeLeftovers(out, first.classes);
  const clips = parts.flatMap((p) => p.clips);
  const failed = parts.flatMap((p) => p.failed);
  sortManifest(clips, failed);
  const manifest: Manifest = { version: 1, data: first.data, settings: first.settings, finished: new Date().toISOString(), clips, failed };
  const path = join(out, MANIFEST_FILE);
  writeManifestAtomic(path, manifest);
  return { clips, failed, data: first.data, manifest: path };
}
