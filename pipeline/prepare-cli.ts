#!/usr/bin/env node
// npm run prepare:hmdb -- --data <videos dir> --out <frames dir> [options]
//   … --shard i/n                         one shard of a sharded run (shard.ts): its clips and its manifest part
//   --merge-shards n --out <frames dir>    joins the n parts, then makes the split over all of them
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { resolveClasses } from './classes.js';
import { HMDB51_CLASSES } from './download/hmdb51.js';
import { mergeShards } from './merge-shards.js';
import { prepare, PrepareError, scanVideos } from './prepare.js';
import { parseShard, shardFileName, type Shard } from './shard.js';
import { ensureSplit, parseSplitSpec, SPLIT_FILE, SplitTooSmallError, type SplitSpec } from './split-file.js';
import { classesWithoutLists, findSplitLists, officialSplit, splitListsNear, SPLITS_FOLDER } from './split.js';

const USAGE = `usage: npm run prepare:hmdb -- --data <videos dir> --out <frames dir> [options]
       npm run prepare:hmdb -- --data <videos dir> --out <shared frames dir> --shard i/n [options]
       npm run prepare:hmdb -- --merge-shards n --out <shared frames dir> [split options]

  --data DIR        one subfolder per action class holding .avi/.mp4/.webm/.mkv clips (HMDB51's layout)
  --out DIR         where <class>/<clip>/frame00.jpg … frame15.jpg, manifest.json and the split go
  --frames N        frames per clip, equally spaced over the whole clip (default 16)
  --quality Q       JPEG quality 1-100 (default 95, as OpenCV's imwrite)
  --jobs N          worker threads (default: all cores)
  --decoder D       auto | ffmpeg | mjpeg-ts (default auto: pure TypeScript for Motion-JPEG AVI, else ffmpeg)
  --classes SPEC    a number (the first N classes in sorted order) or names: clap,wave,…
  --force           redo a frames folder that was made with other settings
  --no-progress     no progress bar

 split (made once all clips are there: by the run, or by --merge-shards):
  --split S         stratified (default: scikit-learn's StratifiedShuffleSplit) or official:1|2|3 (HMDB51's lists)
  --test-size F     test fraction of the stratified split (default 0.1)
  --seed N          seed of the stratified split (default 42)
  --splits-dir DIR  HMDB51's lists for --split official:k: ${SPLITS_FOLDER}, the folder above it,
                    or download:hmdb's --out (its splits/${SPLITS_FOLDER})
  --resplit         replace the split already saved in --out

 sharding (one dataset over many machines sharing --out, e.g. a Kubernetes indexed Job or a Slurm array):
  --shard i/n       prepare shard i (0 … n-1) of n: the clips with sha256(class/clip) mod n = i; writes
                    its clips and manifest.shard-i-of-n.json, no split; rerun to resume
  --merge-shards n  after all n shards: join their parts into manifest.json, write prepare.json and the split
`;

const OPTIONS = {
  data: { type: 'string' }, out: { type: 'string' }, frames: { type: 'string' }, quality: { type: 'string' },
  jobs: { type: 'string' }, decoder: { type: 'string' }, classes: { type: 'string' }, force: { type: 'boolean' },
  'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  split: { type: 'string' }, 'test-size': { type: 'string' }, seed: { type: 'string' }, 'splits-dir': { type: 'string' },
  resplit: { type: 'boolean' }, shard: { type: 'string' }, 'merge-shards': { type: 'string' },
} as const;
type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

const SPLIT_OPTIONS = ['split', 'test-size', 'seed', 'splits-dir', 'resplit'] as const;
const EXTRACT_OPTIONS = ['data', 'frames', 'quality', 'jobs', 'decoder', 'classes', 'shard'] as const;

function fail(message: string): never {
  process.stderr.write(`prepare: ${message}\n`);
  process.exit(2);
}

