// What webgrad writes for PyTorch to check: the state dict and checkpoint behind
// test/fixtures/io/webgrad_*.{pt,safetensors}. write-reference.ts writes those files and the
// values they must hold (webgrad_expected.json); generate_io.py loads them with torch and
// records its verdict; save.test.ts checks today's output is byte-identical to the verified files.

import * as wg from '../../engine/index.js';
import type { SaveableValue, Tensor } from '../../engine/index.js';

interface Spec { shape: number[]; dtype: 'float32' | 'int32' | 'bool'; data: number[]; transpose?: boolean }

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Host values; `transpose` specs are stored transposed so the saved tensor is a non-contiguous view. */
const specs: Record<string, Spec> = {
  'conv.weight': { shape: [4, 3, 3, 3], dtype: 'float32', data: range(108, (i) => (((i * 37) % 17) - 8) / 4) },
  'bn.weight': { shape: [4], dtype: 'float32', data: [1, 0.5, -0.25, 2] },
  'bn.running_var': { shape: [4], dtype: 'float32', data: [0.1, 1e-5, 3.14159, 100].map(Math.fround) },
  'bn.num_batches_tracked': { shape: [], dtype: 'int32', data: [7] },
  'fc.weight': { shape: [3, 5], dtype: 'float32', data: range(15, (i) => (i % 5) * 3 + Math.floor(i / 5) - 7), transpose: true },
  'mask': { shape: [5], dtype: 'bool', data: [1, 0, 0, 1, 1] },
  'idx': { shape: [4], dtype: 'int32', data: [-2, 0, 2147483647, -2147483648] },
  'scalar': { shape: [], dtype: 'float32', data: [3.5] },
  'empty': { shape: [0, 4], dtype: 'float32', data: [] },
};

function make(spec: Spec): Tensor {
  if (!spec.transpose) return wg.tensor(spec.data, { shape: spec.shape, dtype: spec.dtype });
  // Row-major data of the [b, a] base whose transpose is `spec`.
  const [a, b] = spec.shape as [number, number];
  const base = range(a * b, (k) => spec.data[(k % a) * b + Math.floor(k / a)]!);
  return wg.tensor(base, { shape: [b, a], dtype: spec.dtype }).transpose(0, 1);
}

export function referenceStateDict(): Map<string, Tensor> {
  return new Map(Object.entries(specs).map(([k, s]) => [k, make(s)]));
}

export function referenceCheckpoint(): Record<string, SaveableValue> {
  return {
    epoch: 3,
    model: new Map([['conv.weight', make(specs['conv.weight']!)], ['bn.num_batches_tracked', make(specs['bn.num_batches_tracked']!)]]),
    lr: 0.1,
    name: 'run',
    history: [1.5, 2.25, -7],
    done: false,
    none: null,
  };
}

export const referenceMetadata = { format: 'pt', source: 'webgrad' };

const torchDtype = (s: Spec) => (s.dtype === 'float32' ? 'float32' : s.dtype === 'bool' ? 'bool' : 'int64');
const code = (s: Spec) => (s.dtype === 'float32' ? 'F32' : s.dtype === 'bool' ? 'BOOL' : 'I64');
const tensorJson = (s: Spec) => ({ tensor: { shape: s.shape, torchDtype: torchDtype(s), code: code(s), data: s.data } });

/** The values PyTorch must find in each file webgrad writes. */
export function expectedJson(): unknown {
  const values = Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, tensorJson(s)]));
  return {
    note: 'written by test/io/write-reference.ts; checked by test/fixtures/generate_io.py with torch.load',
    files: {
      'webgrad_written.pt': { values },
      'webgrad_checkpoint.pt': {
        values: {
          epoch: 3,
          model: { map: { 'conv.weight': tensorJson(specs['conv.weight']!), 'bn.num_batches_tracked': tensorJson(specs['bn.num_batches_tracked']!) } },
          lr: 0.1, name: 'run', history: [1.5, 2.25, -7], done: false, none: null,
        },
      },
      'webgrad_written.safetensors': { metadata: referenceMetadata, values },
    },
  };
}
