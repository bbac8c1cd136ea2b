// The codec-neutral half of non-reference frame skipping: a clip as a list of decode units (what one
// decoder call sees) with, for each, whether other frames depend on it and where its frame lands in
// display order; and the plan that keeps every reference unit plus only the selected non-reference ones.
// Dropping a unit nothing depends on changes no other frame's pixels, so the frames the decoder still
// produces are the full decode's frames at known display positions.

export interface DecodeUnit {
  /** The bytes handed to the decoder for this unit (an elementary-stream piece, start codes included). */
  bytes: Uint8Array;
  /** True when a later frame may depend on it, or it changes decoder state (headers, N-VOPs): always kept. */
  ref: boolean;
  /** Its frame's index in the full decode's display order, or -1 when it yields no frame. */
  display: number;
  /** Nothing decoded after it depends on anything decoded before it (an H.264 IDR picture). */
  closes?: boolean;
}

export interface DecodePlan {
  /** The units to feed, in decode order. */
  units: DecodeUnit[];
  /** How many frames the kept units yield. */
  keptFrames: number;
  /** For each wanted display index (ascending, unique), its position among the kept frames' outputs. */
  positions: Map<number, number>;
}

/**
 * Keeps every reference unit and the non-reference ones whose display index is wanted (or listed in
 * `alsoKeep`), less the tail of each closed stretch (see `closes`) after its last wanted frame; the
 * decoder then outputs the kept frames in display order, so a wanted frame's output position is its
 * rank among the kept display indices.
 */
export function planDecode(units: DecodeUnit[], wanted: Iterable<number>, alsoKeep: Set<DecodeUnit> = new Set()): DecodePlan {
  const want = new Set(wanted);
  const needed = (u: DecodeUnit): boolean => want.has(u.display) || alsoKeep.has(u);
  const keep = units.map((u) => u.ref || needed(u));
  // between two closing units, what comes after the last needed frame feeds no needed frame: left out,
  // references too (a closing unit ends every dependency on what precedes it)
  if (units.some((u) => u.closes)) {
    let start = 0;
    for (let i = 1; i <= units.length; i++) {
      if (i < units.length && !units[i].closes) continue;
      let last = start - 1;
      for (let j = start; j < i; j++) if (needed(units[j])) last = j;
      for (let j = last + 1; j < i; j++) keep[j] = false;
      start = i;
    }
  }
  const kept = units.filter((_, i) => keep[i]);
  const shown = kept.filter((u) => u.display >= 0).map((u) => u.display).sort((a, b) => a - b);
  const rank = new Map(shown.map((d, i) => [d, i]));
  const positions = new Map<number, number>();
  for (const d of [...want].sort((a, b) => a - b)) {
    const at = rank.get(d);
    if (at === undefined) throw new Error(`planDecode: display index ${d} is not a frame of this clip`);
    positions.set(d, at);
  }
  return { units: kept, keptFrames: shown.length, positions };
}

/** Concatenates the units' bytes: the elementary stream fed to ffmpeg. */
export function joinUnits(units: DecodeUnit[]): Uint8Array {
  const out = new Uint8Array(units.reduce((n, u) => n + u.bytes.length, 0));
  let at = 0;
  for (const u of units) {
    out.set(u.bytes, at);
    at += u.bytes.length;
  }
  return out;
}

/**
 * The skipping path holds the whole clip in memory (and pipes its kept part); a larger file is decoded in
 * full from disk instead. HMDB51 clips are under 10 MB.
 */
export const MAX_CLIP_BYTES = 256 * 1024 * 1024;

/** Thrown by the stream readers for anything they do not model exactly; the caller decodes in full instead. */
export class Unsupported extends Error {}