function positiveInt(name: string, v: string | undefined, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) fail(`--${name} must be an integer from 1 to ${max}, got '${v}'`);
  return n;
}

/** This run's command line with some options dropped and others added, to print a fix the user can paste. */
function commandWith(drop: readonly string[], add: string[]): string {
  const args = process.argv.slice(2);
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const m = /^--([^=]+)(=.*)?$/.exec(args[i]);
    const name = m?.[1];
    const takesValue = name !== undefined && name in OPTIONS && OPTIONS[name as keyof typeof OPTIONS].type === 'string' && m?.[2] === undefined;
    if (name !== undefined && drop.includes(name)) {
      if (takesValue) i++;
      continue;
    }
    kept.push(args[i]);
    if (takesValue && i + 1 < args.length) kept.push(args[++i]);
  }
  const quote = (t: string): string => (/^[\w@%+=:,./-]+$/.test(t) ? t : `'${t.replace(/'/g, `'\\''`)}'`);
  return `npm run prepare:hmdb -- ${[...kept, ...add].map(quote).join(' ')}`;
}

/** What to do when the stratified split cannot be made: the frames stay, and each fix that applies is spelled out. */
function adviseSplit(e: SplitTooSmallError, out: string, ids: string[], data: string | undefined): void {
  const w = (l: string): boolean => process.stderr.write(`${l}\n`);
  const clips = ids.length;
  w(`prepare: the frames of all ${clips} clips stay in ${out} (a rerun with a fix below reuses them, nothing is extracted again); no ${SPLIT_FILE} was written. Fixes:`);
  const classes = [...e.counts.keys()];
  const found = data === undefined ? undefined : splitListsNear(data, 1);
  let official = `  - HMDB51's official split, for original HMDB51 clips (its lists name all 6,766; 70 train and 30 test clips per class in full HMDB51):\n`
    + `      ${commandWith(SPLIT_OPTIONS, ['--split', 'official:1', '--splits-dir', found ?? `<folder holding ${SPLITS_FOLDER}>`])}`;
  if (found) {
    try {
      const s = officialSplit(found, 1, classes, ids);
      official = s.train.length + s.test.length === 0
        ? `  - (HMDB51's lists in ${found} name none of these clips, so its official split does not apply)`
        : `${official}\n    (lists found in ${found}: ${s.train.length} of these clips train, ${s.test.length} test)`;
    } catch {
      const without = classesWithoutLists(findSplitLists(found, 1), 1, classes);
      official = `  - (HMDB51's lists in ${found} have none for ${list(without)}, so its official split does not apply to these classes)`;
    }
  } else {
    official += `\n    (npm run download:hmdb -- --out <dir> --what splits fetches them into <dir>/splits/${SPLITS_FOLDER}; --splits-dir <dir> finds them)`;
  }
  // lists found, or classes named as HMDB51's: otherwise (the demo, another dataset) the official split is no fix
  if (found || classes.some((c) => HMDB51_CLASSES.includes(c))) w(official);
  const enough = classes.filter((c) => e.counts.get(c)! >= 2);
  if (e.tooFew.length > 0 && enough.length >= 2) w(`  - only the ${enough.length} classes with 2 or more clips:\n      ${commandWith(['classes'], ['--classes', enough.join(',')])}`);
  const nTest = Math.ceil(e.testSize * clips);
  if (e.tooFew.length === 0 && nTest < classes.length) {
    const t = Math.ceil((classes.length / clips) * 100) / 100;
    if (t < 1 && clips - Math.ceil(t * clips) >= classes.length) w(`  - a larger test share, so every class can have a test clip: --test-size ${t}`);
  }
  w(`  - more clips: at least 2 per class, and twice as many clips as classes (the stratified split puts ${e.testSize * 100}% of each class in the test set)`);
}

function list(xs: string[], max = 8): string {
  return xs.length > max ? `${xs.slice(0, max).join(', ')}, … (${xs.length})` : xs.join(', ');
}

