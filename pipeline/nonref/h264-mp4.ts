// MP4 H.264 samples → decode units for non-reference skipping. A sample (access unit) whose slice NAL
// units all have nal_ref_idc 0 is never used for inter prediction (H.264 7.4.1), so it can be left out;
// leaving it out changes no frame_num (only reference pictures advance it) and no POC of another
// picture. Units are Annex B (4-byte length prefixes → start codes, SPS/PPS from avcC before every IDR,
// as ffmpeg's h264_mp4toannexb does); display order comes from the composition times (ctts).
// Sample tables through mp4box, as pipeline/mp4.ts reads the metadata.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { requireOptional } from '../../models/optional-package.js';
import type { Movie } from 'mp4box';
import type { Mp4VideoInfo } from '../mp4.js';
import { type DecodeUnit, MAX_CLIP_BYTES, Unsupported } from './units.js';

interface Mp4Sample { offset: number; size: number; cts: number; dts: number; is_sync: boolean }
interface ParameterSet { data: Uint8Array }
interface Entry { segment_duration: number; media_time: number; media_rate_integer: number }

const START = new Uint8Array([0, 0, 0, 1]);

export interface H264Units {
  units: DecodeUnit[];
  frames: number;
  /** What readMp4 says of the file, from the same parse (so prepare reads the moov once). */
  meta: Mp4VideoInfo;
}

/** Reads the file's moov and first video track's samples; the whole file is read (clips are small). */
export function h264Mp4Units(path: string): H264Units {
  const fd = openSync(path, 'r');
  let file: Uint8Array;
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_CLIP_BYTES) throw new Unsupported(`${size} bytes, more than the ${MAX_CLIP_BYTES} read into memory`);
    file = new Uint8Array(size);
    let done = 0;
    while (done < file.length) {
      const n = readSync(fd, file, done, file.length - done, done);
      if (n === 0) break;
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  const { createFile, MP4BoxBuffer } = requireOptional<typeof import('mp4box')>('mp4box', 'reading MP4 sample tables');
  const mp4 = createFile();
  let info: Movie | undefined;
  mp4.onReady = (m) => (info = m);
  // the file's own buffer (sized exactly): mp4box only reads it
  mp4.appendBuffer(MP4BoxBuffer.fromArrayBuffer(file.buffer as ArrayBuffer, 0), true);
  mp4.flush();
  if (!info) throw new Unsupported('mp4box could not read the moov box');
  const track = info.videoTracks[0];
  if (!track?.video || info.videoTracks.length !== 1) throw new Unsupported('not exactly one video track');
  const trak = (mp4 as any).getTrackById(track.id);
  const samples = trak.samples as Mp4Sample[];
  if (!samples?.length) throw new Unsupported('no samples');
  const descs = new Set(samples.map((s: any) => s.description));
  if (descs.size !== 1) throw new Unsupported('more than one sample description');
  const desc = [...descs][0] as any;
  const avcC = desc?.avcC;
  if (!avcC || !/^avc1$/.test(String(desc.type ?? track.codec?.slice(0, 4)))) throw new Unsupported(`codec ${track.codec}`);
  const lengthSize = avcC.lengthSizeMinusOne + 1;
  const params: Uint8Array[] = [...(avcC.SPS as ParameterSet[]), ...(avcC.PPS as ParameterSet[])].map((p) => p.data);
  if (params.length < 2) throw new Unsupported('avcC without SPS and PPS');

  // ffmpeg applies edit lists: only a plain shift (one entry, starting at or before the first frame's
  // composition time, covering the track) keeps every sample a frame
  const minCts = Math.min(...samples.map((s) => s.cts));
  const elst = trak.edts?.elst?.entries as Entry[] | undefined;
  if (elst && elst.length > 0) {
    if (elst.length !== 1 || elst[0].media_rate_integer !== 1 || elst[0].media_time < 0 || elst[0].media_time > minCts) {
      throw new Unsupported('an edit list that trims or repeats frames');
    }
  }
  if (!samples[0].is_sync) throw new Unsupported('the first sample is not a sync sample');

  let inBandParams = false;
  const units: DecodeUnit[] = samples.map((s, i) => {
    if (s.offset + s.size > file.length) throw new Unsupported(`sample ${i} runs past the end of the file`);
    const data = file.subarray(s.offset, s.offset + s.size);
    const nals: Uint8Array[] = [];
    let ref = false;
    let slices = 0;
    let idr = false;
    let hasParams = false;
    for (let at = 0; at < data.length;) {
      if (at + lengthSize > data.length) throw new Unsupported(`sample ${i}: a cut NAL length`);
      let len = 0;
      for (let j = 0; j < lengthSize; j++) len = len * 256 + data[at + j];
      at += lengthSize;
      if (len === 0 || at + len > data.length) throw new Unsupported(`sample ${i}: a NAL of ${len} bytes does not fit`);
      const nal = data.subarray(at, at + len);
      at += len;
      const type = nal[0] & 31;
      const refIdc = (nal[0] >> 5) & 3;
      if (type >= 1 && type <= 5) {
        slices++;
        if (refIdc !== 0) ref = true;
        if (type === 5) idr = true;
      } else if (type === 7 || type === 8 || type >= 13) {
        // parameter sets change decoder state; extension/SVC/MVC NALs are not modelled
        if (type >= 13 && type !== 24) throw new Unsupported(`NAL type ${type}`);
        ref = true;
        hasParams = true;
      }
      nals.push(nal);
    }
    if (slices === 0) throw new Unsupported(`sample ${i} has no slice`);
    const parts = idr ? [...params, ...nals] : nals;
    const bytes = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(START, at);
      bytes.set(p, at + 4);
      at += 4 + p.length;
    }
    if (hasParams && !idr) inBandParams = true;
    return { bytes, ref: ref || i === 0, display: -1, closes: idr };
  });
  // an IDR ends every dependency, unless parameter sets sent outside IDR samples are still in use there
  if (inBandParams) for (const u of units) u.closes = false;
  const order = samples.map((s, i) => i).sort((a, b) => samples[a].cts - samples[b].cts || a - b);
  for (let k = 1; k < order.length; k++) {
    if (samples[order[k]].cts === samples[order[k - 1]].cts) throw new Unsupported('two samples with the same composition time');
  }
  order.forEach((i, d) => (units[i].display = d));
  // as readMp4 computes them
  const seconds = track.timescale > 0 ? track.samples_duration / track.timescale : 0;
  const meta: Mp4VideoInfo = {
    codec: track.codec, width: track.video.width, height: track.video.height,
    fps: seconds > 0 ? Math.round((track.nb_samples / seconds) * 1000) / 1000 : 0, samples: track.nb_samples,
  };
  return { units, frames: units.length, meta };
}
