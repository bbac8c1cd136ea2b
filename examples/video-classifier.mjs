// The seed's CNN+LSTM video classifier from `webgrad/models`: a few Adam steps on random clips,
// then a PyTorch-loadable checkpoint and a prediction. `node examples/video-classifier.mjs`
// (after `npm run setup`). Offline, `pretrained: true` would report the missing ImageNet file
// and continue from random weights; here we ask for random weights outright.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crossEntropy, loadTorch, manualSeed, noGrad, optim, randint, randn, saveTorch, softmax, tidy } from 'webgrad';
import { getModel } from 'webgrad/models';

manualSeed(0);
const model = await getModel({ numClasses: 5, pretrained: false });   // ResNet18 → LSTM(100) → dropout 0.1 → fc1
const optimizer = new optim.Adam(model.parameters(), { lr: 3e-4 });
const clips = randn([2, 4, 3, 64, 64]);                                  // [B, T, 3, H, W]
const labels = randint(0, 5, [2]);
for (let step = 1; step <= 3; step++) {
  const loss = tidy(() => {
    optimizer.zeroGrad();
    const l = crossEntropy(model.call(clips), labels, { reduction: 'sum' });
    l.backward();
    optimizer.step();
    return l.detach();
  });
  console.log(`step ${step}: loss ${(await loss.item()).toFixed(4)}`);
  loss.dispose();
}

const path = join(tmpdir(), 'weights_rnn.pt');
await saveTorch(path, model.stateDict());                   // model.load_state_dict(torch.load(path)) in PyTorch
model.loadStateDict(await loadTorch(path));
model.eval();
const probabilities = noGrad(() => tidy(() => softmax(model.call(clips.narrow(0, 0, 1)), 1)));
const best = Array.from(await probabilities.data()).reduce((b, p, i, all) => (p > all[b] ? i : b), 0);
console.log(`saved ${model.stateDict().size} tensors (${[...model.stateDict().keys()].slice(0, 2).join(', ')}, …); clip 0 → class ${best}`);
