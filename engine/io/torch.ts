// PyTorch checkpoints (torch.save's zip format, torch ≥ 1.6): `<archive>/data.pkl` holds the
// pickled object, whose tensors refer by persistent id to raw little-endian storages
// `<archive>/data/<key>`; `<archive>/version` closes the archive. Reading unpickles with the
// allowlist below and never executes anything; writing produces what torch.save(state_dict)
// does for float32/int64/bool tensors.
//
// Loaded values: tensors → webgrad Tensors (float64/half/bfloat16 → float32; int64/int16/int8/
// uint8 → int32, int64 range-checked), dicts and OrderedDicts → Map (insertion order kept, keys
// may be numbers), lists and tuples → arrays. The legacy pre-1.6 format is not read.
//
// Converting is the only choice — webgrad has float32, int32, uint32 and bool, no other dtype
// to keep — so what matters is that a load says so: once per call it reports which keys were
// converted from what (console.warn, or the onConvert option). int64 → int32 is left out of the
// default note: it is webgrad's stand-in for torch's long (every BatchNorm's
// num_batches_tracked; saveTorch writes it back as int64) and range-checked, so a value that
// does not fit is an error rather than a silent change; onConvert still receives it.

import type { DType } from '../tensor/dtype.js';
import { contiguousStrides } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { type PathOrBytes, readSource, writeAtomic } from './files.js';
import { type FileDType, fileDTypeBytes, gatherHost, tensorBytes, tensorFromHost, webgradDType } from './host-data.js';
import { PickleWriter } from './pickle-write.js';
import { PyGlobal, unpickle } from './pickle.js';
import { concatBytes, readZip, writeZip } from './zip.js';

export type TorchValue = Tensor | number | bigint | string | boolean | null | Uint8Array | TorchValue[] | Map<TorchValue, TorchValue>;

/** One tensor loadTorch stored in another dtype than the file's. */
export interface DTypeConversion {
  /** Where it is in the loaded value: `layer1.0.conv1.weight`, `optimizer.state.0.exp_avg`. */
  key: string;
  /** The dtype in the file. */
  from: FileDType;
  to: DType;
}

export interface LoadTorchOptions {
  /** Names the source in error messages when bytes are given (default `<bytes>`). */
  name?: string;
  /**
   * Called once per load with every converted tensor (when there is any), instead of the
   * default console.warn listing them (int64 → int32 excepted, see the header). `() => {}`
   * silences the note.
   */
  onConvert?: (conversions: DTypeConversion[]) => void;
}

const shownKeys = 6;

/** The default note: which keys were converted from what, grouped by source dtype. */
export function conversionNote(file: string, conversions: readonly DTypeConversion[]): string | undefined {
  const noted = conversions.filter((c) => c.from !== 'int64');
  if (noted.length === 0) return undefined;
  const groups = new Map<string, string[]>();
  for (const c of noted) {
    const head = `${c.from} → ${c.to}${c.from === 'float64' ? ' (rounded)' : ''}`;
    groups.set(head, [...(groups.get(head) ?? []), c.key]);
  }
  const parts = [...groups].map(([head, keys]) =>
    `${head}: ${keys.slice(0, shownKeys).join(', ')}${keys.length > shownKeys ? ` and ${keys.length - shownKeys} more` : ''}`);
  const count = noted.length === 1 ? '1 tensor' : `${noted.length} tensors`;
  return `webgrad: ${file}: ${count} converted to dtypes webgrad has (float32, int32, uint32, bool): ${parts.join('; ')}. ` +
    'Pass { onConvert } to loadTorch to handle or silence this note.';
}

const storageTypes: Record<string, FileDType> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8',
  ByteStorage: 'uint8', BoolStorage: 'bool', UntypedStorage: 'uint8',
};

interface StorageRef { key: string; dtype: FileDType; raw: Uint8Array }

/** A tensor described by the pickle, created on the GPU only once the whole pickle is valid. */
class PendingTensor {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly strides: number[],
    public requiresGrad: boolean,
  ) {}
}

const isIntList = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);

