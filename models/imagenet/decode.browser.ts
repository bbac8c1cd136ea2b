// decodeImage in browsers (package.json's "browser" field maps decode.js here): the browser's own
// decoder (createImageBitmap → OffscreenCanvas) instead of sharp. Bytes only — a page has no paths.
// Unlike read_image, the browser applies EXIF orientation and colour management, so pixels can
// differ from torchvision's by a few levels; classifications agree.
import { type RgbImage, rgbaToRgb } from './image.js';

export async function decodeImage(input: string | Uint8Array, name?: string): Promise<RgbImage> {
  if (typeof input === 'string') {
    throw new Error(`decodeImage: '${input}' is a path; in a browser pass the image's bytes (e.g. new Uint8Array(await file.arrayBuffer()))`);
  }
  const label = name ?? '<bytes>';
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([input as Uint8Array<ArrayBuffer>]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new Error(`decodeImage: the browser cannot decode ${label} as an image: ${(e as Error).message}`);
  }
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { data: rgbaToRgb(context.getImageData(0, 0, width, height).data), width, height };
}
