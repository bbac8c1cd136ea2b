// DataLoader: batches of a VideoDataset, made ahead of the consumer by worker threads.
// Order is fixed by the seed (shuffle) and kept whatever thread finishes first; at most `prefetch`
// batches are in flight or waiting, so memory stays bounded when the consumer is slow.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { mixSeed, VideoDataset } from './dataset.js';
import { RandomState } from './random.js';
import { startWorker } from './workers.js';

export interface Batch {
  /** [B, T, 3, S, S] */
  x: Float32Array;
  /** [B] class indices */
  y: Int32Array;
  ids: string[];
}

export interface DataLoaderOptions {
  batchSize?: number;
  shuffle?: boolean;
  /** Seed of the shuffle order (epoch e uses a seed mixed from this and e). */
  seed?: number;
  dropLast?: boolean;
  /** Worker threads (default: cores - 1, at least 1); 0 builds batches on the calling thread. */
  numWorkers?: number;
  /** Batches made ahead (default 2 per worker). */
  prefetch?: number;
}

export interface BatchRequest {
  /** Which epoch iteration asked: replies to an abandoned iteration are ignored by the next. */
  run: number;
  seq: number;
  indices: number[];
  epoch: number;
}

/** Builds one batch on this thread. */
export async function assembleBatch(dataset: VideoDataset, indices: number[], epoch: number): Promise<Batch> {
  const n = dataset.sampleSize;
  const x = new Float32Array(indices.length * n);
  await Promise.all(indices.map((idx, b) => dataset.loadInto(idx, x, b * n, epoch)));
  return { x, y: Int32Array.from(indices, (i) => dataset.labels[i]), ids: indices.map((i) => dataset.ids[i]) };
}

export class DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetch: number;
  private workers: Worker[] = [];
  private epochCount = 0;
  private runs = 0;

  constructor(readonly dataset: VideoDataset, opts: DataLoaderOptions = {}) {
    this.batchSize = opts.batchSize ?? 8;
    this.shuffle = opts.shuffle ?? true;
    this.seed = opts.seed ?? 0;
    this.dropLast = opts.dropLast ?? false;
    this.numWorkers = opts.numWorkers ?? Math.max(1, availableParallelism() - 1);
    this.prefetch = Math.max(1, opts.prefetch ?? 2 * Math.max(1, this.numWorkers));
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new Error(`DataLoader: batch size must be a positive integer, got ${this.batchSize}`);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample indices of every batch of `epoch`, in order. */
  batchIndices(epoch: number): number[][] {
    const n = this.dataset.length;
    const order = this.shuffle ? new RandomState(mixSeed(this.seed, epoch)).permutation(n) : Array.from({ length: n }, (_, i) => i);
    const out: number[][] = [];
    for (let i = 0; i < this.length; i++) out.push(order.slice(i * this.batchSize, (i + 1) * this.batchSize));
    return out;
  }

  /** Iterating the loader runs the next epoch (0, 1, …). */
  [Symbol.asyncIterator](): AsyncGenerator<Batch> {
    return this.epoch(this.epochCount++);
  }

  /** The batches of `epoch`, from batch index `from` on (a resumed run skips the ones it has done). */
  async *epoch(epoch: number, from = 0): AsyncGenerator<Batch> {
    const batches = this.batchIndices(epoch).slice(from);
    const run = this.runs++;
    if (this.numWorkers === 0) {
      for (const indices of batches) yield await assembleBatch(this.dataset, indices, epoch);
      return;
    }
    this.startWorkers();
    const ready = new Map<number, Batch>();
    const waiters = new Map<number, { resolve: (b: Batch) => void; reject: (e: Error) => void }>();
    const idle = [...this.workers];
    let sent = 0;
    let failure: Error | undefined;
    let finished = false; // set when the consumer is done or gave up: nothing more is sent for this run
    const fail = (e: Error): void => {
      failure ??= e;
      for (const wt of waiters.values()) wt.reject(failure);
      waiters.clear();
    };
    const onCrash = (e: Error): void => fail(new Error(`DataLoader: a worker thread crashed: ${e.message}`));
    for (const w of this.workers) w.on('error', onCrash);
    const pump = (): void => {
      // keep `prefetch` batches made or in the making beyond what the consumer has taken
      while (!finished && idle.length > 0 && sent < batches.length && sent - consumed < this.prefetch) {
        const w = idle.pop()!;
        const seq = sent++;
        const onMessage = (msg: { run: number; seq: number; batch?: Batch; error?: string }): void => {
          if (msg.run !== run || msg.seq !== seq) return;
          w.off('message', onMessage);
          idle.push(w);
          const waiter = waiters.get(seq);
          if (msg.error !== undefined) fail(new Error(msg.error));
          else if (waiter) {
            waiters.delete(seq);
            waiter.resolve(msg.batch!);
          } else ready.set(seq, msg.batch!);
          pump();
        };
        w.on('message', onMessage);
        w.postMessage({ run, seq, indices: batches[seq], epoch } satisfies BatchRequest);
      }
    };
    let consumed = 0;
    try {
      pump();
      for (let seq = 0; seq < batches.length; seq++) {
        if (failure) throw failure;
        let batch = ready.get(seq);
        if (batch) ready.delete(seq);
        else batch = await new Promise<Batch>((resolve, reject) => waiters.set(seq, { resolve, reject }));
        consumed++;
        pump();
        yield batch;
      }
    } finally {
      finished = true;
      for (const w of this.workers) w.off('error', onCrash);
    }
  }

  private startWorkers(): void {
    if (this.workers.length > 0) return;
    for (let i = 0; i < this.numWorkers; i++) {
      const w = startWorker(import.meta.url, 'loader-worker', { dataset: this.dataset.options });
      w.unref();
      this.workers.push(w);
    }
  }

  /** Stops the worker threads (they also never keep the process alive). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
