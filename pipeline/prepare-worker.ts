// Worker thread of prepare: takes clip tasks from the pool, answers each with its record or the reason it failed.
import { parentPort } from 'node:worker_threads';
import { ClipError } from './extract.js';
import { prepareClip, type ClipTask } from './prepare-clip.js';

export type WorkerReply = { id: number; ok: true; record: import('./manifest.js').ClipRecord } | { id: number; ok: false; reason: string; expected: boolean };

parentPort!.on('message', async (msg: { id: number; task: ClipTask }) => {
  let reply: WorkerReply;
  try {
    reply = { id: msg.id, ok: true, record: await prepareClip(msg.task) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    reply = { id: msg.id, ok: false, reason: err.message, expected: e instanceof ClipError || err.code !== undefined };
  }
  parentPort!.postMessage(reply);
});
