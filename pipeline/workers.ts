// Starting worker threads from source (.ts, through the tsx bootstrap) or from the compiled .js alike.
import { Worker } from 'node:worker_threads';

/**
 * Starts the module `name` (without extension) that sits next to the module `base` (its import.meta.url)
 * as a worker thread with `data` as its workerData; .ts beside .ts sources, .js beside compiled ones.
 */
export function startWorker(base: string, name: string, data: Record<string, unknown> = {}): Worker {
  const entry = new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
  if (entry.pathname.endsWith('.ts')) {
    return new Worker(new URL('./ts-worker.mjs', import.meta.url), { workerData: { ...data, __entry: entry.href } });
  }
  return new Worker(entry, { workerData: data });
}
