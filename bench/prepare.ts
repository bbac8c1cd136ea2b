// Bench workload for prepare (and the DataLoader that reads its output), wired into bench/run.ts.
//  - prepare: clips/s of `prepare` on the real clips in ../shared/videos/ (XviD AVI + H.264 MP4) repeated
//    to a few hundred, beside the seed's way on the same clips: OpenCV (Debian's python3-opencv) reading
//    every frame with VideoCapture.read() and writing the chosen 16 with cv2.imwrite. ratio = ours / OpenCV.
//  - decode strategy: one ffmpeg run with a select filter per clip vs. 16 seeking runs (-ss before -i);
//    framesDecoded: per real clip, frames decoded / frames in the clip.
//  - loader: DataLoader clips/s at the seed's batch size (8) and the CPU it takes.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { VideoDataset } from '../pipeline/dataset.js';
import { extractClip } from '../pipeline/extract.js';
import { ffmpegBinary } from '../pipeline/ffmpeg.js';
import { frameIndices } from '../pipeline/frames.js';
import { DataLoader } from '../pipeline/loader.js';
import { prepare } from '../pipeline/prepare.js';
import { ensureSplit } from '../pipeline/split-file.js';

const VIDEOS = resolve(import.meta.dirname, '../../shared/videos');
const CLIPS_PER_SOURCE = Number(process.env.BENCH_PREPARE_CLIPS ?? 100);
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

// The seed's get_frames, minus its 17th index: read every frame, keep the chosen ones, imwrite them.
const OPENCV_SCRIPT = `
import os, sys, time
import cv2, numpy as np
out, paths = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
for i, p in enumerate(paths):
    cap = cv2.VideoCapture(p)
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    keep = set(np.floor(np.linspace(0, n - 1, 16)).astype(int).tolist())
    d = os.path.join(out, str(i)); os.makedirs(d, exist_ok=True)
    k = 0; j = 0
    while True:
        ok, frame = cap.read()
        if not ok: break
        if k in keep:
            cv2.imwrite(os.path.join(d, 'frame%02d.jpg' % j), frame); j += 1
        k += 1
    cap.release()
print(len(paths) / (time.perf_counter() - t0))
`;

const round = (x: number): number => Math.round(x * 100) / 100;

function makeDataset(root: string): { data: string; sources: string[] } {
  const data = join(root, 'data');
  const sources = ['eye_makeup_xvid_320x240.avi', 'arm_wrestling_h264_340x256.mp4'].map((f) => join(VIDEOS, f));
  for (const src of sources) {
    const cls = src.endsWith('.avi') ? 'eye_makeup' : 'arm_wrestling';
    mkdirSync(join(data, cls), { recursive: true });
    const ext = src.slice(src.lastIndexOf('.'));
    for (let i = 0; i < CLIPS_PER_SOURCE; i++) symlinkSync(src, join(data, cls, `${cls}_${String(i).padStart(3, '0')}${ext}`));
  }
  return { data, sources };
}

function openCvClipsPerSec(paths: string[], out: string): number | null {
  try {
    const text = execFileSync(PYTHON, ['-c', OPENCV_SCRIPT, out, ...paths], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return Number(text.trim().split('\n').pop());
  } catch (e) {
    process.stderr.write(`bench prepare: OpenCV baseline unavailable (apt-get install -y python3-opencv): ${(e as Error).message.split('\n')[0]}\n`);
    return null;
  }
}

function runFfmpegRaw(args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(ffmpegBinary().path, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`ffmpeg exit ${code}`))));
  });
}

/**
 * Clips/s on one thread for the select strategy (extractClip) and for seeking once per frame; and, per
 * source, the frames extractClip had ffmpeg decode of the clip's frames (fewer when it skips
 * non-reference frames, pipeline/nonref/).
 */
