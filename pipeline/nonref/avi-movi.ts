// Whether an AVI's 'movi' lists are whole. avi-bytes.ts flags a file as truncated when it ends inside any
// chunk, which HMDB51's clips do in garbage after idx1; what matters for replaying libavcodec's decode
// is only that no video chunk is cut (ffmpeg would decode a cut last chunk, our chunk list drops it).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export function moviComplete(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const h = new Uint8Array(12);
    const at = (pos: number): { id: string; size: number; type: string } | null => {
      if (readSync(fd, h, 0, 12, pos) < 12) return null;
      const s = h[4] | (h[5] << 8) | (h[6] << 16);
      return { id: String.fromCharCode(...h.subarray(0, 4)), size: s + h[7] * 0x1000000, type: String.fromCharCode(...h.subarray(8, 12)) };
    };
    let movies = 0;
    // top level: RIFF 'AVI ' and OpenDML's RIFF 'AVIX' extensions; anything else ends the file proper
    for (let riff = 0; riff + 12 <= size;) {
      const r = at(riff);
      if (!r || r.id !== 'RIFF') break;
      const end = riff + 8 + r.size;
      for (let pos = riff + 12; pos + 12 <= Math.min(end, size);) {
        const c = at(pos);
        if (!c) break;
        if (c.id === 'LIST' && c.type === 'movi') {
          if (pos + 8 + c.size > size) return false;
          movies++;
        }
        pos += 8 + c.size + (c.size & 1);
      }
      riff = end + (r.size & 1);
    }
    return movies > 0;
  } finally {
    closeSync(fd);
  }
}
