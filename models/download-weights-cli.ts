#!/usr/bin/env node
// npm run download:weights -- [--arch resnet18] [--weights IMAGENET1K_V1]: puts a pretrained weights
// file in webgrad's cache (verified, resumable), so training and classify find it offline later.
import { parseArgs } from 'node:util';
import { knownWeights, resolveWeights } from './weights/index.js';

const USAGE = `usage: npm run download:weights -- [--arch resnet18] [--weights IMAGENET1K_V1]

Downloads torchvision's pretrained weights into ~/.cache/webgrad/weights (or $WEBGRAD_HOME/weights), with a
progress bar, resuming a partial file and checking its size and sha256; a copy already in webgrad's or
torch's cache is used as is. Known: ${knownWeights().map((w) => `${w.arch} ${w.name}`).join(', ')}.
`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { arch: { type: 'string', default: 'resnet18' }, weights: { type: 'string', default: 'IMAGENET1K_V1' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const path = await resolveWeights(values.arch!, values.weights!, { progress: true });
  process.stdout.write(`${values.arch} ${values.weights}: ${path}\n`);
}

main().then(() => process.exit(0), (e: Error) => {
  process.stderr.write(`download:weights: ${e.message}\n`);
  process.exit(1);
});
