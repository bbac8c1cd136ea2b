// A small conv + LSTM sequence classifier with nn modules, Adam, ReduceLROnPlateau, and a
// checkpoint PyTorch can load. `node examples/convnet.mjs` (after `npm run setup`).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crossEntropy, loadTorch, manualSeed, nn, optim, randint, randn, saveTorch, tidy } from 'webgrad';

manualSeed(0);
class FrameClassifier extends nn.Module {
  constructor() {
    super();
    this.cnn = new nn.Sequential(
      new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(),
      new nn.AdaptiveAvgPool2d(1), new nn.Flatten());
    this.rnn = new nn.LSTM(8, 16, { batchFirst: true });
    this.head = new nn.Linear(16, 4);
  }
  forward(x) { // x: [B, T, 3, H, W]
    const [B, T, ...image] = x.shape;
    const features = this.cnn.call(x.reshape(B * T, ...image)).reshape(B, T, 8);
    const [output] = this.rnn.call(features);   // output, [h_n, c_n] as in PyTorch
    return this.head.call(output.narrow(1, T - 1, 1).squeeze(1));
  }
}

const model = new FrameClassifier();
const optimizer = new optim.Adam(model.parameters(), { lr: 1e-2 });
const scheduler = new optim.ReduceLROnPlateau(optimizer, { factor: 0.5, patience: 2 });
const x = randn([4, 5, 3, 16, 16]);
const y = randint(0, 4, [4]);
for (let step = 1; step <= 30; step++) {
  const loss = tidy(() => {
    optimizer.zeroGrad();
    const l = crossEntropy(model.call(x), y);
    l.backward();
    optimizer.step();
    return l.detach();
  });
  const value = await loss.item();
  loss.dispose();
  scheduler.step(value);
  if (step % 10 === 0) console.log(`step ${step}  loss ${value.toFixed(4)}`);
}
const file = join(tmpdir(), 'frame_classifier.pt');
await saveTorch(file, model.stateDict());   // torch.load() reads it
const restored = new FrameClassifier();
restored.loadStateDict(await loadTorch(file));
console.log(`saved and reloaded ${restored.stateDict().size} tensors: ${[...restored.stateDict().keys()].slice(0, 3).join(', ')}, …`);
