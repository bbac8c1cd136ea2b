// MP4/MOV/M4V demuxing with mp4box.js: the video track's samples (offsets into the file's bytes, decode
// order, sync flags, composition times) and the codec configuration a VideoDecoder needs. The file is
// in memory already (a picked File), so samples are views into it rather than mp4box copies.

import { createFile, DataStream, Endianness, MP4BoxBuffer, type Movie } from 'mp4box';
import type { EncodedSample, VideoTrack } from './types.js';

/** True when the bytes start like an ISO BMFF file (a box whose type is ftyp, moov, mdat, free, …). */
export function looksLikeMp4(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const type = String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!);
  return ['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'styp'].includes(type);
}

/** The decoder configuration record (avcC, hvcC, vpcC, av1C) of a sample entry, without its box header. */
function description(entry: Record<string, unknown>): Uint8Array | undefined {
  for (const key of ['avcC', 'hvcC', 'vpcC', 'av1C']) {
    const box = entry[key] as { write(stream: DataStream): void } | undefined;
    if (!box) continue;
    const stream = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
    box.write(stream);
    return new Uint8Array(stream.buffer, 8); // the 8-byte box header is not part of the record
  }
  return undefined;
}

export function demuxMp4(bytes: Uint8Array, name: string): VideoTrack {
  const file = createFile();
  let info: Movie | undefined;
  let error: string | undefined;
  file.onReady = (m) => (info = m);
  file.onError = (module, message) => (error = `${module}: ${message}`);
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(copy, 0), true);
  file.flush();
  if (error) throw new Error(`${name}: not a readable MP4 (${error})`);
  const track = info?.videoTracks[0];
  if (!track || !track.video) throw new Error(info ? `${name}: the MP4 has no video track` : `${name}: not a readable MP4 (no moov box)`);
  const trak = file.getTrackById(track.id);
  const entry = trak.mdia.minf.stbl.stsd.entries[0] as unknown as Record<string, unknown>;
  const samples: EncodedSample[] = file.getTrackSamplesInfo(track.id).map((s) => {
    if (s.offset + s.size > bytes.length) throw new Error(`${name}: sample ${s.number} lies past the end of the file (cut off?)`);
    return {
      data: bytes.subarray(s.offset, s.offset + s.size),
      key: s.is_sync,
      timestamp: Math.round((s.cts * 1e6) / s.timescale),
      duration: Math.round((s.duration * 1e6) / s.timescale),
    };
  });
  return {
    container: 'mp4', codec: track.codec, description: description(entry),
    width: track.video.width, height: track.video.height, samples,
  };
}
