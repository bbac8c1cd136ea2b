// Worker thread of DataLoader: builds whole batches (JPEG decode, resize, normalize, assembly) and
// hands each back by transferring its buffers, so the batch is never copied.
import { parentPort, workerData } from 'node:worker_threads';
import { VideoDataset, type VideoDatasetOptions } from './dataset.js';
import { assembleBatch, type BatchRequest } from './loader.js';

const dataset = new VideoDataset(workerData.dataset as VideoDatasetOptions);

parentPort!.on('message', async (req: BatchRequest) => {
  try {
    const batch = await assembleBatch(dataset, req.indices, req.epoch);
    parentPort!.postMessage({ run: req.run, seq: req.seq, batch }, [batch.x.buffer as ArrayBuffer, batch.y.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ run: req.run, seq: req.seq, error: (e as Error).message });
  }
});
