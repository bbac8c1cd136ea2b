#!/usr/bin/env node
// npm run predict -- <video> [options]: the seed's deployment — top classes of one video.
import { type Cli, cli, parseCommandLine } from '../models/cli.js';
import { predictVideo } from './train/predict.js';

const USAGE = `usage: npm run predict -- <video> [options]

Classifies one video with Resnt18Rnn weights made by npm run train:hmdb (or by the seed's PyTorch code):
16 equally spaced frames, resized and normalized as in training, one forward in eval mode.

  --weights FILE       .pt/.pth/.safetensors state dict (default models/weights_rnn.pt)
  --class-map FILE     class names: train:hmdb's <weights>.classes.json (read from beside the weights by
                       default) or a JSON array of names
  --class-names A,B,C  class names by index, comma-separated
  --top N              how many classes to print (default 5)
  --seed-compat        the reference forward (the same at one clip; for weights trained with --seed-compat)
  --json               print the result as JSON
  --help               this text
`;

const fail: Cli['fail'] = cli('predict').fail;

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine('predict', USAGE, {
    allowPositionals: true,
    options: {
      weights: { type: 'string' }, 'class-map': { type: 'string' }, 'class-names': { type: 'string' }, top: { type: 'string' },
      'seed-compat': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length !== 1) fail(`expected one video path, got ${positionals.length} (try --help)`, 2);
  const top = values.top === undefined ? 5 : Number(values.top);
  if (!Number.isInteger(top) || top < 1) fail(`--top must be a positive integer, got '${values.top}'`, 2);
  if (values['class-map'] && values['class-names']) fail('pass --class-map or --class-names, not both', 2);
  const classNames = values['class-names']?.split(',').map((n) => n.trim());
  const result = await predictVideo(positionals[0]!, {
    weights: values.weights, classMap: values['class-map'], classNames, topK: top, seedCompat: values['seed-compat'],
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const { decode, model } = result.seconds;
  process.stdout.write(`${positionals[0]}  (frames ${result.frames.join(',')}; decode ${(decode * 1000).toFixed(0)} ms, model ${(model * 1000).toFixed(0)} ms)\n`);
  for (const [rank, p] of result.top.entries()) {
    const bar = '#'.repeat(Math.round(p.probability * 30));
    process.stdout.write(`${String(rank + 1).padStart(3)}. ${(100 * p.probability).toFixed(2).padStart(6)}%  ${(p.label ?? `class ${p.index}`).padEnd(24)} ${bar}\n`);
  }
  if (!result.classNames) {
    process.stdout.write('(no class names: the weights have no class map beside them; name the classes with --class-names a,b,c or --class-map <json>)\n');
  }
}

main().then(() => process.exit(0), (e: Error) => fail(e.message, 1));
