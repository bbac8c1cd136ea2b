// Reading a weight file into a state dict (key → Tensor), whichever format it is in.

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { loadSafetensors, loadTorch, Tensor, type TorchValue } from '../../engine/index.js';

/** File extensions resolveWeights and loadWeightsFile accept as local weight files. */
export const weightFileExtensions = ['.pth', '.pt', '.bin', '.safetensors'] as const;

// Training scripts often save `{ state_dict: …, optimizer: …, epoch: … }` (or `{ model: … }`,
// torchvision's reference scripts) rather than the bare state dict; these keys are unwrapped.
const wrapperKeys = ['state_dict', 'model'] as const;

/** The tensors of a .pth/.pt/.bin (torch.save) or .safetensors file, keyed as in the file. */
export async function loadWeightsFile(path: string): Promise<Map<string, Tensor>> {
  const ext = extname(path).toLowerCase();
  if (ext === '.safetensors') return loadSafetensors(path);
  if (ext !== '.pth' && ext !== '.pt' && ext !== '.bin') {
    throw new Error(`${path}: unknown weights format '${ext || '(no extension)'}'; expected ${weightFileExtensions.join(', ')}`);
  }
  const buffer = await readFile(path);
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (isLegacyTorch(bytes)) {
    throw new Error(
      `${path}: saved in torch.save's legacy (pre-1.6, non-zip) format, which webgrad does not read. ` +
      `Convert it once in Python: import torch; torch.save(torch.load('${path}'), '${zipName(path)}')`,
    );
  }
  return stateDictOf(await loadTorch(bytes, { name: path }), path);
}

/** torch.save's legacy format starts with a pickle protocol opcode (0x80, protocol ≤ 5), not a zip. */
function isLegacyTorch(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5;
}

function zipName(path: string): string {
  const ext = extname(path);
  return `${path.slice(0, path.length - ext.length)}-zip${ext}`;
}

const isStateDict = (v: TorchValue | undefined): v is Map<string, Tensor> =>
  v instanceof Map && [...v].every(([k, t]) => typeof k === 'string' && t instanceof Tensor);

/** The state dict in a loaded checkpoint; tensors outside it (optimizer state) are freed. */
function stateDictOf(value: TorchValue, path: string): Map<string, Tensor> {
  if (isStateDict(value)) return value;
  const key = value instanceof Map ? wrapperKeys.find((k) => isStateDict(value.get(k))) : undefined;
  if (key !== undefined) {
    const inner = (value as Map<TorchValue, TorchValue>).get(key) as Map<string, Tensor>;
    const keep = new Set(inner.values());
    disposeTensors(value, keep);
    return inner;
  }
  disposeTensors(value, new Set());
  const top = value instanceof Map ? `a dict with keys ${[...value.keys()].slice(0, 8).map((k) => JSON.stringify(k)).join(', ')}` : describe(value);
  throw new Error(`${path}: not a state dict (the file holds ${top}); expected a dict of tensors, or one under ${wrapperKeys.map((k) => `'${k}'`).join(' or ')}`);
}

function describe(value: TorchValue): string {
  if (value instanceof Tensor) return 'a single tensor';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return value === null ? 'None' : `a ${typeof value}`;
}

function disposeTensors(value: TorchValue, keep: Set<Tensor>): void {
  if (value instanceof Tensor) {
    if (!keep.has(value)) value.dispose();
  } else if (Array.isArray(value)) {
    for (const v of value) disposeTensors(v, keep);
  } else if (value instanceof Map) {
    for (const v of value.values()) disposeTensors(v, keep);
  }
}
