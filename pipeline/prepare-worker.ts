// Worker thread of prepare: takes clip tasks from the pool, answers each with its record or the reason it failed.
import { parentPort } from 'node:worker_threads';
import { ClipError } from './extract.js';
import { MissingPackageError } from '../models/optional-package.js';
import { prepareClip, type ClipTask } from './prepare-clip.js';

/** `missingPackage`: the failure is a missing optional package, the whole run's problem, not the clip's. */
export type WorkerReply = { id: number; ok: true; record: import('./manifest.js').ClipRecord }
  | { id: number; ok: false; reason: string; expected: boolean; missingPackage?: boolean };

parentPort!.on('message', async (msg: { id: number; task: ClipTask }) => {
  let reply: WorkerReply;
  try {
    reply = { id: msg.id, ok: true, record: await prepareClip(msg.task) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    reply = { id: msg.id, ok: false, reason: err.message, expected: e instanceof ClipError || err.code !== undefined, missingPackage: e instanceof MissingPackageError };
  }
  parentPort!.postMessage(reply);
});
