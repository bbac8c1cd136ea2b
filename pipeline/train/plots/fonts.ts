// Which font the PNGs are drawn in. resvg draws text only with fonts it has loaded, and when the SVG's
// family is missing it falls back to the *first* system font — on Debian with fonts-dejavu that is
// "DejaVu Math TeX Gyre", which made every label a math font. So we look for a known sans-serif by its
// file name in the usual font folders and hand resvg exactly that file (0.5 ms instead of the ~4 ms
// a full system scan costs per render), and only fall back to the system scan when none is found.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

export interface FontOptions {
  /** Font files to draw the PNG's text with, instead of searching the system. */
  files?: string[];
  /** The family inside `files` (or on the system) to use for all text. */
  family?: string;
  /** Search the system's font folders (default true). `false` without `files` draws the PNG without text. */
  system?: boolean;
}

/** What resvg is given: the files to load and the family every generic name resolves to. */
export interface ResolvedFonts {
  files: string[];
  /** The family text is drawn in: '' is resvg's first system font; null when no font file was found
   *  (the PNG then has no text). */
  family: string | null;
  /** Let resvg scan the system itself (no known family found, but the folders hold some fonts). */
  loadSystemFonts: boolean;
}

/** Families the charts ask for in the SVG, in order; browsers pick the first they have. */
export const FONT_STACK = '"DejaVu Sans", "Liberation Sans", "Noto Sans", Helvetica, Arial, "Segoe UI", sans-serif';

// Regular (and bold, for titles) file names of common sans-serif fonts, in order of preference.
// DejaVu first: its metrics are what the layout was tuned with, and Debian/Ubuntu ship it.
const KNOWN: { family: string; regular: RegExp; bold?: RegExp }[] = [
  { family: 'DejaVu Sans', regular: /^DejaVuSans\.ttf$/, bold: /^DejaVuSans-Bold\.ttf$/ },
  { family: 'Liberation Sans', regular: /^LiberationSans-Regular\.ttf$/, bold: /^LiberationSans-Bold\.ttf$/ },
  { family: 'Noto Sans', regular: /^NotoSans-Regular\.(ttf|otf)$/, bold: /^NotoSans-Bold\.(ttf|otf)$/ },
  { family: 'Helvetica', regular: /^Helvetica\.ttc$/ },
  { family: 'Arial', regular: /^arial\.ttf$/i, bold: /^(arialbd\.ttf|Arial Bold\.ttf)$/i },
  { family: 'Segoe UI', regular: /^segoeui\.ttf$/i, bold: /^segoeuib\.ttf$/i },
  { family: 'FreeSans', regular: /^FreeSans\.(ttf|otf)$/, bold: /^FreeSansBold\.(ttf|otf)$/ },
];

function fontDirs(): string[] {
  const home = homedir();
  const dirs = [
    '/usr/share/fonts', '/usr/local/share/fonts', join(home, '.fonts'), join(home, '.local/share/fonts'),
    '/System/Library/Fonts', '/Library/Fonts', join(home, 'Library/Fonts'),
  ];
  if (process.env.WINDIR) dirs.push(join(process.env.WINDIR, 'Fonts'));
  return dirs.filter((d) => existsSync(d));
}

function fontFiles(dirs: string[]): string[] {
  const files: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
    } catch {
      continue; // unreadable folder: not ours to fix
    }
    for (const name of names) if (/\.(ttf|otf|ttc)$/i.test(name)) files.push(join(dir, name));
  }
  return files;
}

let cached: ResolvedFonts | undefined;

/** Finds the font for the PNGs once per process (a folder walk, a few ms). */
export function resolveFonts(options: FontOptions = {}): ResolvedFonts {
  if (options.files !== undefined || options.system === false) {
    const files = options.files ?? [];
    return { files, family: files.length > 0 ? (options.family ?? null) : null, loadSystemFonts: false };
  }
  if (options.family === undefined && cached) return cached;
  const all = fontFiles(fontDirs());
  let found: ResolvedFonts | undefined;
  for (const known of KNOWN) {
    if (options.family !== undefined && known.family !== options.family) continue;
    const regular = all.find((f) => known.regular.test(basename(f)));
    if (!regular) continue;
    const bold = known.bold && all.find((f) => known.bold!.test(basename(f)));
    found = { files: bold ? [regular, bold] : [regular], family: known.family, loadSystemFonts: false };
    break;
  }
  // Unknown fonts only: let resvg scan them and use the asked family or its first one.
  found ??= { files: [], family: all.length > 0 ? (options.family ?? '') : null, loadSystemFonts: all.length > 0 };
  if (options.family === undefined) cached = found;
  return found;
}