async function decodeStrategies(sources: string[], reps: number): Promise<{ select: number; seek: number; decoded: string[] }> {
  let t = performance.now();
  for (let r = 0; r < reps; r++) for (const s of sources) await extractClip(s);
  const select = (reps * sources.length) / ((performance.now() - t) / 1000);
  const metas = await Promise.all(sources.map((s) => extractClip(s)));
  t = performance.now();
  for (let r = 0; r < reps; r++) {
    for (let c = 0; c < sources.length; c++) {
      for (const i of frameIndices(metas[c].frameCount)) {
        // -ss before -i: seek to the keyframe before, decode up to the frame
        await runFfmpegRaw(['-nostdin', '-v', 'error', '-ss', (i / metas[c].fps).toFixed(4), '-i', sources[c],
          '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
      }
    }
  }
  const seek = (reps * sources.length) / ((performance.now() - t) / 1000);
  return { select, seek, decoded: metas.map((m) => `${m.framesDecoded ?? m.frameCount}/${m.frameCount}`) };
}

async function loaderBench(frames: string): Promise<Record<string, unknown>> {
  const ds = new VideoDataset({ root: frames, split: 'train' });
  const workers = Math.max(1, availableParallelism() - 1);
  const loader = new DataLoader(ds, { batchSize: 8, seed: 0, numWorkers: workers });
  // warm-up epoch: threads started, code compiled
  for await (const b of loader.epoch(0)) void b;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let clips = 0;
  for await (const b of loader.epoch(1)) clips += b.ids.length;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await loader.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    name: 'loader', shape: [8, 16, 3, 112, 112], workers,
    clipsPerSec: round(clips / wall),
    // CPU per clip, all threads: feeding a trainer at R clips/s takes R * cpuMsPerClip / 1000 of one core
    cpuMsPerClip: round((cpuSeconds / clips) * 1000), coresBusy: round(cpuSeconds / wall),
  };
}

export async function runPrepareBench(opts: { json: boolean }): Promise<Array<Record<string, unknown>>> {
  const root = join(tmpdir(), `webgrad-bench-prepare-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  const log = (s: string): void => {
    if (!opts.json) process.stderr.write(`${s}\n`);
  };
  try {
    const { data, sources } = makeDataset(root);
    const total = CLIPS_PER_SOURCE * sources.length;
    const jobs = availableParallelism();
    log(`prepare: ${total} clips (${sources.length} real clips x ${CLIPS_PER_SOURCE}), ${jobs} worker threads`);
    const ours = await prepare({ data, out: join(root, 'frames'), progress: false, jobs, log: () => {} });
    if (ours.failed.length > 0) throw new Error(`bench prepare: ${ours.failed.length} clips failed: ${ours.failed[0].reason}`);
    const oursPerSec = total / ours.seconds;
    const one = await prepare({ data, out: join(root, 'frames1'), progress: false, jobs: 1, log: () => {} });
    const onePerSec = total / one.seconds;
    log('prepare: OpenCV baseline (python3-opencv, one process, as the seed)');
    const cv = openCvClipsPerSec(Array.from({ length: total }, (_, i) => sources[i % sources.length]), join(root, 'opencv'));
    const strategies = await decodeStrategies(sources, 3);
    const results: Array<Record<string, unknown>> = [{
      name: 'prepare', shape: [total, 16], clipsPerSec: round(oursPerSec), opencvClipsPerSec: cv === null ? null : round(cv),
      ratio: cv === null ? null : round(oursPerSec / cv), jobs,
      clipsPerSecOneWorker: round(onePerSec), ratioOneWorker: cv === null ? null : round(onePerSec / cv),
      decodeSelectClipsPerSec: round(strategies.select), decodeSeekClipsPerSec: round(strategies.seek),
      framesDecoded: strategies.decoded,
    }];
    ensureSplit(join(root, 'frames'), ours.clips.map((c) => `${c.class}/${c.clip}`), { kind: 'stratified', testSize: 0.1, seed: 0 });
    results.push(await loaderBench(join(root, 'frames')));
    return results;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
