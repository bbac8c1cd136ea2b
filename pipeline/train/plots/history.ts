// The training curves: loss, accuracy and learning rate per epoch, three panels in a row.
//
// Epochs are 0-based by default, as the seed prints them ("Epoch 0/19"), so a point on the chart and a
// line in the log carry the same number; `epochBase: 1` counts from 1.
import type { TopLevelSpec } from 'vega-lite';
import { FONT_STACK } from './fonts.js';
import { renderSpec, type Chart, type RenderOptions, type VegaLiteSpec } from './render.js';

/** One number per epoch; null where the value was not finite (JSON writes NaN and ±Infinity as null). */
export type EpochSeries = (number | null)[];

/**
 * What the training job writes to history.json after each epoch (the seed's loss_hist / metric_hist
 * names). Every series has one entry per finished epoch; `val` series may be empty for a run without
 * validation, and `lr` may be empty when the job does not record it.
 */
export interface TrainingHistory {
  /** The run's name, shown in the title. */
  name?: string;
  /** Mean loss per epoch. */
  loss_hist: { train: EpochSeries; val: EpochSeries };
  /** Accuracy per epoch as a fraction in [0, 1] (the chart shows %). */
  metric_hist: { train: EpochSeries; val: EpochSeries };
  /** Learning rate each epoch ran with. */
  lr: EpochSeries;
  /** Epochs the run is set to train: fixes the x axis so a chart redrawn each epoch does not rescale. */
  epochs?: number;
  /** Anything else the job records (times, paths) is carried along and ignored here. */
  [extra: string]: unknown;
}

export interface HistoryChartOptions extends RenderOptions {
  /** Title; defaults to history.name, then 'training'. */
  title?: string;
  /** Number of the first epoch on the x axis: 0 (default, as the seed's log) or 1. */
  epochBase?: 0 | 1;
}

const SPLITS = ['train', 'val'] as const;
const SPLIT_COLORS = ['#4c78a8', '#f58518'];
const PANEL = { width: 300, height: 210 };
const LR_PANEL = { width: 190, height: 210 };

function fail(msg: string): never {
  throw new Error(`historyChart: ${msg}`);
}

function checkSeries(name: string, s: unknown, n: number, emptyOk: boolean): EpochSeries {
  if (!Array.isArray(s)) fail(`${name} must be an array of numbers (one per epoch), got ${s === undefined ? 'nothing' : typeof s}`);
  if (s.length === 0 && emptyOk) return [];
  if (s.length !== n) {
    fail(`${name} has ${s.length} values but loss_hist.train has ${n}: every series needs one value per finished epoch` +
      (emptyOk ? ' (or none at all)' : ''));
  }
  s.forEach((v, i) => {
    if (v !== null && typeof v !== 'number') fail(`${name}[${i}] is ${JSON.stringify(v)}, not a number`);
  });
  return s as EpochSeries;
}

const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);

/** Checks a history (as read from history.json) and says exactly what is wrong with it. */
export function checkHistory(history: unknown): TrainingHistory {
  if (typeof history !== 'object' || history === null) fail(`expected a history object, got ${history === null ? 'null' : typeof history}`);
  const h = history as Partial<TrainingHistory>;
  if (typeof h.loss_hist !== 'object' || h.loss_hist === null) fail('history has no loss_hist: { train: number[], val: number[] }');
  if (typeof h.metric_hist !== 'object' || h.metric_hist === null) fail('history has no metric_hist: { train: number[], val: number[] }');
  if (!Array.isArray(h.loss_hist.train)) fail('loss_hist.train must be an array of numbers (one per epoch)');
  const n = h.loss_hist.train.length;
  if (n === 0) fail('the history has no epochs yet (loss_hist.train is empty): plot it after the first epoch');
  checkSeries('loss_hist.train', h.loss_hist.train, n, false);
  checkSeries('loss_hist.val', h.loss_hist.val, n, true);
  for (const split of SPLITS) {
    const name = `metric_hist.${split}`;
    const s = checkSeries(name, h.metric_hist[split], n, split === 'val');
    s.forEach((v, i) => {
      if (finite(v) && (v < 0 || v > 1)) {
        fail(`${name}[${i}] = ${v} is outside [0, 1]: accuracy is a fraction (${v > 1 && v <= 100 ? `${v / 100}` : 'e.g. 0.57'}), not a percent`);
      }
    });
  }
  const lr = checkSeries('lr', h.lr ?? [], n, true);
  lr.forEach((v, i) => {
    if (finite(v) && v < 0) fail(`lr[${i}] = ${v} is negative`);
  });
  if (h.epochs !== undefined && !(Number.isInteger(h.epochs) && h.epochs > 0)) fail(`epochs must be a positive integer, got ${h.epochs}`);
  return h as TrainingHistory;
}

