// Kernel parameters declared once (engine/kernels/params.ts): the WGSL struct and the packed words
// come from the same declaration, in its order; a value of the wrong kind throws naming the kernel and
// field; a missing or misnamed field does not type-check (the @ts-expect-error lines fail `npm run
// typecheck` if that ever stops being true). The conv2d family's shaders compile from these blocks
// (test/engine/conv.test.ts and conv-folded.test.ts run them against PyTorch and the unfused ops).

import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../engine/index.js';
import { debugFlags } from '../../engine/device/debug.js';
import { ADAM_MULTI_PARAMS } from '../../engine/kernels/adam-multi.js';
import { BN_APPLY_PARAMS, BN_FINALIZE_PARAMS, BN_GRADFIN_PARAMS, BN_PARTIAL_PARAMS } from '../../engine/kernels/batchnorm-params.js';
import { CONV2D_PARAMS } from '../../engine/kernels/conv2d-params.js';
import { MAP_PARAMS } from '../../engine/kernels/elementwise.js';
import { GATHER_PARAMS, SCATTER_PARAMS } from '../../engine/kernels/indexing.js';
import { LSTM_BACKWARD_PARAMS, LSTM_STEP_PARAMS } from '../../engine/kernels/lstm.js';
import { MATMUL_PARAMS, MATMUL_STRIDED_PARAMS } from '../../engine/kernels/matmul.js';
import { ADAM_PARAMS } from '../../engine/kernels/optim.js';
import { defineParams } from '../../engine/kernels/params.js';
import type { ParamBlock, ParamDecl } from '../../engine/kernels/params.js';
import { POOL_AVG_PARAMS, POOL_MAX_PARAMS } from '../../engine/kernels/pool-params.js';
import { RANDOM_PARAMS } from '../../engine/kernels/random.js';
import { REDUCE_PARAMS } from '../../engine/kernels/reduce.js';
import { shaderSource } from '../../engine/kernels/shader-source.js';
import { SOFTMAX_PARAMS } from '../../engine/kernels/softmax.js';
import { setupGpu } from '../helpers/gpu.js';

/** What these tests read of a parameter block. */
type Block = Pick<ParamBlock<ParamDecl>, 'wgsl'>;

/** Every `P.field` in `wgsl` (placeholders filled or not) is a field of `block`. */
function expectDeclared(wgsl: string, block: Block): void {
  const read = new Set([...wgsl.matchAll(/\bP\.(\w+)/g)].map((m) => m[1]));
  const declared = new Set([...block.wgsl.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]));
  expect(read.size).toBeGreaterThan(0);
  for (const field of read) expect(declared.has(field), `P.${field}`).toBe(true);
}

describe('defineParams', () => {
  const block = defineParams('example', { count: 'u32', shift: 'i32', scale: 'f32', last: 'u32' });

  it('writes the struct in declaration order', () => {
    expect(block.wgsl).toBe('struct Params {\n  count: u32,\n  shift: i32,\n  scale: f32,\n  last: u32,\n}');
  });

  it('packs values by name into words in that order, f32 fields flagged', () => {
    expect(block.pack({ last: 7, scale: 0.5, shift: -3, count: 2 })).toEqual({ u32: [2, -3, 0.5, 7], f32At: [2] });
    expect(defineParams('ints', { a: 'u32' }).pack({ a: 1 })).toEqual({ u32: [1] });
  });

  it('refuses a value of the wrong kind, naming the kernel and field', () => {
    expect(() => block.pack({ count: -1, shift: 0, scale: 1, last: 0 })).toThrow(/kernel 'example' parameter count: u32 got -1/);
    expect(() => block.pack({ count: 1, shift: 0.5, scale: 1, last: 0 })).toThrow(/parameter shift: i32 got 0.5/);
    expect(() => block.pack({ count: 1, shift: 0, scale: Number.NaN, last: 0 })).toThrow(/parameter scale: f32 got NaN/);
  });

  it('does not type-check a missing or misnamed field', () => {
    // @ts-expect-error: `last` is missing
    expect(() => block.pack({ count: 1, shift: 0, scale: 1 })).toThrow(/parameter last: u32 got undefined/);
    // @ts-expect-error: `cuont` is not a field
    expect(() => block.pack({ cuont: 1, count: 1, shift: 0, scale: 1, last: 0 })).not.toThrow();
  });
});

