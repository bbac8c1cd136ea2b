// Trains a 2-layer MLP on a synthetic task (is a 2-D point inside the ring 0.5 < r < 1?)
// with webgrad. Plain JavaScript: `node examples/mlp.mjs` (after `npm run setup`).
import { crossEntropy, manualSeed, memoryStats, noGrad, rand, randn, SGD, tidy, zeros } from 'webgrad';

manualSeed(0);

// Data: 2048 points in [-1.5, 1.5]², label 1 inside the ring.
function makeData(n) {
  const x = tidy(() => rand([n, 2]).mul(3).sub(1.5));
  const r = tidy(() => x.square().sum(1).sqrt());
  const y = tidy(() => r.gt(0.5).to('int32').mul(r.lt(1).to('int32')));
  r.dispose();
  return { x, y };
}
const train = makeData(2048);
const test = makeData(1024);

// Parameters: 2 → 64 → 2, Kaiming-style init.
const w1 = randn([2, 64], { std: Math.sqrt(2 / 2), requiresGrad: true });
const b1 = zeros([64], 'float32', { requiresGrad: true });
const w2 = randn([64, 2], { std: Math.sqrt(2 / 64), requiresGrad: true });
const b2 = zeros([2], 'float32', { requiresGrad: true });
const forward = (x) => x.matmul(w1).add(b1).relu().matmul(w2).add(b2);

const optimizer = new SGD([w1, b1, w2, b2], { lr: 0.1, momentum: 0.9 });
for (let step = 1; step <= 1500; step++) {
  const loss = tidy(() => {
    optimizer.zeroGrad();
    const l = crossEntropy(forward(train.x), train.y);
    l.backward();
    optimizer.step();
    return l.detach();
  });
  if (step % 300 === 0) console.log(`step ${step}  loss ${(await loss.item()).toFixed(4)}`);
  loss.dispose();
}

const correct = noGrad(() => tidy(() => forward(test.x).argmax(1).eq(test.y).to('float32').mean()));
const accuracy = await correct.item();
console.log(`test accuracy ${(accuracy * 100).toFixed(1)}%  (live tensors: ${memoryStats().liveTensors})`);
if (!(accuracy > 0.95)) process.exitCode = 1;
