// The models webgrad saves for torch's verdict: the fixtures' generated weights loaded into our
// resnet18 and Resnt18Rnn. Shared by the writer script and the test that pins its output.

import type { nn } from '../../engine/index.js';
import type * as models from '../../models/index.js';
import { readModelFixture, type SavedFileFixture, writeSavedFile } from './saved-file.js';

type Api = Pick<typeof models, 'loadWeightsFile' | 'resnet18' | 'Resnt18Rnn'>;

export function webgradSavedModels(api: Api): Array<{ file: string; build: () => Promise<nn.Module> }> {
  const resnet = readModelFixture<{ file: SavedFileFixture }>('resnet18.json');
  const rnn = readModelFixture<{ file: SavedFileFixture; numClasses: number }>('resnt18rnn.json');
  return [
    { file: 'webgrad_resnet18.pt', build: () => api.resnet18({ weights: writeSavedFile(resnet.file) }) },
    {
      file: 'webgrad_resnt18rnn.pt',
      build: async () => {
        const model = new api.Resnt18Rnn({ numClasses: rnn.numClasses, pretrained: false });
        const weights = await api.loadWeightsFile(writeSavedFile(rnn.file));
        model.loadStateDict(weights);
        for (const t of weights.values()) t.dispose();
        return model;
      },
    },
  ];
}
