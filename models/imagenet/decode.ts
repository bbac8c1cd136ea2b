// JPEG and PNG files to packed RGB, pixel for pixel what torchvision's read_image(path, ImageReadMode.RGB)
// gives (measured: identical bytes on the test photos and on gray, gray+alpha, RGBA and palette files).
// sharp decodes with libjpeg-turbo (mozjpeg's fork) and libpng, as torchvision does. Like read_image:
// - embedded ICC profiles are ignored (sharp would otherwise convert to sRGB through them);
// - EXIF orientation is ignored (torchvision 0.14 has no apply_exif_orientation);
// - gray is replicated to three channels and alpha is dropped, not composited;
// - CMYK JPEGs, 16-bit PNGs and other formats are refused, with the file named.
// The only module here that needs Node; everything else runs on pixels in hand. sharp is an optional
// peer dependency, loaded on the first decode.
import { readFile } from 'node:fs/promises';
import { importOptional } from '../optional-package.js';
import { type RgbImage } from './image.js';

type Sharp = (typeof import('sharp'))['default'];

async function loadSharp(): Promise<Sharp> {
  const sharp = (await importOptional<typeof import('sharp')>('sharp', 'decoding JPEG and PNG images')).default;
  sharp.cache(false); // each image is read once; libvips' cache would only hold memory
  return sharp;
}

const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/**
 * Decodes a JPEG or PNG (a path, or the file's bytes) to packed 8-bit RGB. `name` labels errors for bytes
 * (default "<bytes>"); for a path, the path is used.
 */
export async function decodeImage(input: string | Uint8Array, name?: string): Promise<RgbImage> {
  const label = typeof input === 'string' ? input : (name ?? '<bytes>');
  const bytes = typeof input === 'string' ? await readFile(input) : input;
  const format = startsWith(bytes, JPEG_MAGIC) ? 'jpeg' : startsWith(bytes, PNG_MAGIC) ? 'png' : null;
  if (format === null) {
    throw new Error(`decodeImage: ${label} is not a JPEG or PNG file (it does not start with their signature); ` +
      'torchvision.io.read_image reads only those — convert it first');
  }
  const sharp = await loadSharp();
  try {
    const image = sharp(bytes, { ignoreIcc: true, failOn: 'error' });
    const meta = await image.metadata();
    if (meta.space === 'cmyk') {
      throw new Error(`decodeImage: ${label} is a CMYK JPEG; torchvision's read_image refuses those too ` +
        '("Unsupported color conversion request") — convert it to RGB first');
    }
    if (meta.depth !== 'uchar') {
      throw new Error(`decodeImage: ${label} has ${meta.bitsPerSample ?? '?'}-bit samples (${meta.depth}); ` +
        "torchvision's read_image reads only 8-bit images — convert it to 8-bit first");
    }
    const { data, info } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decodeImage: ${label} decoded to ${info.channels} channels, expected 3`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (e) {
    const message = (e as Error).message;
    if (message.startsWith('decodeImage:')) throw e;
    throw new Error(`decodeImage: cannot decode ${label} as ${format.toUpperCase()}: ${message}`);
  }
}
