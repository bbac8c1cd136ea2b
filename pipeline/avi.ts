// A small RIFF/AVI reader: enough of the header to describe the video stream, and the list of its
// chunks in 'movi' so frames can be counted (and, for Motion-JPEG, decoded) without ffmpeg.
// Reads through a file descriptor, so a large file is never loaded whole; the parser itself is
// avi-bytes.ts, which a browser page uses on a picked file's bytes.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type AviByteSource, type AviChunk, type AviInfo, parseAvi } from './avi-bytes.js';

export { type AviChunk, type AviInfo, type AviVideoStream, isMjpeg } from './avi-bytes.js';

class Reader implements AviByteSource {
  readonly size: number;
  constructor(private readonly fd: number) {
    this.size = fstatSync(fd).size;
  }
  read(offset: number, length: number): Uint8Array {
    const buf = new Uint8Array(Math.max(0, Math.min(length, this.size - offset)));
    let done = 0;
    while (done < buf.length) {
      const n = readSync(this.fd, buf, done, buf.length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  }
}

/** Parses an AVI file. Throws an Error saying what is wrong when it is not a readable AVI with a video stream. */
export function readAvi(path: string): AviInfo {
  const fd = openSync(path, 'r');
  try {
    return parseAvi(new Reader(fd), path);
  } finally {
    closeSync(fd);
  }
}

/** Reads the payloads of the given chunks (e.g. JPEG frames) from the file. */
export function readAviChunks(path: string, chunks: AviChunk[]): Uint8Array[] {
  const fd = openSync(path, 'r');
  try {
    const r = new Reader(fd);
    return chunks.map((c) => r.read(c.offset, c.size));
  } finally {
    closeSync(fd);
  }
}