describe('the conv2d family', () => {
  it('gets its struct from the declaration: every field the shader reads is declared', () => {
    const wgsl = shaderSource('conv2d', {
      PARAMS: CONV2D_PARAMS.wgsl, HAS_BIAS: 'false', RELU: 'false', WG: 8, ADD_RESIDUAL: '', RESIDUAL_BINDING: '', OUT_BINDING: 4,
    });
    expect(wgsl).toContain(CONV2D_PARAMS.wgsl);
    const read = new Set([...wgsl.matchAll(/\bP\.(\w+)/g)].map((m) => m[1]));
    const declared = new Set([...CONV2D_PARAMS.wgsl.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]));
    for (const field of read) expect(declared.has(field), `P.${field}`).toBe(true);
  });
});

describe('the batchnorm family', () => {
  // Each section's own text, placeholders left unfilled.
  const raw = shaderSource('batchnorm', Object.fromEntries(['PARAMS', 'VT', 'HSUM', 'BINDINGS', 'CENTER', 'ACC', 'STATS', 'WG', 'INDEX', 'EXPR']
    .map((key) => [key, `{{${key}}}`])));
  const sections = new Map(raw.split('// @section ').slice(1).map((text) => [text.slice(0, text.indexOf('\n')), text]));

  it('has one declaration per section: every field each section reads is declared', () => {
    expect([...sections.keys()]).toEqual(['partial', 'finalize', 'gradfin', 'apply']);
    expectDeclared(sections.get('partial')!, BN_PARTIAL_PARAMS);
    expectDeclared(sections.get('finalize')!, BN_FINALIZE_PARAMS);
    expectDeclared(sections.get('gradfin')!, BN_GRADFIN_PARAMS);
    expectDeclared(sections.get('apply')!, BN_APPLY_PARAMS);
  });
});

describe('the pool, softmax and reduce kernels', () => {
  it('pool_max and pool_avg read only declared fields', () => {
    expectDeclared(shaderSource('pool_max', { PARAMS: POOL_MAX_PARAMS.wgsl, BACKWARD: 'true' }), POOL_MAX_PARAMS);
    expectDeclared(shaderSource('pool_avg', { PARAMS: POOL_AVG_PARAMS.wgsl, ADAPTIVE: 'false', BACKWARD: 'true' }), POOL_AVG_PARAMS);
  });

  it('softmax and reduce read only declared fields', () => {
    expectDeclared(shaderSource('softmax', { PARAMS: SOFTMAX_PARAMS.wgsl, WRITE: '' }), SOFTMAX_PARAMS);
    expectDeclared(shaderSource('reduce', { PARAMS: REDUCE_PARAMS.wgsl, BINDINGS: '', ACC: 'f32', INIT: '0.0', STEP: '', STORE: 'out[t] = acc * P.scale;' }), REDUCE_PARAMS);
  });
});

