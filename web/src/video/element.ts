// The fallback where WebCodecs is missing or cannot decode the codec: a <video> element seeked to each
// wanted frame's presentation time (read off the demuxed track, so the frame count is exact) and drawn.

import { presentationOrder } from './webcodecs.js';
import { RgbReader } from './rgb.js';
import type { RgbFrame, VideoTrack } from './types.js';

function once(target: EventTarget, ok: string, fail = 'error'): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => { target.removeEventListener(ok, done); target.removeEventListener(fail, bad); resolve(); };
    const bad = () => { target.removeEventListener(ok, done); target.removeEventListener(fail, bad); reject(new Error('the <video> element cannot play this file')); };
    target.addEventListener(ok, done);
    target.addEventListener(fail, bad);
  });
}

/** Whether the browser's media stack claims to play this container/codec at all. */
export function elementMightPlay(mime: string): boolean {
  return typeof document !== 'undefined' && document.createElement('video').canPlayType(mime) !== '';
}

export async function decodeWithElement(file: Blob, track: VideoTrack, wanted: readonly number[]): Promise<Map<number, RgbFrame>> {
  const order = presentationOrder(track);
  const times = order.map((d) => track.samples[d]!.timestamp);
  const t0 = times[0] ?? 0;
  const steps = times.slice(1).map((t, i) => t - times[i]!).filter((d) => d > 0).sort((a, b) => a - b);
  const frameUs = steps[steps.length >> 1] ?? 40_000;
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  const url = URL.createObjectURL(file);
  const reader = new RgbReader();
  const got = new Map<number, RgbFrame>();
  try {
    video.src = url;
    await once(video, 'loadeddata');
    for (const p of [...new Set(wanted)].sort((a, b) => a - b)) {
      // a quarter frame into the frame's interval, so rounding never lands on the one before
      const seconds = (times[p]! - t0 + frameUs / 4) / 1e6;
      const seeked = once(video, 'seeked');
      video.currentTime = Math.min(seconds, Math.max(0, video.duration - 1e-3));
      await seeked;
      // the stored size, as WebCodecs and ffmpeg give it: videoWidth is the display size (pixel aspect applied)
      got.set(p, reader.read(video, track.width || video.videoWidth, track.height || video.videoHeight));
    }
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
  return got;
}
