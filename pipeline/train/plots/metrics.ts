// Text widths for vega's layout. Without a canvas, vega guesses every character is 0.8 em wide, which
// for our labels (DejaVu Sans averages 0.6 em) pushed the confusion matrix's axis titles ~50 px away
// from the rotated class names. vega lets a headless user replace textMetrics.width (vl-convert does
// the same); we give it DejaVu Sans' advance widths, the font the PNG is normally drawn in. Liberation
// Sans / Arial are a little narrower, so with them the layout errs on the roomy side.

// Advance widths of ' '…'~' (U+0020–U+007E) in hundredths of an em, read from DejaVuSans.ttf and
// DejaVuSans-Bold.ttf (hmtx via cmap).
const REGULAR = [
  32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34, 64, 64, 64,
  64, 64, 64, 64, 64, 64, 64, 34, 34, 84, 84, 84, 53, 100, 68, 69, 70, 77, 63,
  58, 77, 75, 29, 29, 66, 56, 86, 75, 79, 60, 79, 69, 63, 61, 73, 68, 99, 69,
  61, 69, 39, 34, 39, 84, 50, 50, 61, 63, 55, 63, 62, 35, 63, 63, 28, 28, 58,
  28, 97, 63, 61, 63, 63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34, 64, 84,
];
const BOLD = [
  35, 46, 52, 84, 70, 100, 87, 31, 46, 46, 52, 84, 38, 42, 38, 37, 70, 70, 70,
  70, 70, 70, 70, 70, 70, 70, 40, 40, 84, 84, 84, 58, 100, 77, 76, 73, 83, 68,
  68, 82, 84, 37, 37, 77, 64, 100, 84, 85, 73, 85, 77, 72, 68, 81, 77, 110, 77,
  72, 73, 46, 37, 46, 84, 50, 50, 67, 72, 59, 72, 68, 44, 72, 71, 34, 34, 67,
  34, 104, 71, 69, 72, 72, 49, 60, 48, 71, 65, 92, 65, 65, 58, 71, 37, 71, 84,
];
// Anything else (…, ✕, →, accents): roughly the width of a digit.
const OTHER = { regular: 64, bold: 70 };

interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
}

function isBold(weight: number | string | undefined): boolean {
  if (weight === undefined) return false;
  if (typeof weight === 'number') return weight >= 600;
  return weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;
}

/** Width in pixels of one line of text as DejaVu Sans draws it, capped at the item's `limit` (vega
 *  truncates to the limit, and its truncation calls back into this function, so this must not). */
export function textWidth(item: TextItem, text: unknown): number {
  const s = text == null ? '' : String(text).trim();
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  if (size <= 0 || s === '') return 0;
  const bold = isBold(item.fontWeight);
  const table = bold ? BOLD : REGULAR;
  let em = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)! - 32;
    em += c >= 0 && c < table.length ? table[c] : bold ? OTHER.bold : OTHER.regular;
  }
  const w = (em / 100) * size;
  return item.limit !== undefined && item.limit > 0 ? Math.min(w, item.limit) : w;
}

/** Makes vega measure text with textWidth (idempotent). */
export function installTextMetrics(vega: object): void {
  const metrics = (vega as { textMetrics?: { width: unknown } }).textMetrics;
  if (!metrics) throw new Error('plots: this vega has no textMetrics to measure text with (vega 6 expected)');
  metrics.width = textWidth;
}
