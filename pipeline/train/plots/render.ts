// vega-lite spec → SVG (vega's headless renderer) → PNG (resvg), and writing both.
//
// vega, vega-lite and resvg are imported on first use: vega alone costs ~230 ms to import on the
// shared 2-core machine, which a command that never plots should not pay. After that, a 20-epoch
// history renders in ~40 ms (SVG ~15 ms, PNG ~25 ms at 2x). They are optional peer dependencies of
// webgrad, so their types stay out of the exported signatures too (VegaLiteSpec below).
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { checkInstalled, importOptional } from '../../../models/optional-package.js';
import { resolveFonts, type FontOptions } from './fonts.js';
import { installTextMetrics } from './metrics.js';

export interface Chart {
  svg: string;
  png: Uint8Array;
  /** Size of the PNG in pixels (the SVG's size times `scale`). */
  width: number;
  height: number;
  /** The family the PNG's text is drawn in; 'system default' when only unknown fonts were found; null when
   *  no font was found and the PNG has no text (the SVG still has it). */
  font: string | null;
  /** Things worth telling the user, e.g. that the PNG has no text. */
  warnings: string[];
}

/**
 * A vega-lite specification (vega-lite's TopLevelSpec). Typed loosely here so that webgrad's published
 * types don't need vega-lite installed; cast to TopLevelSpec to work on one with vega-lite's types.
 */
export type VegaLiteSpec = object;

export interface RenderOptions {
  /** PNG pixels per SVG pixel (default 2, sharp on high-DPI screens and in reports). */
  scale?: number;
  fonts?: FontOptions;
}

type Libs = {
  vega: typeof import('vega');
  vegaLite: typeof import('vega-lite');
  resvg: typeof import('@resvg/resvg-js');
};
let libs: Promise<Libs> | undefined;

const PURPOSE = 'drawing charts';

function plotLibs(): Promise<Libs> {
  if (!libs) {
    // one error naming every missing package, rather than one per attempt
    checkInstalled(['vega', 'vega-lite', '@resvg/resvg-js'], PURPOSE);
    libs = Promise.all([
      importOptional<Libs['vega']>('vega', PURPOSE),
      importOptional<Libs['vegaLite']>('vega-lite', PURPOSE),
      importOptional<Libs['resvg']>('@resvg/resvg-js', PURPOSE),
    ]).then(([vega, vegaLite, resvg]) => {
      installTextMetrics(vega);
      return { vega, vegaLite, resvg };
    });
  }
  return libs;
}

/**
 * Imports the plotting libraries (vega, vega-lite, @resvg/resvg-js) once, or rejects with one error
 * naming those not installed: a long job can call it first, to fail before training rather than after.
 */
export async function loadPlotLibs(): Promise<void> {
  await plotLibs();
}

let warnedNoFont = false;
const NO_FONT =
  'plots: no font found in the system font folders, so the PNG has no text (the SVG has it). ' +
  'Install one, e.g. `apt-get install fonts-dejavu-core`, or pass fonts: { files: [...] }.';

/** Renders a vega-lite spec headlessly to an SVG string and a PNG. */
export async function renderSpec(spec: VegaLiteSpec, options: RenderOptions = {}): Promise<Chart> {
  const scale = options.scale ?? 2;
  if (!(scale > 0 && scale <= 16)) throw new Error(`plots: scale must be in (0, 16], got ${scale}`);
  const { vega, vegaLite, resvg } = await plotLibs();
  const view = new vega.View(vega.parse(vegaLite.compile(spec as TopLevelSpec).spec), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const fonts = resolveFonts(options.fonts);
  const warnings: string[] = [];
  if (fonts.family === null) {
    warnings.push(NO_FONT);
    if (!warnedNoFont && options.fonts === undefined) console.warn(NO_FONT);
    warnedNoFont = true;
  }
  const family = fonts.family ?? '';
  const image = new resvg.Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: {
      loadSystemFonts: fonts.loadSystemFonts,
      fontFiles: fonts.files,
      defaultFontFamily: family,
      sansSerifFamily: family,
    },
    // A missing family is expected (the SVG lists several for browsers): the fallback is the point.
    logLevel: 'off',
  }).render();
  return {
    svg,
    png: image.asPng(),
    width: image.width,
    height: image.height,
    font: fonts.family === '' ? 'system default' : fonts.family,
    warnings,
  };
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Writes `<base>.svg` and `<base>.png`, each via a temporary file and a rename, so a reader (an image
 *  viewer refreshing history.png during training) never sees half a file. Creates the folder. */
export async function writeChart(basePath: string, chart: Pick<Chart, 'svg' | 'png'>): Promise<{ svg: string; png: string }> {
  const base = basePath.replace(/\.(svg|png)$/i, '');
  await mkdir(dirname(base), { recursive: true });
  const paths = { svg: `${base}.svg`, png: `${base}.png` };
  await writeAtomic(paths.svg, chart.svg);
  await writeAtomic(paths.png, chart.png);
  return paths;
}
