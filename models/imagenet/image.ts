// The one pixel format this folder passes around: what sharp's raw output and torchvision's read_image
// (mode RGB, permuted to HWC) both hold.

/** Packed 8-bit RGB, row-major: pixel (x, y) channel c is data[(y * width + x) * 3 + c]. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Throws unless `data` holds exactly width*height RGB pixels. */
export function checkRgb(where: string, data: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${where}: width and height must be positive integers (got ${width}x${height})`);
  }
  if (data.length !== width * height * 3) {
    throw new Error(
      `${where}: expected ${width}x${height}x3 = ${width * height * 3} bytes of packed RGB, got ${data.length}` +
        (data.length === width * height * 4 ? ' (RGBA? drop the alpha channel first)' : ''),
    );
  }
}

/** Packed RGB from RGBA pixels (a canvas's getImageData), alpha dropped. */
export function rgbaToRgb(rgba: ArrayLike<number>): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    rgb[q] = rgba[p]!;
    rgb[q + 1] = rgba[p + 1]!;
    rgb[q + 2] = rgba[p + 2]!;
  }
  return rgb;
}
