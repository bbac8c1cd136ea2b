// webgrad in a web page: a small network trained on navigator.gpu, its loss printed as it falls.
// Bundle, serve over http://127.0.0.1 or localhost (WebGPU needs a secure context), open index.html:
//   npx esbuild examples/browser/main.js --bundle --format=esm --outfile=examples/browser/main.bundle.js
import { gpu, manualSeed, mseLoss, nn, optim, randn } from 'webgrad';

manualSeed(0);
const model = new nn.Sequential(new nn.Linear(4, 32), new nn.ReLU(), new nn.Linear(32, 1));
const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
const x = randn([256, 4]);
const y = x.sum(1, { keepdim: true });          // learn the sum of four numbers
for (let step = 0; step <= 300; step++) {
  optimizer.zeroGrad();
  const loss = mseLoss(model.call(x), y);
  loss.backward();
  optimizer.step();
  if (step % 100 === 0) document.querySelector('#log').textContent += `step ${step}: loss ${(await loss.item()).toFixed(4)}\n`;
  loss.dispose();
}
document.querySelector('#log').textContent += `trained on ${gpu().adapterName}\n`;
