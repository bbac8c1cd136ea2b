// A picked video → its k equally spaced frames as RGB, the page's counterpart of pipeline/extract.ts:
// indices floor(linspace(0, n - 1, k)) over the decoded frame count (pipeline/frames.ts), MP4 and
// WebM through WebCodecs (a <video> element where it cannot), Motion-JPEG AVI through the browser's
// JPEG decoder, and a clear refusal with the fix for what no browser decodes.

import { frameIndices } from '../../../pipeline/frames.js';
import { decodeAvi, looksLikeAvi } from './avi.js';
import { decodeWithElement, elementMightPlay } from './element.js';
import { demuxMp4, looksLikeMp4 } from './mp4.js';
import { ClipError, CONVERT_HINT, type DecodedClip, type VideoTrack, UnsupportedVideoError } from './types.js';
import { decodeWithWebCodecs, webCodecsSupports } from './webcodecs.js';
import { demuxWebm, looksLikeWebm } from './webm.js';

export { ClipError, UnsupportedVideoError, type DecodedClip, type RgbFrame } from './types.js';

export interface DecodeOptions {
  /** Skip WebCodecs (to exercise the <video> fallback). */
  forceElement?: boolean;
}

function mimeFor(track: VideoTrack): string {
  return `video/${track.container === 'webm' ? 'webm' : 'mp4'}; codecs="${track.codec}"`;
}

export async function decodeVideo(file: File, k: number, o: DecodeOptions = {}): Promise<DecodedClip> {
  const name = file.name || 'the video';
  if (file.size === 0) throw new ClipError('empty file (0 bytes)');
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (looksLikeAvi(bytes)) return decodeAvi(bytes, name, k);
  let track: VideoTrack;
  if (looksLikeMp4(bytes)) track = demuxMp4(bytes, name);
  else if (looksLikeWebm(bytes)) track = demuxWebm(bytes, name);
  else throw new UnsupportedVideoError(`${name}: not an MP4/MOV, WebM/MKV or AVI file, which are the containers the page reads. ${CONVERT_HINT.replace('in.avi', `'${name}'`)}`);

  const n = track.samples.length;
  if (n === 0) throw new ClipError('no decodable video frames');
  if (n < k) throw new ClipError(`too short: ${n} frames, fewer than the ${k} needed`);
  const indices = frameIndices(n, k);
  let decoder: string;
  let got;
  if (!o.forceElement && await webCodecsSupports(track)) {
    decoder = 'webcodecs';
    got = await decodeWithWebCodecs(track, indices);
  } else if (elementMightPlay(mimeFor(track))) {
    decoder = 'video-element';
    got = await decodeWithElement(file, track, indices);
  } else {
    throw new UnsupportedVideoError(`${name}: this browser decodes neither with WebCodecs nor in a <video> element the codec ${track.codec}. ${CONVERT_HINT.replace('in.avi', `'${name}'`)}`);
  }
  const missing = indices.filter((i) => !got.has(i));
  if (missing.length > 0) {
    throw new ClipError(`the decoder gave no picture for frame${missing.length > 1 ? 's' : ''} ${[...new Set(missing)].join(', ')} of ${n}; the file may be damaged`);
  }
  const frames = indices.map((i) => got.get(i)!);
  return { frames, indices, frameCount: n, width: frames[0]!.width, height: frames[0]!.height, container: track.container, codec: track.codec, decoder };
}
