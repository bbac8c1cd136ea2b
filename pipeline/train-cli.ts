#!/usr/bin/env node
// npm run train:hmdb -- [options]: the seed's training job (see pipeline/train/ and --help).
// No --data/--frames: the offline demo. Ctrl-C saves a checkpoint (a second one exits at once).
import { join, relative } from 'node:path';
import { demoClipPath } from './demo/make-demo.js';
import { demoIntro, demoOptions, makeDemoData } from './train/demo.js';
import { HISTORY_FILE, HISTORY_PLOT, classMapPath } from './train/outputs.js';
import { OptionError, parseTrainArgs, TRAIN_USAGE } from './train/options.js';
import { trainHmdb } from './train/train-job.js';

const log = (line: string) => console.log(line);

function fail(message: string, code: number): never {
  process.stderr.write(`train: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseTrainArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof OptionError) fail(e.message, 2);
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(TRAIN_USAGE);
    return;
  }
  let options = parsed.options;
  const demo = options.data === undefined && options.frames === undefined;
  if (demo) {
    const overrides = Object.fromEntries(Object.entries(options).filter(([k]) => parsed.explicit.has(k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))));
    options = demoOptions(overrides);
    log(demoIntro(options));
    await makeDemoData(options, log);
  }
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ntrain: stopping after this batch to save a checkpoint (Ctrl-C again to quit at once)\n');
    controller.abort();
  });
  const t0 = performance.now();
  const result = await trainHmdb(options, { log, signal: controller.signal });
  if (!result.finished) process.exit(130);
  const minutes = ((performance.now() - t0) / 60000).toFixed(1);
  const h = result.state.history;
  const best = result.state.bestEpoch;
  log(`\ntrain: done in ${minutes} min; best validation loss ${h.loss_hist.val[best]?.toFixed(4)} at epoch ${best}, accuracy ${(100 * (h.metric_hist.val[best] ?? 0)).toFixed(2)} %`);
  log(`  weights:   ${result.weights} (PyTorch: model.load_state_dict(torch.load(path)) on the seed's Resnt18Rnn)`);
  log(`  classes:   ${classMapPath(result.weights)}`);
  log(`  history:   ${join(result.out, HISTORY_FILE)}, plot ${join(result.out, `${HISTORY_PLOT}.svg`)} and .png`);
  if (demo) log(`  try it:    npm run predict -- ${relative(process.cwd(), demoClipPath(options.data!, result.classes[1]!, 0))}`);
}

main().then(() => process.exit(0), (e: Error) => fail(e.message, 1));
