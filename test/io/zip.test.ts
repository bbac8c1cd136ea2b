// The zip layer under .pt files: CRC-32, what torch 1.13 writes (data descriptors, zero sizes in
// local headers), ZIP64 records as torch writes them past 4 GiB, alignment of written entries.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { concatBytes, crc32, readZip, writeZip } from '../../engine/io/zip.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/io/${name}`, import.meta.url));
const enc = (s: string) => new TextEncoder().encode(s);

/** A one-entry archive whose central directory defers size and offset to ZIP64 records. */
function zip64(name: string, data: Uint8Array): Uint8Array {
  const n = enc(name);
  const local = new Uint8Array(30 + n.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(6, 0x0808, true); // sizes in a data descriptor, as torch writes
  lv.setUint16(26, n.length, true);
  local.set(n, 30);
  const cd = new Uint8Array(46 + n.length + 4 + 24);
  const cv = new DataView(cd.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint32(16, crc32(data), true);
  cv.setUint32(20, 0xffffffff, true);
  cv.setUint32(24, 0xffffffff, true);
  cv.setUint16(28, n.length, true);
  cv.setUint16(30, 28, true);
  cv.setUint32(42, 0xffffffff, true);
  cd.set(n, 46);
  cv.setUint16(46 + n.length, 0x0001, true);
  cv.setUint16(48 + n.length, 24, true);
  cv.setBigUint64(50 + n.length, BigInt(data.length), true); // uncompressed
  cv.setBigUint64(58 + n.length, BigInt(data.length), true); // compressed
  cv.setBigUint64(66 + n.length, 0n, true); // local header offset
  const cdOffset = local.length + data.length;
  const end64 = new Uint8Array(56 + 20 + 22);
  const ev = new DataView(end64.buffer);
  ev.setUint32(0, 0x06064b50, true);
  ev.setBigUint64(24, 1n, true);
  ev.setBigUint64(32, 1n, true);
  ev.setBigUint64(40, BigInt(cd.length), true);
  ev.setBigUint64(48, BigInt(cdOffset), true);
  ev.setUint32(56, 0x07064b50, true);
  ev.setBigUint64(64, BigInt(cdOffset + cd.length), true);
  ev.setUint32(76, 0x06054b50, true);
  ev.setUint16(84, 0xffff, true);
  ev.setUint16(86, 0xffff, true);
  ev.setUint32(88, 0xffffffff, true);
  ev.setUint32(92, 0xffffffff, true);
  return concatBytes([local, data, cd, end64]);
}

describe('zip', () => {
  it('crc32 matches the standard check value and torch\'s own records', () => {
    expect(crc32(enc('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    // readZip verifies every CRC that torch.save wrote (the resnet18 file is 350 KB of data).
    const entries = readZip(new Uint8Array(readFileSync(fixture('resnet18_reduced.pt'))), 'resnet18_reduced.pt');
    expect(entries.map((e) => e.name)).toContain('resnet18_reduced/version');
  });

  it('reads ZIP64 end records and extra fields', () => {
    const data = enc('hello zip64');
    const [entry] = readZip(zip64('archive/data/0', data), 'big.pt');
    expect(entry!.name).toBe('archive/data/0');
    expect(new TextDecoder().decode(entry!.data)).toBe('hello zip64');
  });

  it('writes 64-byte-aligned entries that it reads back; detects corruption', () => {
    const entries = [{ name: 'a/data.pkl', data: enc('x'.repeat(37)) }, { name: 'a/data/0', data: Uint8Array.from({ length: 100 }, (_, i) => i) }];
    const bytes = concatBytes(writeZip(entries));
    const back = readZip(bytes, 'w.pt');
    expect(back.map((e) => e.name)).toEqual(['a/data.pkl', 'a/data/0']);
    for (const e of back) expect(e.data.byteOffset % 64).toBe(0);
    expect(Array.from(back[1]!.data)).toEqual(Array.from(entries[1]!.data));
    const corrupt = bytes.slice();
    corrupt[back[1]!.data.byteOffset + 5]! ^= 1;
    expect(() => readZip(corrupt, 'w.pt')).toThrow('w.pt: zip entry a/data/0 is corrupt (CRC-32 mismatch)');
  });
});
