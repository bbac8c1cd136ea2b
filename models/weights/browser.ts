// webgrad/models' weights API in browsers: package.json's "browser" field maps weights/index.js here,
// so bundlers never meet Node's file system. The registry works as in Node; caching, downloading and
// reading files need a file system, so those calls say how a page loads weights instead: fetch the
// file and pass its bytes through parseTorch / parseSafetensors, then model.loadStateDict(…).

import type { Tensor } from '../../engine/index.js';
import { getWeights } from './registry.js';
import { WeightsUnavailableError } from './unavailable.js';

export {
  registerWeights, knownWeights, findWeights, getWeights, DEFAULT_WEIGHTS,
  type WeightsEntry, type WeightsEntryInput,
} from './registry.js';
export { DownloadError, ChecksumError } from './http.js';
export { DownloadProgress, type ProgressStream } from './progress.js';
export { WeightsUnavailableError };
export type { ResolveWeightsOptions } from './resolve.js';
export type { DownloadOptions, Downloaded } from './download.js';

export const weightFileExtensions = ['.pth', '.pt', '.bin', '.safetensors'] as const;

const HOW = 'in a page, fetch the file and load its bytes: model.loadStateDict(parseTorch(new Uint8Array(await (await fetch(url)).arrayBuffer())))';

function nodeOnly(what: string): never {
  throw new Error(`webgrad/models: ${what} needs Node's file system; ${HOW}`);
}

/** Named weights can't be cached in a browser: the error says where the file is and how to load it. */
export async function resolveWeights(arch: string, weights: string): Promise<string> {
  let url = weights;
  try {
    url = getWeights(arch, weights).url;
  } catch {
    nodeOnly(`reading ${weights}`);
  }
  throw new WeightsUnavailableError(`${arch} weights ${weights} cannot be looked up or cached in a browser; ${HOW} (the file: ${url})`, arch, weights, url, []);
}

export async function loadWeightsFile(path: string): Promise<Map<string, Tensor>> {
  return nodeOnly(`loadWeightsFile('${path}')`);
}

export const webgradHome = (): string => nodeOnly('the weights cache');
export const webgradWeightsDir = (): string => nodeOnly('the weights cache');
export const torchHubCheckpointsDir = (): string => nodeOnly('torch\'s hub cache');
export const weightsCacheDirs = (): string[] => nodeOnly('the weights caches');
export const offlineFromEnv = (): boolean => true;
export const downloadFile = (url: string): Promise<never> => Promise.resolve(nodeOnly(`downloading ${url} to a file`));
export const hashMatches = (actual: string, expected: string): boolean => expected.length > 0 && actual.toLowerCase().startsWith(expected.toLowerCase());
export const hashFile = (path: string): Promise<never> => Promise.resolve(nodeOnly(`hashing ${path}`));
