// The RIFF/AVI parser behind pipeline/avi.ts, over any byte source: a file descriptor in Node
// (avi.ts), or the bytes of a file picked in a browser page (web/). No Node imports, so a bundle
// for the browser can use it as is.

export interface AviVideoStream {
  /** Stream number n in the 'nndc' chunk ids. */
  index: number;
  /** strh fccHandler, e.g. 'XVID', 'DX50', 'MJPG' (may be empty or lower case in the wild). */
  handler: string;
  /** strf biCompression, the more reliable codec tag. */
  compression: string;
  width: number;
  height: number;
  fps: number;
  /** strh dwLength: the frame count the header claims (can be wrong). */
  headerFrames: number;
}

export interface AviChunk {
  offset: number; // of the payload
  size: number;
}

export interface AviInfo {
  /** avih dwTotalFrames: the main header's claim (can be wrong, and is only the first RIFF's in OpenDML). */
  totalFramesHeader: number;
  video: AviVideoStream;
  /** The video stream's chunks in 'movi', in file order; zero-size chunks (dropped frames) included. */
  videoChunks: AviChunk[];
  /** True when the file ended inside a chunk (a cut-off download): the chunk list stops there. */
  truncated: boolean;
}

/** Random access to a file's bytes: `read` returns fewer than `length` bytes only at the end. */
export interface AviByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

const fourcc = (b: Uint8Array, at: number): string => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
const u32 = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
const i32 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);

/** A byte source over bytes already in memory (views, never copies). */
export function bytesSource(bytes: Uint8Array): AviByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + Math.max(0, length), bytes.length)),
  };
}

/** Parses an AVI held in memory; `name` is for error messages. */
export function readAviBytes(bytes: Uint8Array, name = '<bytes>'): AviInfo {
  return parseAvi(bytesSource(bytes), name);
}

/** The payloads of the given chunks (e.g. JPEG frames), as views into `bytes`. */
export function aviChunksFromBytes(bytes: Uint8Array, chunks: AviChunk[]): Uint8Array[] {
  const source = bytesSource(bytes);
  return chunks.map((c) => source.read(c.offset, c.size));
}

/** Parses an AVI. Throws an Error saying what is wrong when it is not a readable AVI with a video stream. */
export function parseAvi(r: AviByteSource, path: string): AviInfo {
  const head = r.read(0, 12);
  if (head.length < 12 || fourcc(head, 0) !== 'RIFF' || fourcc(head, 8) !== 'AVI ') {
    throw new Error(`${path}: not an AVI file (no 'RIFF....AVI ' header)`);
  }
  let totalFramesHeader = 0;
  const streams: Array<{ type: string; handler: string; scale: number; rate: number; length: number; strf?: Uint8Array }> = [];
  const chunksByStream = new Map<number, AviChunk[]>();
  let truncated = false;

  // Walks the chunks in [start, end); LISTs are entered, so 'rec ' groups and nested hdrl/strl work.
  const walk = (start: number, end: number, inMovi: boolean): void => {
    let pos = start;
    while (pos + 8 <= end) {
      const h = r.read(pos, 12);
      if (h.length < 8) { truncated = true; return; }
      const id = fourcc(h, 0);
      const size = u32(h, 4);
      const payload = pos + 8;
      if (payload + size > r.size) truncated = true;
      const stop = Math.min(payload + size, end);
      if (id === 'LIST' || id === 'RIFF') {
        const listType = h.length >= 12 ? fourcc(h, 8) : '';
        walk(payload + 4, stop, inMovi || listType === 'movi');
      } else if (inMovi) {
        const n = Number.parseInt(id.slice(0, 2), 10);
        const kind = id.slice(2);
        if (Number.isInteger(n) && (kind === 'dc' || kind === 'db')) {
          if (payload + size > r.size) return; // a cut-off last frame is not a frame
          let list = chunksByStream.get(n);
          if (!list) chunksByStream.set(n, (list = []));
          list.push({ offset: payload, size });
        }
      } else if (id === 'avih') {
        const b = r.read(payload, 56);
        if (b.length >= 20) totalFramesHeader = u32(b, 16);
      } else if (id === 'strh') {
        const b = r.read(payload, 36);
        if (b.length >= 36) {
          streams.push({
            type: fourcc(b, 0), handler: fourcc(b, 4).replace(/\0/g, ''),
            scale: u32(b, 20), rate: u32(b, 24), length: u32(b, 32),
          });
        }
      } else if (id === 'strf' && streams.length > 0) {
        // a copy: a memory source hands out views, and the header outlives the walk
        streams[streams.length - 1].strf = r.read(payload, Math.min(size, 64)).slice();
      }
      if (payload + size > end) return;
      pos = payload + size + (size & 1); // chunks are padded to even sizes
    }
  };
  walk(0, r.size, false);

  const vi = streams.findIndex((s) => s.type === 'vids');
  if (vi < 0) throw new Error(`${path}: AVI has no video stream`);
  const s = streams[vi];
  const strf = s.strf;
  const video: AviVideoStream = {
    index: vi,
    handler: s.handler,
    compression: strf && strf.length >= 20 ? fourcc(strf, 16).replace(/\0/g, '') : '',
    width: strf && strf.length >= 12 ? i32(strf, 4) : 0,
    height: strf && strf.length >= 12 ? Math.abs(i32(strf, 8)) : 0,
    fps: s.scale > 0 ? s.rate / s.scale : 0,
    headerFrames: s.length,
  };
  return { totalFramesHeader, video, videoChunks: chunksByStream.get(vi) ?? [], truncated };
}

/** True for the codec tags of Motion-JPEG, which this project decodes without ffmpeg. */
export function isMjpeg(v: AviVideoStream): boolean {
  const tags = [v.compression, v.handler].map((t) => t.toUpperCase());
  return tags.some((t) => t === 'MJPG' || t === 'AVRN' || t === 'JPEG' || t === 'DMB1');
}