describe('the elementwise kernel', () => {
  beforeAll(setupGpu);

  it('declares one field per shape dim and per binding offset and stride: no padding, no magic offsets', () => {
    expectDeclared(shaderSource('elementwise', { PARAMS: MAP_PARAMS.wgsl, BINDINGS: '', FUNCTIONS: '', BODY: 'P.shape7 + P.in3_stride7 + P.out_stride0 + P.out_offset' }), MAP_PARAMS);
    expect([...MAP_PARAMS.wgsl.matchAll(/^ {2}\w+:/gm)]).toHaveLength(2 + 8 + 4 + 5 * 9);
  });

  it('passes non-finite scalars through (their f32 bits): -inf fills, NaN fills', async () => {
    expect(await wg.full([3], -Infinity).toArray()).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(await wg.full([5], Infinity).toArray()).toEqual(Array(5).fill(Infinity));
    expect((await wg.full([2], Number.NaN).toArray() as number[]).every(Number.isNaN)).toBe(true);
  });

  it('walks every dim of a rank-8 strided input', async () => {
    const shape = [2, 1, 3, 2, 1, 2, 2, 3];
    const n = shape.reduce((a, b) => a * b);
    const x = wg.tensor(Float32Array.from({ length: n }, (_, i) => i), { shape });
    const order = [7, 6, 5, 4, 3, 2, 1, 0];
    const got = (await wg.add(x.permute(order), 0.5).flatten().toArray()) as number[];
    // The reversed dims, read back in row-major order of the permuted shape.
    const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const pShape = order.map((d) => shape[d]!);
    const want = Array.from({ length: n }, (_, q) => {
      let rem = q;
      let at = 0;
      for (let d = 7; d >= 0; d--) {
        at += (rem % pShape[d]!) * strides[order[d]!]!;
        rem = Math.floor(rem / pShape[d]!);
      }
      return at + 0.5;
    });
    expect(got).toEqual(want);
  });
});

