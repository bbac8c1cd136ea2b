// The weight files webgrad knows how to fetch, by architecture and torchvision's enum name
// (`ResNet18_Weights.IMAGENET1K_V1` → arch 'resnet18', name 'IMAGENET1K_V1'). Users add their
// own (a mirror, a fine-tuned model on their server) with registerWeights.

export interface WeightsEntry {
  /** The model builder's name, e.g. 'resnet18'. */
  arch: string;
  /** torchvision's weights name, e.g. 'IMAGENET1K_V1'. */
  name: string;
  url: string;
  /** The name in the cache folders; torchvision uses the URL's last segment, so ours matches its hub cache. */
  fileName: string;
  /**
   * Lower-case hex sha256 of the file: all 64 digits, or a prefix of at least 8 (torchvision's
   * file names carry only the first 8, and its `check_hash` compares just those).
   */
  sha256: string;
  /** The file's size in bytes, when known: cached files are checked against it. */
  bytes?: number;
}

export type WeightsEntryInput = Omit<WeightsEntry, 'fileName'> & { fileName?: string };

/** torchvision's alias for the best weights of an architecture. */
export const DEFAULT_WEIGHTS = 'DEFAULT';

const entries = new Map<string, Map<string, WeightsEntry>>();
const defaults = new Map<string, string>();

/**
 * Adds (or replaces) a known weight file. The first entry of an architecture is its DEFAULT
 * unless a later one is registered with `{ isDefault: true }`.
 */
export function registerWeights(input: WeightsEntryInput, options: { isDefault?: boolean } = {}): WeightsEntry {
  const where = `registerWeights(${input.arch}, ${input.name})`;
  if (!input.arch || !input.name) throw new Error(`${where}: arch and name must be non-empty`);
  if (input.name === DEFAULT_WEIGHTS) throw new Error(`${where}: '${DEFAULT_WEIGHTS}' is an alias; register a real name and pass { isDefault: true }`);
  const sha256 = input.sha256.toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(sha256)) throw new Error(`${where}: sha256 must be 8 to 64 hex digits, got '${input.sha256}'`);
  if (input.bytes !== undefined && !(Number.isSafeInteger(input.bytes) && input.bytes >= 0)) {
    throw new Error(`${where}: bytes must be a non-negative integer, got ${input.bytes}`);
  }
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new Error(`${where}: '${input.url}' is not an absolute URL`);
  }
  const fileName = input.fileName ?? lastSegment(url);
  if (!fileName || /[/\\]/.test(fileName)) throw new Error(`${where}: cannot take a file name from '${input.url}'; pass fileName`);

  const entry: WeightsEntry = { ...input, sha256, fileName };
  let byName = entries.get(entry.arch);
  if (!byName) entries.set(entry.arch, (byName = new Map()));
  byName.set(entry.name, entry);
  if (options.isDefault || !defaults.has(entry.arch)) defaults.set(entry.arch, entry.name);
  return entry;
}

function lastSegment(url: URL): string {
  const raw = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Every registered entry, or those of one architecture. */
export function knownWeights(arch?: string): WeightsEntry[] {
  const lists = arch === undefined ? [...entries.values()] : [entries.get(arch) ?? new Map<string, WeightsEntry>()];
  return lists.flatMap((byName) => [...byName.values()]);
}

/** The entry for `arch` and `name` ('DEFAULT' allowed), or undefined. */
export function findWeights(arch: string, name: string): WeightsEntry | undefined {
  const real = name === DEFAULT_WEIGHTS ? defaults.get(arch) : name;
  return real === undefined ? undefined : entries.get(arch)?.get(real);
}

/** Like findWeights, but an unknown architecture or name is an error listing what is known. */
export function getWeights(arch: string, name: string): WeightsEntry {
  const entry = findWeights(arch, name);
  if (entry) return entry;
  const byName = entries.get(arch);
  if (!byName) {
    const archs = [...entries.keys()].sort().join(', ');
    throw new Error(`no pretrained weights are registered for '${arch}'; known architectures: ${archs || 'none'} (registerWeights adds your own)`);
  }
  const names = [...byName.keys(), DEFAULT_WEIGHTS].map((n) => `'${n}'`).join(', ');
  throw new Error(`unknown weights '${name}' for ${arch}; known: ${names}, or a path to a .pth/.pt/.safetensors file`);
}

// torchvision's ImageNet checkpoints. Only resnet18's full hash and size are known here; the
// others are checked by the 8-digit prefix in their file names, as torch.hub does.
registerWeights({
  arch: 'resnet18', name: 'IMAGENET1K_V1',
  url: 'https://download.pytorch.org/models/resnet18-f37072fd.pth',
  sha256: 'f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec',
  bytes: 46_830_571,
});
registerWeights({ arch: 'resnet34', name: 'IMAGENET1K_V1', url: 'https://download.pytorch.org/models/resnet34-b627a593.pth', sha256: 'b627a593' });
registerWeights({ arch: 'resnet50', name: 'IMAGENET1K_V1', url: 'https://download.pytorch.org/models/resnet50-0676ba61.pth', sha256: '0676ba61' });
