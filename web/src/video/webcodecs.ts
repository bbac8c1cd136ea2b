// The chosen frames of a demuxed track through WebCodecs' VideoDecoder. Frames are chosen in
// presentation order (what ffmpeg's frame counter counts in the Node pipeline), and only the groups of
// pictures that hold one are decoded: from the key frame before each wanted frame up to it, then a
// flush, which hands out every picture of the group (B-frames come out after their references).
// Every VideoFrame is closed as soon as it has been read, or the decoder stalls for want of buffers.

import { RgbReader } from './rgb.js';
import type { RgbFrame, VideoTrack } from './types.js';

/** Whether this browser's WebCodecs decodes the track (false when WebCodecs is missing). */
export async function webCodecsSupports(track: VideoTrack): Promise<boolean> {
  if (typeof VideoDecoder !== 'function') return false;
  try {
    const { supported } = await VideoDecoder.isConfigSupported(decoderConfig(track));
    return supported === true;
  } catch {
    return false; // a codec string the browser cannot even parse
  }
}

function decoderConfig(track: VideoTrack): VideoDecoderConfig {
  return {
    codec: track.codec,
    codedWidth: track.width || undefined,
    codedHeight: track.height || undefined,
    ...(track.description ? { description: track.description } : {}),
    optimizeForLatency: false,
  };
}

/** Decode-order sample indices in presentation order. */
export function presentationOrder(track: VideoTrack): number[] {
  return track.samples.map((_, i) => i).sort((a, b) => track.samples[a]!.timestamp - track.samples[b]!.timestamp || a - b);
}

/** Decodes the frames at presentation positions `wanted` (distinct, any order); returns them by position. */
export async function decodeWithWebCodecs(track: VideoTrack, wanted: readonly number[]): Promise<Map<number, RgbFrame>> {
  const { samples } = track;
  const order = presentationOrder(track);
  // timestamp → presentation positions still to come out with it (equal timestamps come out in order)
  const byTimestamp = new Map<number, number[]>();
  order.forEach((d, p) => {
    const list = byTimestamp.get(samples[d]!.timestamp);
    if (list) list.push(p);
    else byTimestamp.set(samples[d]!.timestamp, [p]);
  });
  const wantedSet = new Set(wanted);
  const wantedDecode = [...wantedSet].map((p) => order[p]!).sort((a, b) => a - b);
  if (!samples[0]?.key) throw new Error('the first video sample is not a key frame, so the stream cannot be decoded from its start');

  const reader = new RgbReader();
  const got = new Map<number, RgbFrame>();
  let failure: Error | undefined;
  const decoder = new VideoDecoder({
    output: (frame) => {
      try {
        const positions = byTimestamp.get(frame.timestamp);
        const p = positions?.shift();
        if (p !== undefined && wantedSet.has(p) && !got.has(p)) {
          const w = frame.visibleRect?.width ?? frame.displayWidth;
          const h = frame.visibleRect?.height ?? frame.displayHeight;
          got.set(p, reader.read(frame, w, h));
        }
      } catch (e) {
        failure ??= e as Error;
      } finally {
        frame.close();
      }
    },
    error: (e) => { failure ??= new Error(`the video decoder failed: ${e.message}`); },
  });
  try {
    decoder.configure(decoderConfig(track));
    let next = 0; // first decode index not yet sent
    for (const target of wantedDecode) {
      if (target < next) continue; // already decoded with an earlier group
      let start = target;
      while (start > 0 && !samples[start]!.key) start--;
      if (start < next) start = next; // the group is under way: go on from where it stopped
      else if (start > next && next > 0) await decoder.flush(); // frames skipped: finish the last group first
      for (let i = start; i <= target; i++) {
        const s = samples[i]!;
        decoder.decode(new EncodedVideoChunk({ type: s.key ? 'key' : 'delta', timestamp: s.timestamp, duration: s.duration || undefined, data: s.data }));
      }
      next = target + 1;
      if (failure) break;
    }
    if (!failure) await decoder.flush();
  } catch (e) {
    failure ??= e instanceof Error ? e : new Error(String(e));
  } finally {
    if (decoder.state !== 'closed') decoder.close();
  }
  if (failure) throw failure;
  return got;
}