describe('matmul, lstm, adam, indexing and random kernels', () => {
  // Each family's file with its parameter block filled and its other placeholders (listed) left as they are.
  const families: Array<[string, Block, string[]]> = [
    ['matmul', MATMUL_PARAMS, ['A_T', 'B_T', 'WG']],
    ['matmul_strided', MATMUL_STRIDED_PARAMS, []],
    ['lstm', LSTM_STEP_PARAMS, ['VT', 'V', 'TB', 'WG', 'H_AT']],
    ['lstm_backward', LSTM_BACKWARD_PARAMS, ['VT', 'V', 'TB', 'WG', 'DZ_AT']],
    ['adam', ADAM_PARAMS, ['T', 'S', 'SIGN', 'VMAX_BINDING', 'DENOM']],
    ['adam_multi', ADAM_MULTI_PARAMS, ['ITEMS', 'SLOT_BINDINGS', 'M_BINDING', 'V_BINDING', 'VMAX_BINDING', 'SLOT_CASES', 'SIGN', 'DENOM']],
    ['gather', GATHER_PARAMS, ['T', 'INDEX_FAULTS']],
    ['scatter', SCATTER_PARAMS, ['T', 'INDEX_FAULTS']],
    ['random', RANDOM_PARAMS, ['T', 'DIST']],
  ];

  it('read only declared fields, and declare no struct of their own', () => {
    for (const [name, block, keys] of families) {
      const wgsl = shaderSource(name, { ...Object.fromEntries(keys.map((key) => [key, `{{${key}}}`])), PARAMS: block.wgsl });
      expect(wgsl, name).toContain(block.wgsl);
      expect(wgsl.match(/^struct Params/gm), name).toHaveLength(1);
      expectDeclared(wgsl, block);
    }
  });

  describe('as compiled, with the launchers\' snippets', () => {
    beforeAll(setupGpu);
    afterEach(() => { debugFlags.printShader = false; vi.restoreAllMocks(); });

    /** The WGSL of every kernel `run` compiles, by key. */
    async function compiledBy(run: () => void): Promise<Map<string, string>> {
      const printed: string[] = [];
      vi.spyOn(console, 'error').mockImplementation((text: unknown) => { printed.push(String(text)); });
      debugFlags.printShader = true;
      run();
      await wg.synchronize();
      debugFlags.printShader = false;
      vi.restoreAllMocks();
      const kernels = printed.filter((p) => p.startsWith('// ---- kernel '));
      return new Map(kernels.map((p) => [p.slice('// ---- kernel '.length, p.indexOf('\n')), p]));
    }

    /** Every kernel whose key starts with `prefix` reads only fields of `block`; returns their keys. */
    function expectFamily(compiled: Map<string, string>, prefix: string, block: Block): string[] {
      const keys = [...compiled.keys()].filter((key) => key.startsWith(prefix));
      expect(keys.length, prefix).toBeGreaterThan(0);
      for (const key of keys) {
        expect(compiled.get(key), key).toContain(block.wgsl);
        expectDeclared(compiled.get(key)!, block);
      }
      return keys;
    }

    // First: the tests after it draw their inputs with randn.
    it('random: every distribution; an infinite mean reaches the shader (as f32 bits)', async () => {
      const compiled = await compiledBy(() => {
        [wg.rand([5]), wg.randn([5]), wg.bernoulli([5], 0.5), wg.randint(0, 4, [5])].forEach((t) => t.dispose());
      });
      expect(expectFamily(compiled, 'random', RANDOM_PARAMS).sort()).toEqual(['random:bernoulli:f32', 'random:normal:f32', 'random:randint:i32', 'random:uniform:f32']);
      expect(await wg.randn([3], { mean: Infinity }).toArray()).toEqual([Infinity, Infinity, Infinity]);
    });

    it('matmul: both kernels', async () => {
      const compiled = await compiledBy(() => {
        wg.matmul(wg.randn([8, 8]), wg.randn([8, 8])).dispose();
        wg.matmul(wg.randn([2, 3, 5]), wg.randn([5, 3])).dispose();
      });
      expectFamily(compiled, 'matmul:vec4', MATMUL_PARAMS);
      expectFamily(compiled, 'matmul:strided', MATMUL_STRIDED_PARAMS);
    });

    it('lstm: the step and its backward', async () => {
      const compiled = await compiledBy(() => {
        const layer = { weightIh: wg.randn([16, 4], { requiresGrad: true }), weightHh: wg.randn([16, 4], { requiresGrad: true }) };
        wg.lstm(wg.randn([3, 2, 4]), [layer]).output.sum().backward();
      });
      expectFamily(compiled, 'lstm:step', LSTM_STEP_PARAMS);
      expectFamily(compiled, 'lstm:backward', LSTM_BACKWARD_PARAMS);
    });

    it('adam: single-tensor and multi-tensor, with and without AMSGrad', async () => {
      const compiled = await compiledBy(() => {
        for (const [foreach, amsgrad] of [[false, false], [false, true], [true, false], [true, true]] as const) {
          const p = wg.randn([8], { requiresGrad: true });
          p.grad = wg.randn([8]);
          new wg.optim.Adam([{ params: [p], foreach }], { amsgrad }).step();
        }
      });
      expect(expectFamily(compiled, 'adam:v4', ADAM_PARAMS)).toEqual(['adam:v4', 'adam:v4:amsgrad']);
      expect(expectFamily(compiled, 'adam:multi', ADAM_MULTI_PARAMS)).toEqual(['adam:multi:1', 'adam:multi:1:amsgrad']);
    });

    it('adam: an infinite eps reaches both updates (as f32 bits): the parameter stays', async () => {
      for (const foreach of [false, true]) {
        const p = wg.tensor([1, 2, 3, 4], { requiresGrad: true });
        p.grad = wg.tensor([0.5, -0.5, 1, -1]);
        new wg.optim.Adam([{ params: [p], foreach }], { eps: Infinity }).step();
        expect(await p.toArray(), `foreach ${foreach}`).toEqual([1, 2, 3, 4]);
      }
    });

    it('gather and scatter_add', async () => {
      const compiled = await compiledBy(() => {
        const src = wg.randn([3, 4], { requiresGrad: true });
        wg.gather(src, 1, wg.tensor([[0, 3], [1, 1], [2, 0]], { dtype: 'int32' })).sum().backward();
      });
      expectFamily(compiled, 'gather', GATHER_PARAMS);
      expectFamily(compiled, 'scatter_add', SCATTER_PARAMS);
    });
  });
});