function allowedGlobals(file: string): (module: string, name: string) => PyGlobal | null {
  const rebuildTensor = (qualname: string) => new PyGlobal(qualname, (args) => {
    const [storage, offset, size, stride, requiresGrad] = args;
    if (!(storage instanceof PendingStorage) || typeof offset !== 'number' || !isIntList(size) || !isIntList(stride) || size.length !== stride.length) {
      throw new Error(`${file}: corrupt pickle (${qualname} called with unexpected arguments)`);
    }
    return new PendingTensor(storage.ref, offset, size, stride, requiresGrad === true);
  });
  const rebuildParameter = (qualname: string) => new PyGlobal(qualname, (args) => {
    const [data, requiresGrad] = args;
    if (!(data instanceof PendingTensor)) throw new Error(`${file}: corrupt pickle (${qualname} of something that is not a tensor)`);
    data.requiresGrad = requiresGrad === true;
    return data;
  });
  return (module, name) => {
    if (module === 'collections' && name === 'OrderedDict') {
      return new PyGlobal('collections.OrderedDict', (args) => {
        const map = new Map<unknown, unknown>();
        if (Array.isArray(args[0])) for (const pair of args[0]) if (Array.isArray(pair) && pair.length === 2) map.set(pair[0], pair[1]);
        return map;
      });
    }
    if (module === 'torch._utils') {
      if (name === '_rebuild_tensor_v2' || name === '_rebuild_tensor') return rebuildTensor(`${module}.${name}`);
      if (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state') return rebuildParameter(`${module}.${name}`);
    }
    if (module === 'torch' && name in storageTypes) return new PyGlobal(`torch.${name}`, undefined, storageTypes[name]);
    if (module === 'torch' && name.endsWith('Storage')) {
      throw new Error(`${file}: unsupported dtype: storage type torch.${name}; webgrad reads ${Object.keys(storageTypes).join(', ')}`);
    }
    return null;
  };
}

/** What BINPERSID yields: a storage, only usable as _rebuild_tensor_v2's first argument. */
class PendingStorage {
  constructor(readonly ref: StorageRef) {}
}

/** Parses checkpoint bytes (synchronous: the file is already in memory). */
export function parseTorch(bytes: Uint8Array, options: LoadTorchOptions = {}): TorchValue {
  const file = options.name ?? '<bytes>';
  const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
    throw new Error(`${file}: this is torch.save's legacy (pre-1.6, non-zip) format, which webgrad does not read; re-save it with a current PyTorch: torch.save(torch.load(path), path)`);
  }
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new Error(`${file}: not a PyTorch checkpoint (starts with ${magic || 'nothing'}; torch.save writes a zip archive starting with 50 4b 03 04)`);
  }
  const entries = new Map(readZip(bytes, file).map((e) => [e.name, e.data]));
  const pkl = [...entries.keys()].find((n) => n.endsWith('data.pkl') && n.split('/').length <= 2);
  if (!pkl) {
    const hint = [...entries.keys()].some((n) => n.endsWith('constants.pkl')) ? ' (it looks like a TorchScript archive; save a state_dict with torch.save instead)' : '';
    throw new Error(`${file}: zip archive without data.pkl, not a torch.save checkpoint${hint}`);
  }
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(byteorder).trim() === 'big') throw new Error(`${file}: big-endian checkpoint; only little-endian files are supported`);

  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): PendingStorage => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new Error(`${file}: corrupt pickle (unexpected persistent id ${JSON.stringify(pid)})`);
    const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
    if (!(type instanceof PyGlobal) || typeof type.tag !== 'string') throw new Error(`${file}: unsupported storage type in persistent id`);
    if (typeof key !== 'string' || typeof numel !== 'number') throw new Error(`${file}: corrupt pickle (storage key/size of wrong type)`);
    const dtype = type.tag as FileDType;
    let ref = storages.get(key);
    if (!ref) {
      const raw = entries.get(`${prefix}data/${key}`);
      if (!raw) throw new Error(`${file}: storage ${key} (${prefix}data/${key}) is missing from the archive`);
      const needed = numel * fileDTypeBytes[dtype];
      if (raw.length < needed) throw new Error(`${file}: storage ${key} holds ${raw.length} bytes but its ${numel} ${dtype} elements need ${needed}; the file is truncated or corrupt`);
      ref = { key, dtype, raw: raw.subarray(0, needed) };
      storages.set(key, ref);
    }
    return new PendingStorage(ref);
  };
  const value = unpickle(entries.get(pkl)!, {
    file,
    findGlobal: allowedGlobals(file),
    persistentLoad,
    // OrderedDict's state is its instance dict (state_dict()._metadata); kept out of the result.
    build: (obj, state) => obj instanceof Map && (state === null || state instanceof Map),
  });
  const conversions: DTypeConversion[] = [];
  const result = materialize(value, file, conversions);
  if (conversions.length > 0) {
    if (options.onConvert) {
      options.onConvert(conversions);
    } else {
      const note = conversionNote(file, conversions);
      if (note) console.warn(note);
    }
  }
  return result;
}

/** Replaces every PendingTensor with a GPU tensor; on an error, frees those already made. */
function materialize(root: unknown, file: string, conversions: DTypeConversion[]): TorchValue {
  const made = new Map<PendingTensor, Tensor>();
  const seen = new Set<unknown>();
  const visit = (v: unknown, path: string): TorchValue => {
    if (v instanceof PendingTensor) {
      let t = made.get(v);
      if (!t) {
        const where = `${file}: ${path || 'tensor'}`;
        const data = gatherHost({ raw: v.storage.raw, dtype: v.storage.dtype, offset: v.offset, shape: v.shape, strides: v.strides }, where);
        const dtype: DType = webgradDType(v.storage.dtype);
        t = tensorFromHost(data, v.shape, dtype);
        if (v.requiresGrad && dtype === 'float32') t.requiresGrad = true;
        made.set(v, t);
        if (v.storage.dtype !== dtype) conversions.push({ key: path || 'tensor', from: v.storage.dtype, to: dtype });
      }
      return t;
    }
    if (v instanceof PendingStorage || v instanceof PyGlobal) {
      throw new Error(`${file}: ${path || 'value'} is a bare ${v instanceof PyGlobal ? v.qualname : 'storage'}, not a tensor or plain data; not supported`);
    }
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v as TorchValue;
    if (seen.has(v)) return v as TorchValue;
    seen.add(v);
    const join = (k: unknown) => (path ? `${path}.${String(k)}` : String(k));
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = visit(v[i], join(i));
      return v as TorchValue[];
    }
    if (v instanceof Map) {
      for (const [k, x] of v) v.set(k, visit(x, join(k)));
      return v as Map<TorchValue, TorchValue>;
    }
    throw new Error(`${file}: unexpected value at ${path}`);
  };
  try {
    return visit(root, '');
  } catch (error) {
    for (const t of made.values()) t.dispose();
    throw error;
  }
}

