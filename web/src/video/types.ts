// What the page's decoders hand back: the k chosen frames of a clip as packed RGB, the way
// pipeline/extract.ts does in Node, so pipeline/transforms.ts frameToTensor takes them unchanged.

export interface RgbFrame {
  /** width * height * 3 bytes, row-major RGB. */
  rgb: Uint8Array;
  width: number;
  height: number;
}

export interface DecodedClip {
  frames: RgbFrame[];
  /** Which decoded frames these are: floor(linspace(0, n - 1, k)) over the decoded count n. */
  indices: number[];
  frameCount: number;
  width: number;
  height: number;
  /** 'mp4', 'webm', 'avi'. */
  container: string;
  /** The codec string or tag (avc1.64001e, vp8, MJPG …). */
  codec: string;
  /** How the pictures were made: 'webcodecs', 'video-element', 'image-decoder'. */
  decoder: string;
}

/** One coded picture of a demuxed track. */
export interface EncodedSample {
  data: Uint8Array;
  key: boolean;
  /** Presentation time, microseconds (the container's, not necessarily from 0). */
  timestamp: number;
  /** Microseconds; 0 when unknown. */
  duration: number;
}

/** A demuxed video track: samples in decode order and what a VideoDecoder needs to start. */
export interface VideoTrack {
  container: string;
  codec: string;
  description?: Uint8Array;
  width: number;
  height: number;
  samples: EncodedSample[];
}

/** A file the page cannot decode, with what to do about it (shown as is). */
export class UnsupportedVideoError extends Error {
  override readonly name = 'UnsupportedVideoError';
}

/** A clip that cannot give k frames; the messages are pipeline/extract.ts's. */
export class ClipError extends Error {
  override readonly name = 'ClipError';
}

/** The command that turns any video into one every browser decodes. */
export const CONVERT_HINT = 'Convert it once with ffmpeg: ffmpeg -i in.avi -c:v libx264 -pix_fmt yuv420p out.mp4';
