#!/usr/bin/env node
// npm run classify -- <image> [options]: a photo through ResNet18 with ImageNet weights → top-5.
import { type Cli, cli, parseCommandLine } from './cli.js';
import { classifyImage } from './classify.js';
import { resnet18 } from './resnet/factories.js';
import { WeightsUnavailableError } from './weights/index.js';

const USAGE = `usage: npm run classify -- <image.jpg|png> [options]

Classifies a photo with torchvision's ResNet18 and prints the top classes with their probabilities.

  --weights W      IMAGENET1K_V1 (default: looked up in ~/.cache/webgrad/weights and torch's hub cache,
                   downloaded from download.pytorch.org when missing), or a .pth/.pt/.safetensors file
  --top N          how many classes to print (default 5)
  --no-antialias   resize as torchvision 0.14-0.16 did for tensors (default: antialiased, as PIL and torchvision >= 0.17)
  --offline        never download (same as WEBGRAD_OFFLINE=1)
  --json           print the predictions as JSON
  --help           this text
`;

const fail: Cli['fail'] = cli('classify').fail;

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine('classify', USAGE, {
    allowPositionals: true,
    options: {
      weights: { type: 'string', default: 'IMAGENET1K_V1' }, top: { type: 'string', default: '5' },
      'no-antialias': { type: 'boolean' }, offline: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) fail(`expected one image path, got ${positionals.length} (try --help)`);
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 1 || top > 1000) fail(`--top must be an integer from 1 to 1000, got '${values.top}'`);

  let model;
  try {
    model = await resnet18({ weights: values.weights!, download: !values.offline });
  } catch (error) {
    if (error instanceof WeightsUnavailableError) fail(error.message, 1);
    fail((error as Error).message, 1);
  }
  const t0 = performance.now();
  const predictions = await classifyImage(model, positionals[0]!, { topK: top, preprocess: { antialias: !values['no-antialias'] } })
    .catch((error: Error) => fail(error.message, 1));
  const ms = performance.now() - t0;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(predictions)}\n`);
    return;
  }
  process.stdout.write(`${positionals[0]}  (resnet18, ${values.weights}, ${ms.toFixed(0)} ms)\n`);
  for (const [rank, p] of predictions.entries()) {
    process.stdout.write(`${String(rank + 1).padStart(3)}. ${(100 * p.probability).toFixed(2).padStart(6)}%  ${String(p.index).padStart(4)}  ${p.label}\n`);
  }
}

await main();
process.exit(0);
