#!/usr/bin/env node
// npm run eval:hmdb -- --frames <dir> --weights <pt>: accuracy on a prepared split, per class,
// and a confusion-matrix image.
import { dirname, join } from 'node:path';
import { type Cli, cli, parseCommandLine } from '../models/cli.js';
import { ProgressBar } from './progress.js';
import { evaluateSplit } from './train/evaluate.js';
import { confusionChart, writeChart } from './train/plots/index.js';

const USAGE = `usage: npm run eval:hmdb -- --frames <frames dir> [--weights models/weights_rnn.pt] [options]

Runs trained Resnt18Rnn weights over a prepared frames folder's split and prints top-1, top-5 and mean
per-class accuracy with a per-class table; writes the confusion matrix as SVG and PNG.

  --frames DIR        a folder made by npm run prepare:hmdb (or train:hmdb --data)
  --weights FILE      default models/weights_rnn.pt (its class map beside it names the classes)
  --split S           test (default), train or all
  --out BASE          confusion-matrix files BASE.svg/.png (default: confusion beside the weights)
  --batch-size N      clips per forward (default 16)
  --workers N         data-loading threads (default: cores - 1)
  --json              print the metrics as JSON
  --no-progress       no progress bar
  --help              this text
`;

const fail: Cli['fail'] = cli('eval').fail;

const pct = (v: number) => `${(100 * v).toFixed(2).padStart(6)} %`;

async function main(): Promise<void> {
  const { values } = parseCommandLine('eval', USAGE, {
    options: {
      frames: { type: 'string' }, weights: { type: 'string' }, split: { type: 'string' }, out: { type: 'string' },
      'batch-size': { type: 'string' }, workers: { type: 'string' }, json: { type: 'boolean' }, 'no-progress': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!values.frames) fail('--frames is required (try --help)', 2);
  const split = values.split ?? 'test';
  if (split !== 'test' && split !== 'train' && split !== 'all') fail(`--split must be test, train or all, got '${split}'`, 2);
  const batchSize = values['batch-size'] === undefined ? 16 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1) fail(`--batch-size must be a positive integer, got '${values['batch-size']}'`, 2);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) fail(`--workers must be a non-negative integer, got '${values.workers}'`, 2);
  const bar = values['no-progress'] || values.json ? undefined : new ProgressBar(`eval (${split})`);
  const r = await evaluateSplit({
    frames: values.frames, weights: values.weights, split, batchSize, workers,
    onBatch: (done, total) => bar?.update({ done, total, failed: 0 }),
  });
  bar?.finish({ done: r.clips, total: r.clips, failed: 0 });
  const base = values.out ?? join(dirname(r.weights), 'confusion');
  const files = await writeChart(base, await confusionChart(r.confusion, r.classes, { title: `${r.weights} on ${values.frames} (${split})` }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...r, confusionFiles: files })}\n`);
    return;
  }
  const width = Math.max(5, ...r.classes.map((c) => c.length));
  process.stdout.write(`${r.weights} on ${r.clips} ${split} clips of ${values.frames}\n\n`);
  process.stdout.write(`${'class'.padEnd(width)}  clips    top-1      top-5\n`);
  for (const c of r.perClass) process.stdout.write(`${c.name.padEnd(width)}  ${String(c.clips).padStart(5)}  ${pct(c.top1)}  ${pct(c.top5)}\n`);
  process.stdout.write(`\ntop-1 ${pct(r.top1)}   top-5 ${pct(r.top5)}   mean per-class top-1 ${pct(r.meanPerClass)}\n`);
  process.stdout.write(`confusion matrix: ${files.svg}, ${files.png}\n`);
}

main().then(() => process.exit(0), (e: Error) => fail(e.message, 1));