/** Makes (or checks) split.json over every clip and says what it holds; on failure, exit status 1 and the fixes. */
function makeSplit(out: string, ids: string[], spec: SplitSpec, resplit: boolean, data: string | undefined): void {
  try {
    const { split, reused } = ensureSplit(out, ids, spec, resplit);
    process.stderr.write(`prepare: ${reused ? 'kept the' : 'wrote a'} split in ${join(out, SPLIT_FILE)}: ${split.train.length} train, ${split.test.length} test clips, ${split.classes.length} classes\n`);
    const show = (what: string, xs: string[] | undefined): void => {
      if (!xs || xs.length === 0) return;
      process.stderr.write(`  ${xs.length} ${what}: ${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ', …' : ''}\n`);
    };
    show('clips named in the split lists but not extracted', split.missing);
    show('clips extracted but in no split list (left out)', split.unlisted);
    const classOf = (id: string): string => id.slice(0, id.indexOf('/'));
    const inTrain = new Set(split.train.map(classOf));
    const inTest = new Set(split.test.map(classOf));
    show('classes with no training clip (a model cannot learn them)', split.classes.filter((c) => !inTrain.has(c)));
    show('classes with no test clip (not measured)', split.classes.filter((c) => !inTest.has(c)));
  } catch (e) {
    process.stderr.write(`prepare: ${(e as Error).message}\n`);
    if (e instanceof SplitTooSmallError) adviseSplit(e, out, ids, data);
    process.exitCode = 1;
  }
}

function splitSpec(values: Values, data: string | undefined): SplitSpec {
  const testSize = values['test-size'] === undefined ? 0.1 : Number(values['test-size']);
  if (!(testSize > 0 && testSize < 1)) fail(`--test-size must be a fraction between 0 and 1, got '${values['test-size']}'`);
  const seed = values.seed === undefined ? 42 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail(`--seed must be an integer from 0 to 4294967295, got '${values.seed}'`);
  const split = values.split ?? 'stratified';
  if (split.startsWith('official:') && !values['splits-dir'] && data !== undefined) {
    const near = splitListsNear(data, Number(split.slice(9)) || 1);
    if (near) fail(`--split ${split} needs --splits-dir: HMDB51's lists are beside --data, add --splits-dir ${near}`);
  }
  try {
    return parseSplitSpec(split, { seed, testSize, splitsDir: values['splits-dir'] });
  } catch (e) {
    fail((e as Error).message);
  }
}

function refuse(values: Values, names: readonly string[], why: string): void {
  const given = names.filter((n) => values[n as keyof Values] !== undefined);
  if (given.length > 0) fail(`${given.map((n) => `--${n}`).join(', ')} ${why}`);
}

async function merge(values: Values, out: string): Promise<void> {
  const count = positiveInt('merge-shards', values['merge-shards'], 1, 100_000);
  refuse(values, EXTRACT_OPTIONS, `applies to the shard runs; --merge-shards only joins what they wrote in --out (and makes the split)`);
  const spec = splitSpec(values, undefined);
  const summary = mergeShards({ out, count, force: values.force ?? false });
  process.stderr.write(`prepare: merged ${count} shards: ${summary.clips.length} clips in ${join(out, 'manifest.json')}, ${summary.failed.length} skipped\n`);
  reportFailed(summary.failed, summary.manifest);
  if (summary.clips.length === 0) {
    process.stderr.write('prepare: no shard could read any clip; see the reasons above\n');
    process.exitCode = 1;
    return;
  }
  makeSplit(out, summary.clips.map((c) => `${c.class}/${c.clip}`), spec, values.resplit ?? false, summary.data);
}

function reportFailed(failed: Array<{ path: string; reason: string }>, manifest: string): void {
  if (failed.length === 0) return;
  process.stderr.write(`skipped clips (also listed in ${manifest}):\n`);
  for (const f of failed) process.stderr.write(`  ${f.path}: ${f.reason}\n`);
}

