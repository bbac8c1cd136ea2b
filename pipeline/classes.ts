// --classes: a count (the first N classes in sorted order, as the seed's notebook trains on 5) or a list of names.

/** Resolves a --classes value against the sorted class names on disk. */
export function resolveClasses(spec: string, available: string[]): string[] {
  const sorted = [...available].sort();
  const s = spec.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > sorted.length) throw new Error(`--classes ${s}: there are ${sorted.length} classes, so give 1 to ${sorted.length}`);
    return sorted.slice(0, n);
  }
  const names = [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))];
  if (names.length === 0) throw new Error(`--classes is empty: give a number or names such as clap,wave`);
  const unknown = names.filter((c) => !sorted.includes(c));
  if (unknown.length > 0) throw new Error(`--classes names unknown classes ${unknown.join(', ')} (there are: ${sorted.join(', ')})`);
  return names.sort();
}
