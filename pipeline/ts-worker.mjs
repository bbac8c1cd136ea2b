// Bootstrap for worker threads whose entry is a .ts file (run from source under tsx or vitest, which
// do not reach into new threads): registers tsx's loader in this thread, then loads the entry.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.__entry);
