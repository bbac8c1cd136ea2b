// The subset of ZIP that PyTorch checkpoints use: entries stored uncompressed, ZIP64 when an
// archive passes 4 GiB. Reading accepts what torch.save writes (data descriptors, zero sizes in
// local headers, ZIP64 end records); writing emits local headers with their sizes and CRC up
// front, each entry's data aligned to 64 bytes the way torch's writer pads them ("FB" extra
// field), so a reader may map tensors in place. Pure byte code: usable in browsers.

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_END64_LOCATOR = 0x07064b50;
const ALIGN = 64;

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE, as in zip and gzip). */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256 * 8);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
    // Slicing-by-8 tables: a 45 MB checkpoint is checksummed in well under a second.
    for (let n = 0; n < 256; n++) {
      for (let t = 1; t < 8; t++) crcTable[t * 256 + n] = (crcTable[(t - 1) * 256 + n]! >>> 8) ^ crcTable[crcTable[(t - 1) * 256 + n]! & 0xff]!;
    }
  }
  const T = crcTable;
  let c = 0xffffffff;
  let i = 0;
  const n8 = bytes.length - (bytes.length % 8);
  for (; i < n8; i += 8) {
    const a = (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    c = T[7 * 256 + (a & 0xff)]! ^ T[6 * 256 + ((a >>> 8) & 0xff)]! ^ T[5 * 256 + ((a >>> 16) & 0xff)]! ^ T[4 * 256 + (a >>> 24)]!
      ^ T[3 * 256 + bytes[i + 4]!]! ^ T[2 * 256 + bytes[i + 5]!]! ^ T[256 + bytes[i + 6]!]! ^ T[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) c = T[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  name: string;
  /** The stored bytes (a view into the archive, not a copy). */
  data: Uint8Array;
}

/**
 * Every entry of a stored (uncompressed) zip, in central-directory order. `file` names it in
 * errors. CRCs are checked (about 1 ms per MB) unless `verifyCrc` is false.
 */
export function readZip(bytes: Uint8Array, file: string, verifyCrc = true): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (at: number) => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${file}: corrupt zip (64-bit field out of range at byte ${at})`);
    return Number(v);
  };
  let end = -1;
  // The end record sits in the last 22 + 65535 (comment) bytes.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === SIG_END) { end = i; break; }
  }
  if (end < 0) throw new Error(`${file}: not a zip archive or truncated (no end-of-central-directory record in its ${bytes.length} bytes)`);
  let count = view.getUint16(end + 10, true);
  let cdSize = view.getUint32(end + 12, true);
  let cdOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || view.getUint32(locator, true) !== SIG_END64_LOCATOR) throw new Error(`${file}: corrupt zip (ZIP64 fields without a ZIP64 locator)`);
    const end64 = u64(locator + 8);
    if (end64 + 56 > bytes.length || view.getUint32(end64, true) !== SIG_END64) throw new Error(`${file}: corrupt zip (bad ZIP64 end record offset ${end64})`);
    count = u64(end64 + 32);
    cdSize = u64(end64 + 40);
    cdOffset = u64(end64 + 48);
  }
  if (cdOffset + cdSize > bytes.length) throw new Error(`${file}: truncated zip (central directory at ${cdOffset}+${cdSize} lies past the end, ${bytes.length} bytes)`);
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  for (let e = 0; e < count; e++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== SIG_CENTRAL) throw new Error(`${file}: corrupt zip (central directory entry ${e} at byte ${at})`);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let size = view.getUint32(at + 20, true);
    const usize = view.getUint32(at + 24, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    // ZIP64 extra field: the 64-bit values of whichever fields are saturated, in this order.
    let x = at + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = view.getUint16(x, true);
      const len = view.getUint16(x + 2, true);
      if (id === 0x0001) {
        let p = x + 4;
        if (usize === 0xffffffff) p += 8;
        if (size === 0xffffffff) { size = u64(p); p += 8; }
        if (local === 0xffffffff) local = u64(p);
      }
      x += 4 + len;
    }
    if (method !== 0) throw new Error(`${file}: zip entry ${name} is compressed (method ${method}); only stored entries are supported, as torch.save writes them`);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== SIG_LOCAL) throw new Error(`${file}: corrupt or truncated zip (local header of ${name} at byte ${local})`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + size > bytes.length) throw new Error(`${file}: truncated zip (entry ${name} needs bytes ${start}..${start + size}, the file has ${bytes.length})`);
    const data = bytes.subarray(start, start + size);
    if (verifyCrc && crc32(data) !== crc) throw new Error(`${file}: zip entry ${name} is corrupt (CRC-32 mismatch)`);
    entries.push({ name, data });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * A stored zip of the entries, as chunks to concatenate or stream to a file. Deterministic:
 * the DOS time is 1980-01-01 00:00, as torch writes it. Archives past 4 GiB are refused.
 */
export function writeZip(entries: ZipEntry[]): Uint8Array[] {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = encoder.encode(name);
    // Pad the extra field so the data starts on a 64-byte boundary; an extra field is at least 4 bytes.
    const pad = (ALIGN - ((offset + 30 + nameBytes.length + 4) % ALIGN)) % ALIGN;
    const extraLen = 4 + pad;
    const crc = crc32(data);
    // Local header and central record share the fields from "version needed" to "name length".
    const common = (v: DataView, at: number) => {
      v.setUint16(at, 20, true); // version needed: 2.0
      v.setUint16(at + 2, 0x0800, true); // names are UTF-8
      v.setUint16(at + 4, 0, true); // stored
      v.setUint16(at + 6, 0, true); // time 00:00
      v.setUint16(at + 8, 0x21, true); // date 1980-01-01
      v.setUint32(at + 10, crc, true);
      v.setUint32(at + 14, data.length, true);
      v.setUint32(at + 18, data.length, true);
      v.setUint16(at + 22, nameBytes.length, true);
    };
    const local = new Uint8Array(30 + nameBytes.length + extraLen);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, SIG_LOCAL, true);
    common(lv, 4);
    lv.setUint16(28, extraLen, true);
    local.set(nameBytes, 30);
    lv.setUint16(30 + nameBytes.length, 0x4246, true); // "FB": torch's padding field
    lv.setUint16(32 + nameBytes.length, pad, true);
    local.fill(0x5a, 34 + nameBytes.length); // 'Z' padding, like torch

    const cd = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, SIG_CENTRAL, true);
    cv.setUint16(4, 20, true); // version made by
    common(cv, 6);
    cv.setUint32(42, offset, true);
    cd.set(nameBytes, 46);
    central.push(cd);

    chunks.push(local, data);
    offset += local.length + data.length;
    if (offset > 0xffffffff) throw new Error(`writeZip: archive would pass 4 GiB at entry ${name}; ZIP64 writing is not supported`);
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, SIG_END, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  if (entries.length > 0xfffe || offset + cdSize > 0xffffffff) throw new Error('writeZip: too many entries or too large for a non-ZIP64 archive');
  return [...chunks, ...central, end];
}

/** Joins chunks into one array. */
export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}
