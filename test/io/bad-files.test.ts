// Broken and hostile weight files: each error names the file and the problem, nothing is
// executed, and nothing already uploaded to the GPU is leaked.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../engine/index.js';
import { PickleWriter } from '../../engine/io/pickle-write.js';
import { readZip, writeZip, concatBytes } from '../../engine/io/zip.js';
import { setupGpu } from '../helpers/gpu.js';
import { collectGarbage } from '../helpers/gc.js';

beforeAll(setupGpu);

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/io/${name}`, import.meta.url));
const bytesOf = (name: string) => new Uint8Array(readFileSync(fixture(name)));
const enc = (s: string) => new TextEncoder().encode(s);

/** A torch-style zip around a hand-made data.pkl and storages. */
function archive(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const entries = [{ name: 'archive/data.pkl', data: pkl }];
  for (const [k, v] of Object.entries(storages)) entries.push({ name: `archive/data/${k}`, data: v });
  entries.push({ name: 'archive/version', data: enc('3\n') });
  return concatBytes(writeZip(entries));
}

/** {'w': tensor of `size` over a FloatStorage of `numel` elements} as torch pickles it. */
function tensorPickle(size: number[], strides: number[], offset: number, numel: number, storage = 'FloatStorage'): Uint8Array {
  const w = new PickleWriter();
  w.op(0x7d); // EMPTY_DICT
  w.value('w');
  w.global('torch._utils', '_rebuild_tensor_v2');
  w.op(0x28);
  w.tuple(['storage', 'T', '0', 'cpu', numel], (v) => (v === 'T' ? w.global('torch', storage) : w.value(v)));
  w.op(0x51);
  w.int(offset);
  w.tuple(size, (d) => w.int(d as number));
  w.tuple(strides, (d) => w.int(d as number));
  w.op(0x89);
  w.orderedDict([]);
  w.endTuple();
  w.reduce();
  w.op(0x73); // SETITEM
  return w.finish();
}

const load = (bytes: Uint8Array) => () => wg.parseTorch(bytes, { name: 'model.pt' });

describe('loadTorch: broken files', () => {
  it('truncated file', () => {
    const good = bytesOf('small_state_dict.pt');
    expect(load(good.subarray(0, good.length >> 1))).toThrow(/^model\.pt: not a zip archive or truncated \(no end-of-central-directory record/);
    // Directory intact, data cut: the entry runs past the end of the file.
    const entries = readZip(good, 'x');
    const cut = new Uint8Array(good.length);
    cut.set(good);
    new DataView(cut.buffer).setUint32(good.length - 22 + 16, good.length + 100, true); // CD offset past the end
    expect(load(cut)).toThrow(/^model\.pt: truncated zip \(central directory at/);
    expect(entries.length).toBeGreaterThan(3);
  });

  it('wrong magic, and the legacy pre-1.6 format', async () => {
    expect(load(enc('hello world'))).toThrow('model.pt: not a PyTorch checkpoint (starts with 68 65 6c 6c; torch.save writes a zip archive starting with 50 4b 03 04)');
    expect(load(bytesOf('reference.safetensors'))).toThrow(/model\.pt: not a PyTorch checkpoint/);
    await expect(wg.loadTorch(fixture('legacy.pt'))).rejects.toThrow(/legacy\.pt: this is torch\.save's legacy \(pre-1\.6, non-zip\) format, which webgrad does not read; re-save it/);
    expect(load(archive(enc('x')).subarray(0))).toThrow(/unknown or unsupported pickle opcode 0x78/);
    const noPkl = concatBytes(writeZip([{ name: 'archive/constants.pkl', data: enc('x') }]));
    expect(load(noPkl)).toThrow('model.pt: zip archive without data.pkl, not a torch.save checkpoint (it looks like a TorchScript archive; save a state_dict with torch.save instead)');
  });

  it('unknown pickle opcode, truncated pickle, corrupt stack', () => {
    expect(load(archive(Uint8Array.of(0x80, 2, 0xff)))).toThrow("model.pt: unknown or unsupported pickle opcode 0xff ('ÿ') at byte 2; the file is corrupt or not a PyTorch checkpoint");
    const pkl = tensorPickle([2], [1], 0, 2);
    expect(load(archive(pkl.subarray(0, 40), { 0: new Uint8Array(8) }))).toThrow(/^model\.pt: pickle data is truncated/);
    expect(load(archive(Uint8Array.of(0x80, 2, 0x73, 0x2e)))).toThrow('model.pt: corrupt pickle (stack underflow at byte 3)');
    expect(load(archive(Uint8Array.of(0x80, 2, 0x68, 9, 0x2e)))).toThrow('model.pt: corrupt pickle (memo entry 9 is missing at byte 4)');
  });

  it('unsupported dtype', () => {
    expect(load(archive(tensorPickle([2], [1], 0, 2, 'ComplexFloatStorage'), { 0: new Uint8Array(16) })))
      .toThrow(/^model\.pt: unsupported dtype: storage type torch\.ComplexFloatStorage; webgrad reads FloatStorage, DoubleStorage/);
  });

  it('a storage shorter than its size, and a tensor reaching past its storage', () => {
    expect(load(archive(tensorPickle([4], [1], 0, 4), { 0: new Uint8Array(12) })))
      .toThrow('model.pt: storage 0 holds 12 bytes but its 4 float32 elements need 16; the file is truncated or corrupt');
    expect(load(archive(tensorPickle([3, 2], [1, 3], 1, 6), { 0: new Uint8Array(24) })))
      .toThrow('model.pt: w: storage holds 6 float32 elements but the tensor (shape [3,2], strides [1,3], offset 1) needs 7; the file is truncated or corrupt');
    expect(load(archive(tensorPickle([2], [1], 0, 2)))).toThrow('model.pt: storage 0 (archive/data/0) is missing from the archive');
  });

  it('int64 outside int32: names the key, leaks no GPU memory', async () => {
    await collectGarbage();
    const before = wg.memoryStats().liveTensors;
    await expect(wg.loadTorch(fixture('int64_overflow.pt'), { name: 'big.pt' }))
      .rejects.toThrow('big.pt: steps: int64 value 8589934592 does not fit in int32, webgrad\'s integer type; this tensor cannot be loaded');
    await collectGarbage();
    expect(wg.memoryStats().liveTensors).toBe(before);
  });
});

describe('loadTorch: the unpickler refuses anything but plain data', () => {
  const global = (module: string, name: string, tail: number[]) => Uint8Array.of(0x80, 2, 0x63, ...enc(`${module}\n${name}\n`), ...tail);

  it('names the global, for GLOBAL and STACK_GLOBAL alike, before any call', () => {
    expect(load(archive(global('os', 'system', [0x2e])))).toThrow('refusing to load model.pt: pickle calls os.system, which is not allowed (only tensors, dicts, lists and numbers)');
    expect(load(archive(global('torch', 'load', [0x2e])))).toThrow(/pickle calls torch\.load, which is not allowed/);
    const stackGlobal = Uint8Array.of(0x80, 4, 0x8c, 8, ...enc('builtins'), 0x8c, 4, ...enc('exec'), 0x93, 0x2e);
    expect(load(archive(stackGlobal))).toThrow('refusing to load model.pt: pickle calls builtins.exec, which is not allowed (only tensors, dicts, lists and numbers)');
  });

  it('refuses calling a storage type, object-building opcodes and BUILD on anything but an OrderedDict', () => {
    expect(load(archive(global('torch', 'FloatStorage', [0x29, 0x52, 0x2e])))).toThrow(/pickle calls torch\.FloatStorage, which is not allowed/);
    expect(load(archive(Uint8Array.of(0x80, 2, 0x28, 0x69, ...enc('os\nsystem\n'), 0x2e)))).toThrow(/refusing to load model\.pt: pickle opcode 0x69 at byte 3 builds arbitrary objects/);
    expect(load(archive(Uint8Array.of(0x80, 2, 0x5d, 0x7d, 0x62, 0x2e)))).toThrow(/refusing to load model\.pt: pickle sets the state of an object \(BUILD at byte 4\), which is only allowed for OrderedDict/);
  });

  it('a bare storage or global as a value is rejected by path', () => {
    expect(load(archive(global('torch', 'FloatStorage', [0x2e])))).toThrow('model.pt: value is a bare torch.FloatStorage, not a tensor or plain data; not supported');
  });
});
