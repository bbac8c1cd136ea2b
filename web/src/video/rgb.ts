// Pictures (VideoFrame, ImageBitmap, a <video> element) to packed RGB through a 2D canvas, the one
// readback every browser has. The canvas is reused across frames of a clip.

import { rgbaToRgb } from '../../../models/imagenet/image.js';
import type { RgbFrame } from './types.js';

type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

export class RgbReader {
  private canvas?: OffscreenCanvas | HTMLCanvasElement;
  private context?: Canvas2D;

  private contextFor(width: number, height: number): Canvas2D {
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
      // willReadFrequently: a CPU-backed canvas, so getImageData does not read back from the GPU each time
      const ctx = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false }) as Canvas2D | null;
      if (!ctx) throw new Error('this browser gives no 2D canvas context, which the page reads pictures through');
      this.context = ctx;
    }
    return this.context!;
  }

  /** Draws `source` at width x height and returns its pixels as RGB. */
  read(source: CanvasImageSource, width: number, height: number): RgbFrame {
    const ctx = this.contextFor(width, height);
    ctx.drawImage(source, 0, 0, width, height);
    return { rgb: rgbaToRgb(ctx.getImageData(0, 0, width, height).data), width, height };
  }
}

/** RGB back to an RGBA ImageData, for thumbnails. */
export function toImageData(frame: RgbFrame): ImageData {
  const { rgb, width, height } = frame;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0, q = 0; q < rgb.length; p += 4, q += 3) {
    rgba[p] = rgb[q]!;
    rgba[p + 1] = rgb[q + 1]!;
    rgba[p + 2] = rgb[q + 2]!;
    rgba[p + 3] = 255;
  }
  return new ImageData(rgba, width, height);
}
