// webgrad as an app gets it: `npm pack` → `npm install <tarball>` into an empty app. The tarball holds
// the built JS, the .d.ts, the shaders and the setup scripts, and nothing of the repository's tests;
// a strict TypeScript project compiles against its types with skipLibCheck off; the commands run
// through npx; the README's first example runs.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
let dir: string;
let tarball: string;
let app: string;

const npm = (args: string[], cwd: string) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 240_000 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'webgrad-package-'));
  npm(['pack', root, '--pack-destination', dir], dir);
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
  npm(['install', tarball, '@types/node@20'], app);
}, 300_000);

describe('the tarball', () => {
  it('holds the built package, its types, shaders, setup scripts, LICENSE and CHANGELOG — and no tests, fixtures, sources or maps', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    for (const f of ['dist/engine/index.js', 'dist/engine/index.d.ts', 'dist/models/index.d.ts', 'dist/pipeline/index.d.ts',
      'dist/pipeline/train-cli.js', 'shaders/matmul.wgsl', 'scripts/setup-machine.sh', 'LICENSE', 'CHANGELOG.md', 'README.md']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(test|bench|examples|web)\/|fixtures|\.map$|\.tsbuildinfo$|^(engine|models|pipeline)\/.*\.ts$/.test(f))).toEqual([]);
  });
});

describe('an app that installed it', () => {
  it('type-checks against the published .d.ts in a strict NodeNext project with skipLibCheck off', () => {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] },
      include: ['index.ts'],
    }));
    writeFileSync(join(app, 'index.ts'), `
import { loadTorch, optim, randn, saveTorch, tensor, type Tensor, zeros } from 'webgrad';
import { classifyImage, getModel, resnet18, type Prediction, type Resnt18Rnn } from 'webgrad/models';
import { predictVideo, TRAIN_DEFAULTS, trainHmdb, type TrainOptions } from 'webgrad/pipeline';

const w: Tensor = randn([2, 3], { requiresGrad: true });
tensor([[1, 2], [3, 4]]).matmul(w).relu().sum().backward();
// @ts-expect-error DType is a closed union: webgrad has no float64
zeros([2], 'float64');
zeros([2], 'int64');
const model = resnet18({ numClasses: 10 });
const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
export async function main(): Promise<Prediction[]> {
  await saveTorch('m.pt', model.stateDict());
  model.loadStateDict(await loadTorch('m.pt'));
  const video: Resnt18Rnn = await getModel({ numClasses: 51 });
  const options: TrainOptions = { ...TRAIN_DEFAULTS, epochs: 1 };
  void [optimizer, video, options, trainHmdb, predictVideo];
  return classifyImage(model, 'photo.jpg');
}
`);
    const r = spawnSync(process.execPath, [tsc, '-p', app], { cwd: app, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs the README\'s first example and the commands through npx', () => {
    writeFileSync(join(app, 'first.mjs'), `
import { manualSeed, randn, tensor } from 'webgrad';
manualSeed(0);
const w = randn([2, 3], { requiresGrad: true });
tensor([[1, 2], [3, 4]]).matmul(w).relu().sum().backward();
console.log('grad', (await w.grad.toArray()).flat().length);
process.exit(0);
`);
    const first = spawnSync(process.execPath, ['first.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(first.stdout, first.stderr).toContain('grad 6');
    for (const [bin, usage] of [['webgrad-predict', '<video>'], ['webgrad-train-hmdb', '--frames'], ['webgrad-prepare-hmdb', '--data'], ['webgrad-classify', '<image']]) {
      const r = spawnSync('npx', ['--no-install', bin!, '--help'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `${bin}: ${r.stderr}`).toBe(0);
      expect(r.stdout, bin).toContain(usage);
    }
  });
});