function argBest(s: EpochSeries, better: (a: number, b: number) => boolean): number {
  let best = -1;
  s.forEach((v, i) => {
    if (finite(v) && (best < 0 || better(v, s[best] as number))) best = i;
  });
  return best;
}

const fmtLr = (v: number) => Number(v.toPrecision(2)).toExponential();

/** Powers of ten in [lo, hi]: the log axis' ticks and grid, without vega's eight minor lines per decade. */
function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

/** The vega-lite spec of the history chart (no vega needed to build it). */
export function historySpec(history: TrainingHistory, options: HistoryChartOptions = {}): VegaLiteSpec {
  const h = checkHistory(history);
  const base = options.epochBase ?? 0;
  const n = h.loss_hist.train.length;
  const epoch = (i: number) => i + base;
  const last = base + Math.max(n, h.epochs ?? 0) - 1;
  const xDomain = last > base ? [base, last] : [base - 0.5, base + 0.5];

  const present = SPLITS.filter((split) => h.loss_hist[split].length > 0 || h.metric_hist[split].length > 0);
  const rows: { epoch: number; split: string; loss: number | null; acc: number | null }[] = [];
  // py: pixel row of the marker, so a train and a val marker at the same epoch do not overlap
  const notFinite: { epoch: number; split: string; py: number }[] = [];
  for (const split of SPLITS) {
    const loss = h.loss_hist[split];
    const acc = h.metric_hist[split];
    if (loss.length === 0 && acc.length === 0) continue;
    for (let i = 0; i < n; i++) {
      const l = loss[i] ?? null;
      const a = acc[i] ?? null;
      rows.push({ epoch: epoch(i), split, loss: finite(l) ? l : null, acc: finite(a) ? a * 100 : null });
      if (loss.length > 0 && !finite(l)) notFinite.push({ epoch: epoch(i), split, py: split === 'train' ? 8 : 21 });
    }
  }
  const lrRows = h.lr.map((v, i) => ({ epoch: epoch(i), lr: finite(v) ? v : null }));
  const drops = lrRows.filter((r, i) => i > 0 && r.lr !== null && lrRows[i - 1].lr !== null && r.lr < lrRows[i - 1].lr!)
    .map((r, k) => ({ epoch: r.epoch, label: `→ ${fmtLr(r.lr!)}`, py: k % 2 === 0 ? 8 : 21 })); // staggered: drops can be close

  const x = {
    field: 'epoch', type: 'quantitative' as const, title: base === 0 ? 'epoch (from 0)' : 'epoch',
    scale: { domain: xDomain, nice: false, zero: false, padding: 8 },
    axis: { tickMinStep: 1, format: 'd', grid: false },
  };
  const color = {
    field: 'split', type: 'nominal' as const,
    scale: { domain: present, range: present.map((p) => SPLIT_COLORS[SPLITS.indexOf(p)]) },
    legend: { title: null, orient: 'top' as const, direction: 'horizontal' as const, symbolType: 'stroke', symbolStrokeWidth: 3 },
  };
  const dropRules = drops.length === 0 ? [] : [{
    data: { values: drops },
    mark: { type: 'rule' as const, color: '#9a9a9a', strokeDash: [3, 3], strokeWidth: 1 },
    encoding: { x: { field: 'epoch', type: 'quantitative' as const } },
  }];
  // A ✕ along the top of the loss panel where a loss was NaN/Inf: the line breaks there.
  const notFiniteMarks = notFinite.length === 0 ? [] : [{
    data: { values: notFinite },
    mark: { type: 'text' as const, text: '✕', fontSize: 13, fontWeight: 'bold' as const },
    encoding: { x: { field: 'epoch', type: 'quantitative' as const }, y: { field: 'py', type: 'quantitative' as const, scale: null }, color },
  }];
  const best = (s: EpochSeries, field: 'loss' | 'acc', better: (a: number, b: number) => boolean) => {
    const i = argBest(s, better);
    if (i < 0) return [];
    const v = field === 'acc' ? (s[i] as number) * 100 : (s[i] as number);
    return [{
      data: { values: [{ epoch: epoch(i), [field]: v }] },
      mark: { type: 'point' as const, shape: 'circle', size: 180, strokeWidth: 2, color: SPLIT_COLORS[1], filled: false },
      encoding: { x: { field: 'epoch', type: 'quantitative' as const }, y: { field, type: 'quantitative' as const } },
    }];
  };
  const curve = (field: 'loss' | 'acc', title: string, extra: object) => ({
    mark: { type: 'line' as const, strokeWidth: 2, point: { size: 28, filled: true } },
    encoding: { x, y: { field, type: 'quantitative' as const, title, ...extra }, color },
  });

  const hasVal = h.loss_hist.val.length > 0;
  const lossPanel = {
    ...PANEL,
    title: { text: 'loss', anchor: 'start' as const },
    layer: [
      ...dropRules,
      { data: { values: rows }, ...curve('loss', 'loss', { scale: { zero: false } }) },
      ...(hasVal ? best(h.loss_hist.val, 'loss', (a, b) => a < b) : []),
      ...notFiniteMarks,
    ],
  };
  const accPanel = {
    ...PANEL,
    title: { text: 'accuracy', anchor: 'start' as const },
    layer: [
      ...dropRules,
      { data: { values: rows }, ...curve('acc', 'accuracy (%)', { scale: { domain: [0, 100] }, axis: { values: [0, 20, 40, 60, 80, 100] } }) },
      ...(h.metric_hist.val.length > 0 ? best(h.metric_hist.val, 'acc', (a, b) => a > b) : []),
    ],
  };
  const lrValues = lrRows.flatMap((r) => (r.lr === null ? [] : [r.lr]));
  const logLr = lrValues.length > 0 && lrValues.every((v) => v > 0);
  const lrLo = Math.min(...lrValues);
  const lrHi = Math.max(...lrValues);
  const lrPanel = {
    ...LR_PANEL,
    title: { text: 'learning rate', anchor: 'start' as const },
    layer: [
      ...dropRules,
      {
        data: { values: lrRows },
        mark: { type: 'line' as const, interpolate: 'step-after' as const, color: '#54a24b', strokeWidth: 2, point: { size: 20, filled: true, color: '#54a24b' } },
        encoding: {
          x,
          y: {
            field: 'lr', type: 'quantitative' as const, title: null,
            // log: step decays read as equal steps; padded a decade so a constant LR is not on the frame
            scale: logLr ? { type: 'log' as const, domain: [lrLo / 3, lrHi * 3] } : { zero: true },
            axis: logLr ? { format: '.0e', values: decades(lrLo / 3, lrHi * 3) } : { format: '.2~g', tickCount: 4 },
          },
        },
      },
      ...(drops.length === 0 ? [] : [{
        data: { values: drops },
        mark: { type: 'text' as const, align: 'left' as const, dx: 3, fontSize: 10, color: '#555' },
        encoding: {
          x: { field: 'epoch', type: 'quantitative' as const },
          y: { field: 'py', type: 'quantitative' as const, scale: null },
          text: { field: 'label' },
        },
      }]),
    ],
  };

  const subtitle: string[] = [];
  const facts: string[] = [`${n} epoch${n === 1 ? '' : 's'}${h.epochs !== undefined && h.epochs > n ? ` of ${h.epochs}` : ''}`];
  const bl = argBest(h.loss_hist.val, (a, b) => a < b);
  if (bl >= 0) facts.push(`best val loss ${(h.loss_hist.val[bl] as number).toPrecision(3)} at epoch ${epoch(bl)}`);
  const ba = argBest(h.metric_hist.val, (a, b) => a > b);
  if (ba >= 0) facts.push(`best val accuracy ${((h.metric_hist.val[ba] as number) * 100).toFixed(1)}% at epoch ${epoch(ba)}`);
  subtitle.push(facts.join('  ·  '));
  if (notFinite.length > 0) {
    const first = notFinite.reduce((a, b) => (b.epoch < a.epoch ? b : a));
    subtitle.push(`✕ loss not finite (NaN/Inf) at ${notFinite.length} point${notFinite.length === 1 ? '' : 's'}, first at epoch ${first.epoch} (${first.split})`);
  }

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 12,
    title: { text: options.title ?? h.name ?? 'training', subtitle, anchor: 'start', fontSize: 16, subtitleColor: '#555', subtitlePadding: 6, offset: 8 },
    hconcat: h.lr.length > 0 ? [lossPanel, accPanel, lrPanel] : [lossPanel, accPanel],
    spacing: 28,
    resolve: { scale: { color: 'shared', x: 'independent', y: 'independent' } },
    config: {
      font: FONT_STACK,
      view: { stroke: '#d0d0d0' },
      axis: { gridColor: '#ececec', labelColor: '#444', titleColor: '#333', titleFontWeight: 'normal', labelFontSize: 10, titleFontSize: 11 },
      title: { fontSize: 13 },
      legend: { labelFontSize: 12 },
    },
  } as TopLevelSpec;
}

/** Draws the loss / accuracy / learning-rate curves of a training run. */
export async function historyChart(history: TrainingHistory, options: HistoryChartOptions = {}): Promise<Chart> {
  return renderSpec(historySpec(history, options), options);
}
