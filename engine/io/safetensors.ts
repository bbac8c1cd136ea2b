// safetensors (https://github.com/huggingface/safetensors#format): an 8-byte little-endian
// header length N, N bytes of JSON `{"__metadata__": {str: str}, name: {"dtype", "shape",
// "data_offsets": [begin, end]}}` (space-padded), then the raw little-endian tensor bytes, offsets
// relative to the end of the header, covering the buffer without holes or overlaps.
// Read: F32 F16 BF16 F64 I64 I32 I16 I8 U8 U32 BOOL. Written: F32, I64 (or I32), BOOL.

import { fmt, numel } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type PathOrBytes, readSource, writeAtomic } from './files.js';
import { type FileDType, fileDTypeBytes, gatherHost, tensorBytes, tensorFromHost, webgradDType } from './host-data.js';
import { concatBytes } from './zip.js';

const codes: Record<string, FileDType> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I64: 'int64', I32: 'int32',
  I16: 'int16', I8: 'int8', U8: 'uint8', U32: 'uint32', BOOL: 'bool',
};
const codeOf = Object.fromEntries(Object.entries(codes).map(([k, v]) => [v, k])) as Record<FileDType, string>;

const MAX_HEADER = 100_000_000; // as the reference implementation

export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** Tensors in the order of their data in the file. */
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Where the data buffer starts (8 + header length). */
  dataStart: number;
}

/** Parses and validates the header of a safetensors file without touching tensor data. */
export function readSafetensorsHeader(bytes: Uint8Array, name = '<bytes>'): SafetensorsHeader {
  if (bytes.length < 8) throw new Error(`${name}: not a safetensors file (${bytes.length} bytes; the header length alone takes 8)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) throw new Error(`${name}: not a safetensors file (header length ${n} is over the 100 MB limit)`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) throw new Error(`${name}: truncated safetensors file (header of ${headerLen} bytes, file of ${bytes.length})`);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  let json: unknown;
  try {
    if (!text.startsWith('{')) throw new Error('header does not start with {');
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name}: not a safetensors file (header is not a JSON object: ${(error as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${name}: not a safetensors file (header is not a JSON object)`);
  const metadata: Record<string, string> = {};
  const entries: Array<[string, SafetensorsEntry]> = [];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key === '__metadata__') {
      for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new Error(`${name}: __metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const offsets = e?.data_offsets;
    if (typeof e?.dtype !== 'string' || !Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
      || !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new Error(`${name}: malformed header entry for tensor "${key}": ${JSON.stringify(value)}`);
    }
    entries.push([key, { dtype: e.dtype, shape: e.shape as number[], dataOffsets: [offsets[0], offsets[1]] }]);
  }
  entries.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  const dataStart = 8 + headerLen;
  const dataLength = bytes.length - dataStart;
  let expected = 0;
  for (const [key, e] of entries) {
    const [begin, end] = e.dataOffsets;
    if (begin !== expected) throw new Error(`${name}: tensor "${key}" starts at data byte ${begin}, expected ${expected} (holes or overlaps in the data buffer)`);
    const size = codes[e.dtype] ? numel(e.shape) * fileDTypeBytes[codes[e.dtype]!] : end - begin;
    if (end - begin !== size) throw new Error(`${name}: tensor "${key}" (${e.dtype} ${fmt(e.shape)}) needs ${size} bytes but its data_offsets [${begin}, ${end}] span ${end - begin}`);
    expected = end;
  }
  if (expected > dataLength) throw new Error(`${name}: truncated safetensors file (tensor data needs ${expected} bytes after the header, the file has ${dataLength})`);
  if (expected < dataLength) throw new Error(`${name}: corrupt safetensors file (${dataLength - expected} bytes after the last tensor)`);
  return { tensors: new Map(entries), metadata, dataStart };
}

/** The tensors of safetensors bytes, in file order, as webgrad tensors (see host-data for dtypes). */
export function parseSafetensors(bytes: Uint8Array, options: { name?: string } = {}): Map<string, Tensor> {
  const name = options.name ?? '<bytes>';
  const header = readSafetensorsHeader(bytes, name);
  for (const [key, e] of header.tensors) {
    if (!codes[e.dtype]) throw new Error(`${name}: tensor "${key}" has dtype ${e.dtype}, which webgrad cannot read (it reads ${Object.keys(codes).join(', ')})`);
  }
  const out = new Map<string, Tensor>();
  try {
    for (const [key, e] of header.tensors) {
      const dtype = codes[e.dtype]!;
      const raw = bytes.subarray(header.dataStart + e.dataOffsets[0], header.dataStart + e.dataOffsets[1]);
      const strides = e.shape.map((_, i) => numel(e.shape.slice(i + 1)));
      const data = gatherHost({ raw, dtype, offset: 0, shape: e.shape, strides }, `${name}: ${key}`);
      out.set(key, tensorFromHost(data, e.shape, webgradDType(dtype)));
    }
  } catch (error) {
    for (const t of out.values()) t.dispose();
    throw error;
  }
  return out;
}

/** Loads a .safetensors file (Node path) or its bytes. */
export async function loadSafetensors(source: PathOrBytes, options: { name?: string } = {}): Promise<Map<string, Tensor>> {
  const { bytes, name } = await readSource(source, options.name);
  return parseSafetensors(bytes, { name });
}

export interface SaveSafetensorsOptions {
  /** How int32/uint32 tensors are stored. Default 'I64' (torch's long; uint32 is always I64). */
  intDtype?: 'I64' | 'I32';
}

type TensorDict = Record<string, Tensor> | Map<string, Tensor>;

/** safetensors bytes for the tensors, in the given order, with optional string metadata. */
export async function serializeSafetensors(tensors: TensorDict, metadata?: Record<string, string>, options: SaveSafetensorsOptions = {}): Promise<Uint8Array> {
  return concatBytes(await safetensorsChunks(tensors, metadata, options));
}

/** Writes a .safetensors file atomically (temporary file + rename). */
export async function saveSafetensors(path: string, tensors: TensorDict, metadata?: Record<string, string>, options: SaveSafetensorsOptions = {}): Promise<void> {
  await writeAtomic(path, await safetensorsChunks(tensors, metadata, options));
}

async function safetensorsChunks(tensors: TensorDict, metadata: Record<string, string> | undefined, options: SaveSafetensorsOptions): Promise<Uint8Array[]> {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`saveSafetensors: metadata value of "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [key, t] of entries) {
    if (key === '__metadata__') throw new Error('saveSafetensors: "__metadata__" is reserved and cannot name a tensor');
    t.assertAlive('saveSafetensors');
    const dtype: FileDType = t.dtype === 'float32' ? 'float32' : t.dtype === 'bool' ? 'bool'
      : t.dtype === 'uint32' || (options.intDtype ?? 'I64') === 'I64' ? 'int64' : 'int32';
    const bytes = await tensorBytes(t, dtype);
    header[key] = { dtype: codeOf[dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const jsonBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  return [prefix, jsonBytes, ...chunks];
}
