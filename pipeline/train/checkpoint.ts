// The training checkpoint: everything a resumed run needs to continue exactly where the last one
// stopped — weights, optimizer and scheduler state, the loop's state (epoch, position within it,
// partial sums, history, best loss) and the random generator — in one torch.save file written
// atomically (PyTorch can read it too). The settings that shape the computation are stored with
// it, so --resume with other settings is refused instead of silently mixing two runs.

import { existsSync } from 'node:fs';
import {
  getRngState, loadTorch, type nn, type optim, type RngState, saveTorch, setRngState, type Tensor, type TorchValue,
} from '../../engine/index.js';
import type { TrainState } from './train-val.js';

export const CHECKPOINT_FILE = 'checkpoint.pt';
const FORMAT = 'webgrad-train-checkpoint/1';

/** Settings a resumed run must share with the run that wrote the checkpoint. */
export type CheckpointSettings = Record<string, string | number | boolean>;

export interface Checkpoint {
  settings: CheckpointSettings;
  state: TrainState;
  rng: RngState;
  model: Map<string, Tensor>;
  optimizer: { state: Record<string, Record<string, Tensor | number>>; param_groups: Array<Record<string, unknown> & { params: number[] }> };
  scheduler: Record<string, unknown>;
}

export class CheckpointError extends Error {}

/** JSON with ±Infinity and NaN kept (bestLoss before the first epoch, the scheduler's best) as strings. */
const toJson = (v: unknown) => JSON.stringify(v, (_, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
const fromJson = <T>(text: string): T => JSON.parse(text, (_, x: unknown) =>
  (x === 'Infinity' ? Number.POSITIVE_INFINITY : x === '-Infinity' ? Number.NEGATIVE_INFINITY : x === 'NaN' ? Number.NaN : x)) as T;

export async function saveCheckpoint(path: string, p: {
  settings: CheckpointSettings; state: TrainState; model: nn.Module<never[], unknown>;
  optimizer: optim.Optimizer<optim.BaseOptions>; scheduler: optim.ReduceLROnPlateau;
}): Promise<void> {
  const optimizerState = p.optimizer.stateDict();
  await saveTorch(path, {
    format: FORMAT,
    settings: p.settings,
    state: toJson(p.state),
    rng: { ...getRngState() },
    model: p.model.stateDict(),
    optimizer: { state: optimizerState.state as unknown as Map<number, Map<string, Tensor | number>>, param_groups: optimizerState.param_groups as never },
    scheduler: toJson(p.scheduler.stateDict()),
  });
}

/** Maps (as loadTorch returns dicts) → plain objects, recursively; tensors and arrays kept. */
function plain(v: TorchValue): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/** Reads a checkpoint; refuses one from other settings, naming each difference and the fix. */
export async function loadCheckpoint(path: string, settings: CheckpointSettings): Promise<Checkpoint> {
  if (!existsSync(path)) throw new CheckpointError(`--resume: no checkpoint at ${path}; start without --resume (or pass the --out of the run to continue)`);
  const raw = await loadTorch(path);
  const top = raw instanceof Map ? raw : undefined;
  if (!top || top.get('format') !== FORMAT) {
    throw new CheckpointError(`${path} is not a webgrad training checkpoint (${FORMAT}); delete it or pass another --out`);
  }
  const saved = plain(top.get('settings')!) as CheckpointSettings;
  const differences = Object.keys({ ...saved, ...settings })
    .filter((k) => saved[k] !== settings[k])
    .map((k) => `${k}: checkpoint ${JSON.stringify(saved[k])}, now ${JSON.stringify(settings[k])}`);
  if (differences.length > 0) {
    for (const t of (top.get('model') as Map<string, Tensor>).values()) t.dispose();
    throw new CheckpointError(`--resume: ${path} was written with other settings (${differences.join('; ')}); `
      + 'resume with the same options, or start afresh in another --out');
  }
  const optimizer = plain(top.get('optimizer')!) as Checkpoint['optimizer'];
  return {
    settings: saved,
    state: fromJson<TrainState>(top.get('state') as string),
    rng: plain(top.get('rng')!) as RngState,
    model: top.get('model') as Map<string, Tensor>,
    optimizer,
    scheduler: fromJson<Record<string, unknown>>(top.get('scheduler') as string),
  };
}

/** Puts a checkpoint's model, optimizer, scheduler and generator state in place; frees its tensors. */
export function restoreCheckpoint(c: Checkpoint, p: {
  model: nn.Module<never[], unknown>; optimizer: optim.Optimizer<optim.BaseOptions>; scheduler: optim.ReduceLROnPlateau;
}): void {
  p.model.loadStateDict(c.model);
  p.optimizer.loadStateDict(c.optimizer);
  p.scheduler.loadStateDict(c.scheduler);
  setRngState(c.rng);
  for (const t of c.model.values()) t.dispose();
  for (const s of Object.values(c.optimizer.state)) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
}
