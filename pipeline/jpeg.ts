// JPEG files through sharp (libjpeg-turbo, prebuilt in its npm package): ~1.5 ms to encode and ~1 ms
// to decode a 320x240 frame, against ~20 ms and ~14 ms for pure-JS jpeg-js — the difference between
// JPEG work dominating prepare and the loader, and it being noise.
import sharp from 'sharp';

sharp.cache(false); // every frame is read once; libvips' cache would only hold memory

/** Encodes packed RGB (width*height*3) as a baseline JPEG with 4:2:0 chroma, as OpenCV's imwrite does. */
export function encodeJpeg(rgb: Uint8Array, width: number, height: number, quality: number): Promise<Uint8Array> {
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality, chromaSubsampling: '4:2:0' })
    .toBuffer()
    .then((b) => new Uint8Array(b.buffer, b.byteOffset, b.length));
}

/** Decodes a JPEG file or buffer to packed RGB. */
export async function decodeJpeg(input: string | Uint8Array): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(input).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decodeJpeg: expected 3 channels, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
