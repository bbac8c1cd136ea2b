// MP4/MOV metadata through mp4box: the exact sample count of the video track, its size and frame rate,
// read from the 'moov' box without decoding anything. mp4box is an optional peer dependency, required
// (its CommonJS build, so readMp4 stays synchronous) on the first call.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Movie } from 'mp4box';
import { requireOptional } from '../models/optional-package.js';
import type { StreamInfo } from './ffmpeg.js';

export interface Mp4VideoInfo extends StreamInfo {
  samples: number;
}

const CHUNK = 1 << 20;

/** Reads the file in 1 MiB pieces until mp4box has parsed the moov box (it may sit at the end of the file). */
export function readMp4(path: string): Mp4VideoInfo {
  const { createFile, MP4BoxBuffer } = requireOptional<typeof import('mp4box')>('mp4box', 'reading MP4 and MOV metadata');
  const fd = openSync(path, 'r');
  let info: Movie | undefined;
  let error: string | undefined;
  try {
    const size = fstatSync(fd).size;
    const file = createFile();
    file.onReady = (m) => (info = m);
    file.onError = (module, message) => (error = `${module}: ${message}`);
    let next = 0;
    while (!info && !error && next < size) {
      const buf = new Uint8Array(Math.min(CHUNK, size - next));
      const n = readSync(fd, buf, 0, buf.length, next);
      if (n <= 0) break;
      const ab = buf.buffer.slice(0, n);
      // appendBuffer returns where it wants the next bytes from (it skips over mdat)
      const want = file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(ab, next), next + n >= size);
      next = want > next ? want : next + n;
    }
    file.flush();
  } finally {
    closeSync(fd);
  }
  if (error) throw new Error(`not a readable MP4 (${error})`);
  const track = info?.videoTracks[0];
  if (!track || !track.video) throw new Error(info ? 'MP4 has no video track' : 'not a readable MP4 (no moov box)');
  const seconds = track.timescale > 0 ? track.samples_duration / track.timescale : 0;
  return {
    codec: track.codec,
    width: track.video.width,
    height: track.video.height,
    fps: seconds > 0 ? Math.round((track.nb_samples / seconds) * 1000) / 1000 : 0,
    samples: track.nb_samples,
  };
}
