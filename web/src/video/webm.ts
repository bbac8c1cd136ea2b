// A small WebM/Matroska demuxer: the first video track's blocks (SimpleBlock and BlockGroup) with their
// presentation times and key flags, and the codec string a VideoDecoder takes. Enough for files from
// browsers (MediaRecorder: unknown-size clusters), ffmpeg and YouTube downloads; laced video blocks,
// which no common muxer writes, are refused.

import type { EncodedSample, VideoTrack } from './types.js';

const ID = {
  EBML: 0x1a45dfa3, Segment: 0x18538067, Info: 0x1549a966, TimecodeScale: 0x2ad7b1,
  Tracks: 0x1654ae6b, TrackEntry: 0xae, TrackNumber: 0xd7, TrackType: 0x83, CodecID: 0x86, CodecPrivate: 0x63a2,
  Video: 0xe0, PixelWidth: 0xb0, PixelHeight: 0xba,
  Cluster: 0x1f43b675, Timecode: 0xe7, SimpleBlock: 0xa3, BlockGroup: 0xa0, Block: 0xa1, ReferenceBlock: 0xfb,
} as const;

// Elements that may follow a Cluster of unknown size at the Segment's level: where such a Cluster ends.
const SEGMENT_CHILDREN = new Set([0x114d9b74, ID.Info, ID.Tracks, ID.Cluster, 0x1c53bb6b, 0x1254c367, 0x1941a469, 0x1043a770]);

export function looksLikeWebm(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3;
}

interface Element { id: number; start: number; end: number; unknownSize: boolean; next: number }

class Reader {
  constructor(private readonly b: Uint8Array, private readonly name: string) {}

  /** A variable-length integer at `at`: its value (marker removed, or kept for ids) and length. */
  vint(at: number, keepMarker: boolean): { value: number; length: number; allOnes: boolean } {
    const first = this.b[at];
    if (first === undefined) throw new Error(`${this.name}: the WebM file ends inside an element header`);
    let length = 1;
    while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
    if (length > 8) throw new Error(`${this.name}: not a valid WebM file (bad element header at byte ${at})`);
    let value = keepMarker ? first : first & (0xff >> length);
    let allOnes = value === (0xff >> length);
    for (let i = 1; i < length; i++) {
      const byte = this.b[at + i] ?? 0;
      value = value * 256 + byte;
      allOnes &&= byte === 0xff;
    }
    return { value, length, allOnes };
  }

  element(at: number, parentEnd: number): Element {
    const id = this.vint(at, true);
    const size = this.vint(at + id.length, false);
    const start = at + id.length + size.length;
    const end = size.allOnes ? parentEnd : Math.min(start + size.value, parentEnd);
    return { id: id.value, start, end, unknownSize: size.allOnes, next: end };
  }

  uint(e: Element): number {
    let v = 0;
    for (let i = e.start; i < e.end; i++) v = v * 256 + this.b[i]!;
    return v;
  }

  string(e: Element): string {
    return String.fromCharCode(...this.b.subarray(e.start, e.end)).replace(/\0+$/, '');
  }

  bytes(e: Element): Uint8Array {
    return this.b.subarray(e.start, e.end);
  }

  *children(parent: { start: number; end: number }): Generator<Element> {
    let at = parent.start;
    while (at + 2 <= parent.end) {
      const e = this.element(at, parent.end);
      yield e;
      at = e.next;
    }
  }
}

interface TrackInfo { number: number; codecId: string; codecPrivate?: Uint8Array; width: number; height: number }

/** The codec string WebCodecs takes for a Matroska codec id. */
function webCodecsCodec(t: TrackInfo, name: string): { codec: string; description?: Uint8Array } {
  switch (t.codecId) {
    case 'V_VP8': return { codec: 'vp8' };
    // profile 0, level 1.0, 8 bit: decoders take the stream's real profile from the bitstream
    case 'V_VP9': return { codec: 'vp09.00.10.08' };
    case 'V_AV1': return { codec: 'av01.0.04M.08', description: t.codecPrivate };
    case 'V_MPEG4/ISO/AVC': {
      const p = t.codecPrivate;
      if (!p || p.length < 4) throw new Error(`${name}: H.264 track without its avcC record`);
      const hex = (v: number) => v.toString(16).padStart(2, '0');
      return { codec: `avc1.${hex(p[1]!)}${hex(p[2]!)}${hex(p[3]!)}`, description: p };
    }
    default: return { codec: t.codecId };
  }
}

