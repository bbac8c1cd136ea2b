// Weights I/O: safetensors and PyTorch checkpoints, both directions. Byte-level functions
// (parse*/serialize*) work anywhere; load*/save* also take Node paths and write atomically.

export {
  loadTorch, parseTorch, saveTorch, serializeTorch, conversionNote,
  type TorchValue, type SaveableValue, type LoadTorchOptions, type SaveTorchOptions, type DTypeConversion,
} from './torch.js';
export {
  loadSafetensors, parseSafetensors, saveSafetensors, serializeSafetensors, readSafetensorsHeader,
  type SafetensorsHeader, type SafetensorsEntry, type SaveSafetensorsOptions,
} from './safetensors.js';
export type { PathOrBytes } from './files.js';
