// Motion-JPEG in AVI, decoded in pure TypeScript: each video chunk is a JPEG picture (jpeg-js decodes it;
// an optional peer dependency, required on the first frame).
import { requireOptional } from '../models/optional-package.js';

// Many MJPEG writers (cameras, AVI1 files) leave out the Huffman tables and rely on the standard ones
// of ITU T.81 Annex K.3. jpeg-js needs them spelled out, so they are inserted when a frame has no DHT.
const STD_DHT = Uint8Array.from(Buffer.from(
  'ffc401a2' +
    '0000010501010101010100000000000000000102030405060708090a0b' +
    '100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa' +
    '0100030101010101010101010000000000000102030405060708090a0b' +
    '1100020102040403040705040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa',
  'hex',
));

function hasHuffmanTables(jpg: Uint8Array): boolean {
  // walk the marker segments up to the start of scan
  let i = 2;
  while (i + 4 <= jpg.length && jpg[i] === 0xff) {
    const marker = jpg[i + 1];
    if (marker === 0xc4) return true;
    if (marker === 0xda) return false;
    i += 2 + ((jpg[i + 2] << 8) | jpg[i + 3]);
  }
  return false;
}

/** Decodes one MJPEG frame to packed RGB (width*height*3 bytes). */
export function decodeMjpegFrame(jpg: Uint8Array): { data: Uint8Array; width: number; height: number } {
  if (jpg.length < 4 || jpg[0] !== 0xff || jpg[1] !== 0xd8) throw new Error('frame is not a JPEG picture (no SOI marker)');
  let full = jpg;
  if (!hasHuffmanTables(jpg)) {
    full = new Uint8Array(jpg.length + STD_DHT.length);
    full.set(jpg.subarray(0, 2));
    full.set(STD_DHT, 2);
    full.set(jpg.subarray(2), 2 + STD_DHT.length);
  }
  const jpeg = requireOptional<typeof import('jpeg-js')>('jpeg-js', 'decoding Motion-JPEG AVI frames without ffmpeg');
  const img = jpeg.decode(full, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 256 });
  return { data: img.data, width: img.width, height: img.height };
}
