// Where downloaded weights live. webgrad keeps its own cache, and also looks in torch.hub's, so a
// file a PyTorch user already downloaded is not fetched twice. The environment is read on every
// call, not at import, so a program (or a test) may set it after importing webgrad.

import { homedir } from 'node:os';
import { join } from 'node:path';

/** An environment variable, with the empty string treated as unset (as `export X=` leaves it). */
function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** `$WEBGRAD_HOME`, default `~/.cache/webgrad`. */
export function webgradHome(): string {
  return env('WEBGRAD_HOME') ?? join(homedir(), '.cache', 'webgrad');
}

/** webgrad's weights cache, `$WEBGRAD_HOME/weights`: downloads go here. */
export function webgradWeightsDir(): string {
  return join(webgradHome(), 'weights');
}

/** torch.hub's checkpoint folder: `$TORCH_HOME/hub/checkpoints`, TORCH_HOME defaulting as in torch.hub. */
export function torchHubCheckpointsDir(): string {
  const torchHome = env('TORCH_HOME') ?? join(env('XDG_CACHE_HOME') ?? join(homedir(), '.cache'), 'torch');
  return join(torchHome, 'hub', 'checkpoints');
}

/** The folders searched for a cached file, in order. */
export function weightsCacheDirs(): string[] {
  return [webgradWeightsDir(), torchHubCheckpointsDir()];
}

/** True when WEBGRAD_OFFLINE asks for no network access (1, true, yes, on). */
export function offlineFromEnv(): boolean {
  return /^(1|true|yes|on)$/i.test(env('WEBGRAD_OFFLINE') ?? '');
}
