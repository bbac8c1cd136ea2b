// Writes test/fixtures/models/webgrad_resnet18.pt and webgrad_resnt18rnn.pt: the generated weights of
// the fixtures loaded into webgrad's models and saved with saveTorch, for generate_models.py to load
// into torchvision / the reference module (its verdict: webgrad_verdict.json). 45 MB each, ignored by git.
//   npx tsx test/models/write-webgrad-models.ts && /usr/bin/python3 test/fixtures/generate_models.py

import { fileURLToPath } from 'node:url';
import { saveTorch } from '../../engine/index.js';
import { loadWeightsFile, resnet18, Resnt18Rnn } from '../../models/index.js';
import { webgradSavedModels } from './webgrad-saved.js';

for (const { file, build } of webgradSavedModels({ loadWeightsFile, resnet18, Resnt18Rnn })) {
  const model = await build();
  const path = fileURLToPath(new URL(`../fixtures/models/${file}`, import.meta.url));
  await saveTorch(path, model.stateDict());
  console.log(`wrote ${path}`);
  model.dispose();
}
process.exit(0);
