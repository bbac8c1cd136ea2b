// npm run prepare:hmdb -- --data <videos dir> --out <frames dir> [options]
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { resolveClasses } from './classes.js';
import { prepare, PrepareError, scanVideos } from './prepare.js';
import { ensureSplit, parseSplitSpec, SPLIT_FILE, type SplitSpec } from './split-file.js';

const USAGE = `usage: npm run prepare:hmdb -- --data <videos dir> --out <frames dir> [options]

  --data DIR        one subfolder per action class holding .avi/.mp4/.webm/.mkv clips (HMDB51's layout)
  --out DIR         where <class>/<clip>/frame00.jpg … frame15.jpg, manifest.json and the split go
  --frames N        frames per clip, equally spaced over the whole clip (default 16)
  --quality Q       JPEG quality 1-100 (default 95, as OpenCV's imwrite)
  --jobs N          worker threads (default: all cores)
  --decoder D       auto | ffmpeg | mjpeg-ts (default auto: pure TypeScript for Motion-JPEG AVI, else ffmpeg)
  --classes SPEC    a number (the first N classes in sorted order) or names: clap,wave,…
  --force           redo a frames folder that was made with other settings
  --split S         stratified (default: scikit-learn's StratifiedShuffleSplit) or official:1|2|3 (HMDB51's lists)
  --test-size F     test fraction of the stratified split (default 0.1)
  --seed N          seed of the stratified split (default 42)
  --splits-dir DIR  folder of HMDB51's <class>_test_split<k>.txt lists, for --split official:k
  --resplit         replace the split already saved in --out
  --no-progress     no progress bar
`;

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

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        data: { type: 'string' }, out: { type: 'string' }, frames: { type: 'string' }, quality: { type: 'string' },
        jobs: { type: 'string' }, decoder: { type: 'string' }, classes: { type: 'string' }, force: { type: 'boolean' },
        'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
        split: { type: 'string' }, 'test-size': { type: 'string' }, seed: { type: 'string' }, 'splits-dir': { type: 'string' },
        resplit: { type: 'boolean' },
      },
    }));
  } catch (e) {
    fail(`${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.data || !values.out) fail(`--data and --out are required\n\n${USAGE}`);
  const decoder = values.decoder ?? 'auto';
  if (decoder !== 'auto' && decoder !== 'ffmpeg' && decoder !== 'mjpeg-ts') fail(`--decoder must be auto, ffmpeg or mjpeg-ts, got '${decoder}'`);
  const testSize = values['test-size'] === undefined ? 0.1 : Number(values['test-size']);
  if (!(testSize > 0 && testSize < 1)) fail(`--test-size must be a fraction between 0 and 1, got '${values['test-size']}'`);
  const seed = values.seed === undefined ? 42 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail(`--seed must be an integer from 0 to 4294967295, got '${values.seed}'`);
  let spec: SplitSpec;
  let classes: string[] | undefined;
  try {
    spec = parseSplitSpec(values.split ?? 'stratified', { seed, testSize, splitsDir: values['splits-dir'] });
    if (values.classes !== undefined) classes = resolveClasses(values.classes, scanVideos(values.data).classes);
  } catch (e) {
    fail((e as Error).message);
  }

  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const summary = await prepare({
    data: values.data, out: values.out, decoder, classes, force: values.force ?? false,
    frames: positiveInt('frames', values.frames, 16, 1000), jpegQuality: positiveInt('quality', values.quality, 95, 100),
    jobs: values.jobs === undefined ? undefined : positiveInt('jobs', values.jobs, 1, 1024),
    progress: !values['no-progress'], signal: controller.signal,
  });
  const { clips, extracted, resumed, failed, seconds } = summary;
  const rate = extracted > 0 ? ` (${(extracted / seconds).toFixed(1)} clips/s)` : '';
  process.stderr.write(
    `prepare: ${clips.length} clips ready in ${values.out}: ${extracted} extracted in ${seconds.toFixed(1)} s${rate}, ${resumed} resumed, ${failed.length} skipped\n`,
  );
  if (failed.length > 0) {
    process.stderr.write(`skipped clips (also listed in ${summary.manifest}):\n`);
    for (const f of failed) process.stderr.write(`  ${f.path}: ${f.reason}\n`);
  }
  if (clips.length === 0) {
    process.stderr.write('prepare: no clip could be read; see the reasons above\n');
    process.exitCode = 1;
    return;
  }
  try {
    const { split, reused } = ensureSplit(values.out, clips.map((c) => `${c.class}/${c.clip}`), spec, values.resplit ?? false);
    process.stderr.write(`prepare: ${reused ? 'kept the' : 'wrote a'} split in ${join(values.out, SPLIT_FILE)}: ${split.train.length} train, ${split.test.length} test clips, ${split.classes.length} classes\n`);
    const show = (what: string, ids: string[] | undefined): void => {
      if (!ids || ids.length === 0) return;
      process.stderr.write(`  ${ids.length} clips ${what}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}\n`);
    };
    show('named in the split lists but not extracted', split.missing);
    show('extracted but in no split list (left out)', split.unlisted);
  } catch (e) {
    process.stderr.write(`prepare: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  if (e instanceof PrepareError) {
    process.stderr.write(`\nprepare: ${e.message}\n`);
    process.exit(e.message.startsWith('interrupted') ? 130 : 1);
  }
  throw e;
});
