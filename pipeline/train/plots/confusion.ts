// The confusion matrix: true class down, predicted class across, each cell's colour its share of the
// true class's clips (so a rare class reads as well as a common one) and its text the raw count.
// Zero cells stay blank: with 51 classes, 2,500 zeros would drown the few confusions that matter.
import type { TopLevelSpec } from 'vega-lite';
import { FONT_STACK } from './fonts.js';
import { renderSpec, type Chart, type RenderOptions, type VegaLiteSpec } from './render.js';

export interface ConfusionChartOptions extends RenderOptions {
  /** Title; default 'confusion matrix'. */
  title?: string;
  /** Side of one cell in SVG pixels; default from the class count (56 for a few classes, 18 for 51). */
  cellSize?: number;
}

function fail(msg: string): never {
  throw new Error(`confusionChart: ${msg}`);
}

function checkConfusion(matrix: unknown, classNames: unknown): void {
  if (!Array.isArray(classNames) || classNames.length === 0) fail('classNames must be a non-empty array of strings');
  const n = classNames.length;
  classNames.forEach((c, i) => {
    if (typeof c !== 'string' || c === '') fail(`classNames[${i}] is ${JSON.stringify(c)}, not a class name`);
  });
  const seen = new Map<string, number>();
  classNames.forEach((c: string, i) => {
    if (seen.has(c)) fail(`class name "${c}" appears twice (at ${seen.get(c)} and ${i}); each row needs its own name`);
    seen.set(c, i);
  });
  if (!Array.isArray(matrix) || matrix.length !== n) {
    fail(`matrix must have one row per class: ${n} classes but ${Array.isArray(matrix) ? matrix.length : 'no'} rows`);
  }
  matrix.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== n) {
      fail(`row ${i} (${classNames[i]}) has ${Array.isArray(row) ? row.length : 'no'} columns, expected ${n} (one per class)`);
    }
    row.forEach((v: unknown, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        fail(`matrix[${i}][${j}] (true ${classNames[i]}, predicted ${classNames[j]}) is ${v}, not a count ≥ 0`);
      }
    });
  });
}

/** The vega-lite spec of the confusion matrix (no vega needed to build it). */
export function confusionSpec(matrix: number[][], classNames: string[], options: ConfusionChartOptions = {}): VegaLiteSpec {
  checkConfusion(matrix, classNames);
  const n = classNames.length;
  const cell = options.cellSize ?? Math.max(18, Math.min(56, Math.floor(900 / n)));
  const countFont = Math.max(7, Math.min(13, Math.round(cell * 0.45)));
  const labelFont = Math.max(9, Math.min(12, Math.round(cell * 0.6)));

  const cells: { truth: string; predicted: string; count: number; share: number }[] = [];
  let correct = 0;
  let total = 0;
  matrix.forEach((row, i) => {
    const rowSum = row.reduce((a, b) => a + b, 0);
    total += rowSum;
    correct += row[i];
    row.forEach((count, j) => {
      cells.push({ truth: classNames[i], predicted: classNames[j], count, share: rowSum > 0 ? count / rowSum : 0 });
    });
  });
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  const subtitle = total > 0
    ? `accuracy ${((correct / total) * 100).toFixed(1)}% (${fmt(correct)} of ${fmt(total)})  ·  colour: share of the true class  ·  numbers: counts`
    : 'no samples';
  const band = { type: 'band' as const, domain: classNames, paddingInner: 0, paddingOuter: 0 };
  const axis = { labelOverlap: false, labelFontSize: labelFont, ticks: false, domain: false, labelPadding: 4, labelLimit: 240 };

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 12,
    title: { text: options.title ?? 'confusion matrix', subtitle, anchor: 'start', fontSize: 16, subtitleColor: '#555', offset: 10 },
    data: { values: cells },
    width: { step: cell },
    height: { step: cell },
    encoding: {
      x: { field: 'predicted', type: 'nominal', title: 'predicted class', scale: band, axis: { ...axis, labelAngle: n <= 12 ? -40 : -90, orient: 'bottom' } },
      y: { field: 'truth', type: 'nominal', title: 'true class', scale: band, axis },
    },
    layer: [
      {
        // aria off for the n² cells: their labels were half of a 51-class SVG (790 KB → 390 KB)
        mark: { type: 'rect', stroke: '#f2f2f2', strokeWidth: 0.5, aria: false },
        encoding: {
          color: {
            field: 'share', type: 'quantitative', title: 'share of row',
            // white at 0 (vega's 'blues' starts light blue, which tinted all 2,600 empty cells); sqrt so a
            // 10% confusion is already visible next to a 60% diagonal
            scale: { type: 'sqrt', domain: [0, 0.25, 1], range: ['#ffffff', '#6baed6', '#08306b'], interpolate: 'rgb' },
            legend: { format: '.0%', gradientLength: Math.min(300, Math.max(120, n * cell * 0.5)), orient: 'right' },
          },
        },
      },
      {
        transform: [{ filter: 'datum.count > 0' }],
        mark: { type: 'text', fontSize: countFont, baseline: 'middle', aria: false },
        encoding: {
          text: { field: 'count', type: 'quantitative', format: '~r' },
          color: { condition: { test: 'datum.share > 0.3', value: 'white' }, value: '#1a1a1a' },
        },
      },
    ],
    config: {
      font: FONT_STACK,
      view: { stroke: '#bbb' },
      axis: { titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#333', labelColor: '#333', titlePadding: 8 },
    },
  } as TopLevelSpec;
}

/** Draws a confusion matrix: `matrix[i][j]` counts samples of true class i predicted as class j. */
export async function confusionChart(matrix: number[][], classNames: string[], options: ConfusionChartOptions = {}): Promise<Chart> {
  return renderSpec(confusionSpec(matrix, classNames, options), options);
}
