// Our models' state dicts, written with saveTorch, load in PyTorch: generate_models.py loaded the
// files test/models/write-webgrad-models.ts wrote into torchvision's resnet18 and the reference
// Resnt18Rnn (strict, same keys, dtypes and values, same logits) and recorded each file's sha256.
// Here today's saveTorch output must be byte-identical to those verified files.

import { beforeAll, expect, it } from 'vitest';
import { serializeTorch } from '../../engine/index.js';
import { loadWeightsFile, resnet18, Resnt18Rnn } from '../../models/index.js';
import { setupGpu } from '../helpers/gpu.js';
import { readModelFixture, sha256 } from './saved-file.js';
import { webgradSavedModels } from './webgrad-saved.js';

interface Verdict { file: string; sha256: string; ok: boolean; keys: boolean; strict: boolean; dtypes: boolean; sameValues: boolean; maxLogitDiff: number }
const verdicts = readModelFixture<{ files: Verdict[] }>('webgrad_verdict.json').files;

beforeAll(setupGpu);

it.each(webgradSavedModels({ loadWeightsFile, resnet18, Resnt18Rnn }).map((m) => [m.file, m] as const))(
  '%s: PyTorch loads it strictly with the same logits, and saveTorch still writes exactly that file', async (file, { build }) => {
    const verdict = verdicts.find((v) => v.file === file)!;
    expect(verdict, `torch's verdict on ${file}`).toMatchObject({ ok: true, keys: true, strict: true, dtypes: true, sameValues: true });
    expect(verdict.maxLogitDiff).toBeLessThanOrEqual(1e-6);
    const model = await build();
    const bytes = await serializeTorch(model.stateDict());
    expect(sha256(bytes)).toBe(verdict.sha256);
    model.dispose();
  });