/** torch.load for a path (Node) or the file's bytes. */
export async function loadTorch(source: PathOrBytes, options: LoadTorchOptions = {}): Promise<TorchValue> {
  const { bytes, name } = await readSource(source, options.name);
  return parseTorch(bytes, { ...options, name });
}

export interface SaveTorchOptions {
  /**
   * The torch dtype of int32/uint32 tensors. Default 'int64': webgrad's int32 stands in for
   * torch's long (indices, num_batches_tracked), as `toDType('int64')` says.
   */
  intDtype?: 'int64' | 'int32';
}

export type SaveableValue = Tensor | number | bigint | string | boolean | null | SaveableValue[]
  | Map<string | number, SaveableValue> | { [key: string]: SaveableValue };

const storageNames: Partial<Record<FileDType, string>> = {
  float32: 'FloatStorage', int64: 'LongStorage', int32: 'IntStorage', bool: 'BoolStorage',
};

/**
 * The bytes torch.save would write for `value`. A top-level Map or object becomes an
 * OrderedDict (a state dict); nested Maps become OrderedDicts, nested plain objects dicts.
 * Each tensor is written contiguous in its own storage (views and shared storage are not kept).
 */
export async function serializeTorch(value: SaveableValue, options: SaveTorchOptions = {}): Promise<Uint8Array> {
  return concatBytes(await torchChunks(value, options));
}

/** torch.save(value, path), written atomically (temporary file + rename). */
export async function saveTorch(path: string, value: SaveableValue, options: SaveTorchOptions = {}): Promise<void> {
  await writeAtomic(path, await torchChunks(value, options));
}

async function torchChunks(value: SaveableValue, options: SaveTorchOptions): Promise<Uint8Array[]> {
  const intDtype = options.intDtype ?? 'int64';
  const fileDType = (t: Tensor): FileDType => (t.dtype === 'float32' ? 'float32' : t.dtype === 'bool' ? 'bool' : t.dtype === 'uint32' ? 'int64' : intDtype);

  // Read every tensor back first (the only async step), in the order the pickler meets them.
  const tensors: Tensor[] = [];
  const seen = new Set<unknown>();
  const collect = (v: unknown) => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Tensor) { v.assertAlive('saveTorch'); tensors.push(v); return; }
    if (Array.isArray(v)) v.forEach(collect);
    else if (v instanceof Map) for (const [k, x] of v) { collect(k); collect(x); }
    else for (const x of Object.values(v)) collect(x);
  };
  collect(value);
  const data = new Map<Tensor, { key: string; dtype: FileDType; bytes: Uint8Array }>();
  for (const t of tensors) data.set(t, { key: String(data.size), dtype: fileDType(t), bytes: await tensorBytes(t, fileDType(t)) });

  const writer = new PickleWriter((v, w) => {
    if (!(v instanceof Tensor)) return false;
    const { key, dtype } = data.get(v)!;
    w.global('torch._utils', '_rebuild_tensor_v2');
    w.op(0x28); // MARK: the argument tuple
    w.tuple(['storage', 'type', key, 'cpu', v.numel], (item) => {
      if (item === 'type') w.global('torch', storageNames[dtype]!);
      else w.value(item);
    });
    w.op(0x51); // BINPERSID
    w.int(0); // storage offset
    w.tuple([...v.shape], (d) => w.int(d as number));
    w.tuple(contiguousStrides(v.shape), (d) => w.int(d as number));
    w.op(0x89); // requires_grad=False, as in state_dict()
    w.orderedDict([]); // backward_hooks
    w.endTuple();
    w.reduce();
    return true;
  });
  // Top level: a state dict is an OrderedDict whether given as a Map or a plain object.
  if (value instanceof Map) writer.orderedDict(value.entries());
  else if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Tensor)) writer.orderedDict(Object.entries(value));
  else writer.value(value);
  const pkl = writer.finish();

  const entries = [{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/byteorder', data: new TextEncoder().encode('little') }];
  for (const { key, bytes } of data.values()) entries.push({ name: `archive/data/${key}`, data: bytes });
  entries.push({ name: 'archive/version', data: new TextEncoder().encode('3\n') });
  return writeZip(entries);
}
