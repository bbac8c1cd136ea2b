import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The README's examples, run as a user would: plain JS importing the built package by name
// (test/global-setup.ts rebuilt dist/ first).
const root = fileURLToPath(new URL('..', import.meta.url));
const runExample = (file: string) => execFileSync(process.execPath, [`examples/${file}`], { cwd: root, encoding: 'utf8' });
const lossesIn = (output: string) => [...output.matchAll(/loss ([\d.]+)/g)].map((m) => Number(m[1]));

it('examples/mlp.mjs trains a 2-layer MLP to > 95 % test accuracy', () => {
  const accuracy = Number(/test accuracy ([\d.]+)%/.exec(runExample('mlp.mjs'))?.[1]);
  expect(accuracy).toBeGreaterThan(95);
});

it('examples/convnet.mjs trains a conv + LSTM model and round-trips a .pt checkpoint', () => {
  const output = runExample('convnet.mjs');
  const losses = lossesIn(output);
  expect(losses).toHaveLength(3);
  expect(losses[2]!).toBeLessThan(losses[0]!);
  expect(output).toMatch(/saved and reloaded 13 tensors: cnn\.0\.weight, cnn\.0\.bias, cnn\.1\.weight/);
});

it('examples/video-classifier.mjs trains the seed\'s Resnt18Rnn from webgrad/models and round-trips its .pt', () => {
  const output = runExample('video-classifier.mjs');
  const losses = lossesIn(output);
  expect(losses).toHaveLength(3);
  expect(losses[2]!).toBeLessThan(losses[0]!);
  expect(output).toMatch(/saved 126 tensors \(baseModel\.conv1\.weight, baseModel\.bn1\.weight, …\); clip 0 → class [0-4]/);
});
