// Pretrained weights for webgrad/models: the registry of known files, the caches searched, the
// download, and loading a file into a state dict.

export {
  registerWeights, knownWeights, findWeights, getWeights, DEFAULT_WEIGHTS,
  type WeightsEntry, type WeightsEntryInput,
} from './registry.js';
export { webgradHome, webgradWeightsDir, torchHubCheckpointsDir, weightsCacheDirs, offlineFromEnv } from './cache.js';
export { downloadFile, hashMatches, hashFile, type DownloadOptions, type Downloaded } from './download.js';
export { DownloadError, ChecksumError } from './http.js';
export { DownloadProgress, type ProgressStream } from './progress.js';
export { resolveWeights, WeightsUnavailableError, type ResolveWeightsOptions } from './resolve.js';
export { loadWeightsFile, weightFileExtensions } from './load.js';
