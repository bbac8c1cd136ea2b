// Reading torch.save checkpoints made by PyTorch 1.13 (test/fixtures/generate_io.py): every
// dtype and view layout, a training checkpoint, a seeded torchvision resnet18 against its
// manifest, malicious pickles and broken files. Loading is exact: values compare bitwise.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as wg from '../../engine/index.js';
import type { Tensor, TorchValue } from '../../engine/index.js';
import { setupGpu } from '../helpers/gpu.js';

beforeAll(setupGpu);

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/io/${name}`, import.meta.url));
const json = (name: string) => JSON.parse(readFileSync(fixture(name), 'utf8'));
const bytesOf = (name: string) => new Uint8Array(readFileSync(fixture(name)));

interface Described { shape: number[]; dtype: string; data: number[] }

async function expectTensor(t: unknown, want: Described, where: string): Promise<void> {
  expect(t, where).toBeInstanceOf(wg.Tensor);
  const tensor = t as Tensor;
  expect(tensor.shape, where).toEqual(want.shape);
  expect(tensor.dtype, where).toBe(want.dtype);
  expect(Array.from(await tensor.data()), where).toEqual(want.data.map((v) => (want.dtype === 'float32' ? Math.fround(v) : v)));
}

describe('loadTorch: a small state dict of every dtype', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads all tensors with their keys in order, values exact', async () => {
    const want = json('small_state_dict.json').tensors as Record<string, Described & { contiguous: boolean }>;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const sd = await wg.loadTorch(fixture('small_state_dict.pt')) as Map<string, Tensor>;
    // The conversions are said once, by key and source dtype (int64, webgrad's long, is not noted).
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe(`webgrad: ${fixture('small_state_dict.pt')}: 6 tensors converted to dtypes webgrad has ` +
      '(float32, int32, uint32, bool): float64 → float32 (rounded): double; float16 → float32: half; bfloat16 → float32: bfloat; ' +
      'int16 → int32: short; int8 → int32: char; uint8 → int32: byte. Pass { onConvert } to loadTorch to handle or silence this note.');
    expect(sd).toBeInstanceOf(Map);
    expect([...sd.keys()]).toEqual(Object.keys(want));
    // The fixture does contain the layouts this test is about.
    expect(want['linear.weight_t']!.contiguous).toBe(false);
    expect(want['long_strided']!.contiguous).toBe(false);
    for (const [key, t] of sd) await expectTensor(t, want[key]!, key);
    expect(sd.get('scalar')!.shape).toEqual([]);
    expect(sd.get('bn.num_batches_tracked')!.dtype).toBe('int32');
    expect(sd.get('mask')!.dtype).toBe('bool');
    for (const t of sd.values()) t.dispose();
  });

  it('onConvert receives every conversion (int64 included) instead of the note; a file with none calls it not at all', async () => {
    const warn = vi.spyOn(console, 'warn');
    const seen: wg.DTypeConversion[][] = [];
    const sd = await wg.loadTorch(fixture('small_state_dict.pt'), { onConvert: (c) => seen.push(c) }) as Map<string, Tensor>;
    expect(warn).not.toHaveBeenCalled();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.map((c) => `${c.key}:${c.from}>${c.to}`)).toEqual([
      'bn.num_batches_tracked:int64>int32', 'double:float64>float32', 'half:float16>float32', 'bfloat:bfloat16>float32',
      'long:int64>int32', 'long_strided:int64>int32', 'short:int16>int32', 'char:int8>int32', 'byte:uint8>int32',
    ]);
    for (const t of sd.values()) t.dispose();
    // webgrad's own checkpoints (float32, int64) and torchvision's state dicts load without a note.
    const own = await wg.loadTorch(fixture('webgrad_written.pt')) as Map<string, Tensor>;
    expect(warn).not.toHaveBeenCalled();
    for (const t of own.values()) t.dispose();
    const many = Array.from({ length: 8 }, (_, i) => ({ key: `w${i}`, from: 'float16' as const, to: 'float32' as const }));
    expect(wg.conversionNote('m.pt', many)).toMatch(/^webgrad: m\.pt: 8 tensors converted .*float16 → float32: w0, w1, w2, w3, w4, w5 and 2 more\. /);
  });

  it('takes bytes as well as a path, and names the source in errors', async () => {
    const sd = wg.parseTorch(bytesOf('small_state_dict.pt'), { name: 'small.pt', onConvert: () => undefined }) as Map<string, Tensor>;
    expect(sd.size).toBe(18);
    for (const t of sd.values()) t.dispose();
    expect(() => wg.parseTorch(new Uint8Array([1, 2, 3, 4, 5]), { name: 'junk.pt' })).toThrow(/^junk\.pt: not a PyTorch checkpoint \(starts with 01 02 03 04/);
  });
});

describe('loadTorch: a training checkpoint', () => {
  it('keeps nested dicts (with number keys), lists, tuples, numbers, strings, None, Parameters', async () => {
    const ck = await wg.loadTorch(fixture('checkpoint.pt')) as Map<string, TorchValue>;
    const want = json('checkpoint.json').value;
    const check = async (got: unknown, w: unknown, where: string): Promise<void> => {
      if (Array.isArray(w)) {
        expect(Array.isArray(got) && got.length === w.length, where).toBe(true);
        for (let i = 0; i < w.length; i++) await check((got as unknown[])[i], w[i], `${where}[${i}]`);
      } else if (w && typeof w === 'object' && 'tensor' in w) {
        const { tensor, requiresGrad } = w as { tensor: Described; requiresGrad: boolean };
        await expectTensor(got, tensor, where);
        expect((got as Tensor).requiresGrad, `${where} requiresGrad`).toBe(requiresGrad);
      } else if (w && typeof w === 'object' && 'map' in w) {
        const entries = (w as { map: Array<[unknown, unknown]> }).map;
        expect(got, where).toBeInstanceOf(Map);
        expect([...(got as Map<unknown, unknown>).keys()], where).toEqual(entries.map(([k]) => k));
        for (const [k, x] of entries) await check((got as Map<unknown, unknown>).get(k), x, `${where}.${String(k)}`);
      } else {
        expect(got, where).toEqual(w);
      }
    };
    await check(ck, want, 'checkpoint');
    // Python's int keys stay numbers: optimizer.state_dict()['state'][0]['momentum_buffer'].
    const state = (ck.get('optimizer') as Map<string, TorchValue>).get('state') as Map<TorchValue, TorchValue>;
    expect([...state.keys()]).toEqual([0, 1]);
    // One tensor pickled twice (memo) is one webgrad tensor.
    const shared = ck.get('shared') as Tensor[];
    expect(shared[0]).toBe(shared[1]);
  });
});

describe('loadTorch: torchvision resnet18', () => {
  it('reads the reduced file: keys, shapes, dtypes and sha256 of every tensor as in the full model manifest', async () => {
    const manifest = json('resnet18_manifest.json');
    const entries = manifest.tensors as Array<{ key: string; shape: number[]; torchDtype: string; sum: number; absSum: number; first: number[]; sha256?: string }>;
    expect(entries).toHaveLength(122);
    expect(manifest.parameters).toBe(11689512);
    const sd = await wg.loadTorch(fixture('resnet18_reduced.pt')) as Map<string, Tensor>;
    const keys = [...sd.keys()];
    expect(keys).toEqual(manifest.reducedKeys);
    // The reduced file keeps the full dict's order.
    const order = entries.map((e) => e.key);
    expect(keys.map((k) => order.indexOf(k))).toEqual(keys.map((k) => order.indexOf(k)).sort((a, b) => a - b));
    for (const e of entries.filter((x) => sd.has(x.key))) {
      const t = sd.get(e.key)!;
      expect(t.shape, e.key).toEqual(e.shape);
      expect(t.dtype, e.key).toBe(e.torchDtype === 'int64' ? 'int32' : 'float32');
      const data = await t.data();
      if (e.sha256) expect(createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex'), e.key).toBe(e.sha256);
      let sum = 0;
      for (const v of data) sum += v;
      expect(Math.abs(sum - e.sum), e.key).toBeLessThanOrEqual(1e-9 * Math.max(1, e.absSum));
      expect(Array.from(data.subarray(0, 4)), e.key).toEqual(e.first.map((v) => (t.dtype === 'float32' ? Math.fround(v) : v)));
    }
    expect(await sd.get('bn1.num_batches_tracked')!.item()).toBe(2);
    for (const t of sd.values()) t.dispose();
  });
});

describe('loadTorch refuses what is not plain data, running nothing', () => {
  const pwned = '/tmp/webgrad_io_pwned';

  it('a pickle calling os.system (posix.system), inside a real torch.save file', async () => {
    rmSync(pwned, { force: true });
    const path = fixture('malicious_system.pt');
    await expect(wg.loadTorch(path)).rejects.toThrow(`refusing to load ${path}: pickle calls posix.system, which is not allowed (only tensors, dicts, lists and numbers)`);
    expect(existsSync(pwned)).toBe(false);
  });

  it('a pickle calling builtins.eval through REDUCE', () => {
    rmSync(pwned, { force: true });
    expect(() => wg.parseTorch(bytesOf('malicious_eval.pt'), { name: 'model.pt' }))
      .toThrow('refusing to load model.pt: pickle calls builtins.eval, which is not allowed (only tensors, dicts, lists and numbers)');
    expect(existsSync(pwned)).toBe(false);
  });
});