async function main(): Promise<void> {
  let values: Values;
  try {
    ({ values } = parseArgs({ options: OPTIONS }));
  } catch (e) {
    fail(`${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.out) fail(`--out is required\n\n${USAGE}`);
  const out = values.out;
  if (values['merge-shards'] !== undefined) return merge(values, out);
  if (!values.data) fail(`--data and --out are required\n\n${USAGE}`);
  const data = values.data;
  const decoder = values.decoder ?? 'auto';
  if (decoder !== 'auto' && decoder !== 'ffmpeg' && decoder !== 'mjpeg-ts') fail(`--decoder must be auto, ffmpeg or mjpeg-ts, got '${decoder}'`);
  let shard: Shard | undefined;
  let spec: SplitSpec | undefined;
  let classes: string[] | undefined;
  try {
    if (values.shard !== undefined) shard = parseShard(values.shard);
    if (values.classes !== undefined) classes = resolveClasses(values.classes, scanVideos(data).classes);
    if (shard) {
      refuse(values, SPLIT_OPTIONS, `applies to the merge, which makes the split once over every shard's clips: pass it to --merge-shards ${shard.count}`);
    } else {
      spec = splitSpec(values, data);
      if (spec.kind === 'official') {
        // before hours of extraction, not after: the lists must cover the classes
        const withClips = [...new Set(scanVideos(data).clips.map((c) => c.className))].filter((c) => !classes || classes.includes(c));
        const without = classesWithoutLists(spec.splitsDir, spec.split, withClips);
        if (without.length > 0) {
          fail(`--split official:${spec.split}: ${spec.splitsDir} has no list for ${list(without)} (HMDB51's lists cover its 51 classes); `
            + `leave ${without.length > 1 ? 'them' : 'it'} out with --classes, or use --split stratified`);
        }
      }
    }
  } catch (e) {
    fail((e as Error).message);
  }

  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const summary = await prepare({
    data, out, decoder, classes, force: values.force ?? false, shard,
    frames: positiveInt('frames', values.frames, 16, 1000), jpegQuality: positiveInt('quality', values.quality, 95, 100),
    jobs: values.jobs === undefined ? undefined : positiveInt('jobs', values.jobs, 1, 1024),
    progress: !values['no-progress'], signal: controller.signal,
  });
  const { clips, extracted, resumed, failed, seconds } = summary;
  const rate = extracted > 0 ? ` (${(extracted / seconds).toFixed(1)} clips/s)` : '';
  const who = shard ? `shard ${shard.index}/${shard.count}: ` : '';
  process.stderr.write(
    `prepare: ${who}${clips.length} clips ready in ${out}: ${extracted} extracted in ${seconds.toFixed(1)} s${rate}, ${resumed} resumed, ${failed.length} skipped\n`,
  );
  reportFailed(failed, summary.manifest);
  if (clips.length === 0 && (!shard || failed.length > 0)) {
    process.stderr.write(`prepare: ${shard ? 'this shard could read none of its clips' : 'no clip could be read'}; see the reasons above\n`);
    process.exitCode = 1;
    return;
  }
  if (shard) {
    process.stderr.write(
      `prepare: wrote ${join(out, shardFileName(shard))}; once all ${shard.count} shards have finished, make the manifest and the split with\n`
        + `  npm run prepare:hmdb -- --merge-shards ${shard.count} --out ${out} [--split …]\n`,
    );
    return;
  }
  makeSplit(out, clips.map((c) => `${c.class}/${c.clip}`), spec!, values.resplit ?? false, data);
}

main().catch((e) => {
  if (e instanceof PrepareError) {
    process.stderr.write(`\nprepare: ${e.message}\n`);
    process.exit(e.message.startsWith('interrupted') ? 130 : 1);
  }
  throw e;
});