export function demuxWebm(bytes: Uint8Array, name: string): VideoTrack {
  const r = new Reader(bytes, name);
  const top = { start: 0, end: bytes.length };
  let segment: Element | undefined;
  for (const e of r.children(top)) {
    if (e.id === ID.Segment) { segment = e; break; }
  }
  if (!segment) throw new Error(`${name}: not a WebM/Matroska file (no Segment)`);

  let timecodeScale = 1_000_000; // ns per tick
  const tracks: TrackInfo[] = [];
  const blocks: Array<{ track: number; time: number; key: boolean; data: Uint8Array }> = [];

  const readBlock = (e: Element, clusterTime: number, keyFromFlags: boolean | undefined): void => {
    const track = r.vint(e.start, false);
    const head = e.start + track.length;
    if (head + 3 > e.end) return;
    const relative = ((bytes[head]! << 8) | bytes[head + 1]!) << 16 >> 16; // int16
    const flags = bytes[head + 2]!;
    if (flags & 0x06) throw new Error(`${name}: laced video blocks are not supported; remux it: ffmpeg -i in.webm -c copy out.webm`);
    blocks.push({ track: track.value, time: clusterTime + relative, key: keyFromFlags ?? (flags & 0x80) !== 0, data: bytes.subarray(head + 3, e.end) });
  };

  let at = segment.start;
  const segmentEnd = segment.end;
  while (at + 2 <= segmentEnd) {
    const e = r.element(at, segmentEnd);
    if (e.id === ID.Info) {
      for (const c of r.children(e)) if (c.id === ID.TimecodeScale) timecodeScale = r.uint(c);
    } else if (e.id === ID.Tracks) {
      for (const entry of r.children(e)) {
        if (entry.id !== ID.TrackEntry) continue;
        const t: TrackInfo = { number: 0, codecId: '', width: 0, height: 0 };
        let type = 0;
        for (const c of r.children(entry)) {
          if (c.id === ID.TrackNumber) t.number = r.uint(c);
          else if (c.id === ID.TrackType) type = r.uint(c);
          else if (c.id === ID.CodecID) t.codecId = r.string(c);
          else if (c.id === ID.CodecPrivate) t.codecPrivate = r.bytes(c);
          else if (c.id === ID.Video) {
            for (const v of r.children(c)) {
              if (v.id === ID.PixelWidth) t.width = r.uint(v);
              else if (v.id === ID.PixelHeight) t.height = r.uint(v);
            }
          }
        }
        if (type === 1) tracks.push(t);
      }
    } else if (e.id === ID.Cluster) {
      let clusterTime = 0;
      let c = e.start;
      for (;;) {
        if (c + 2 > e.end) break;
        const child = r.element(c, e.end);
        // a cluster of unknown size ends where the next Segment-level element starts
        if (e.unknownSize && SEGMENT_CHILDREN.has(child.id)) break;
        if (child.id === ID.Timecode) clusterTime = r.uint(child);
        else if (child.id === ID.SimpleBlock) readBlock(child, clusterTime, undefined);
        else if (child.id === ID.BlockGroup) {
          let block: Element | undefined;
          let referenced = false;
          for (const g of r.children(child)) {
            if (g.id === ID.Block) block = g;
            else if (g.id === ID.ReferenceBlock) referenced = true;
          }
          if (block) readBlock(block, clusterTime, !referenced);
        }
        c = child.next;
      }
      e.next = e.unknownSize ? c : e.end;
    }
    at = e.next;
  }
  const video = tracks[0];
  if (!video) throw new Error(`${name}: the WebM file has no video track`);
  const { codec, description } = webCodecsCodec(video, name);
  const toMicroseconds = timecodeScale / 1000;
  const own = blocks.filter((b) => b.track === video.number);
  const samples: EncodedSample[] = own.map((b, i) => ({
    data: b.data, key: b.key, timestamp: Math.round(b.time * toMicroseconds),
    duration: i + 1 < own.length ? Math.max(0, Math.round((own[i + 1]!.time - b.time) * toMicroseconds)) : 0,
  }));
  return { container: 'webm', codec, description, width: video.width, height: video.height, samples };
}
