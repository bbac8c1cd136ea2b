import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  checkHistory, confusionChart, historyChart, writeChart, type Chart, type TrainingHistory,
} from '../../pipeline/train/plots/index.js';
import { resolveFonts } from '../../pipeline/train/plots/fonts.js';
import { textWidth } from '../../pipeline/train/plots/metrics.js';

const PLOTS = resolve(import.meta.dirname, '../../pipeline/train/plots');
const HAS_FONT = resolveFonts().family !== null;
const NO_FONTS = { fonts: { system: false } };

/** A 20-epoch run shaped like the seed's: LR ÷10 at epochs 8 and 15. */
function history(n = 20): TrainingHistory {
  const r = (i: number) => i / Math.max(1, n - 1);
  return {
    name: 'resnt18rnn test run',
    loss_hist: { train: range(n, (i) => 3.9 * Math.exp(-i / 5) + 0.3), val: range(n, (i) => 3.9 * Math.exp(-i / 6) + 0.8) },
    metric_hist: { train: range(n, (i) => 0.1 + 0.85 * r(i)), val: range(n, (i) => 0.08 + 0.5 * r(i)) },
    lr: range(n, (i) => (i < 8 ? 1e-3 : i < 15 ? 1e-4 : 1e-5)),
  };
}

function range<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** The strings of every <text> element (each line of a multi-line one), entities decoded. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<(text|tspan)\b[^>]*>([^<]*)<\/\1>/g)].map((m) =>
    m[2].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function ihdr(png: Uint8Array): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(Buffer.from(png.subarray(12, 16)).toString('latin1')).toBe('IHDR');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Checks what every chart must be: well-formed SVG (libxml2 via sharp parses it), a PNG at 2x its size. */
async function checkChart(chart: Chart): Promise<void> {
  const meta = await sharp(Buffer.from(chart.svg)).metadata(); // throws on malformed XML
  expect(meta.format).toBe('svg');
  expect(ihdr(chart.png)).toEqual({ width: chart.width, height: chart.height });
  expect(chart.width).toBe(Math.round(meta.width! * 2));
  expect(chart.height).toBe(Math.round(meta.height! * 2));
  const stats = await sharp(chart.png).stats();
  expect(stats.channels.slice(0, 3).some((c) => c.max - c.min > 100)).toBe(true); // not one flat colour
}

/** Pixels that differ between two same-size PNGs: what the text adds when fonts exist. */
async function differingPixels(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((p) => sharp(p).removeAlpha().raw().toBuffer()));
  expect(x.length).toBe(y.length);
  let n = 0;
  for (let i = 0; i < x.length; i += 3) if (x[i] !== y[i] || x[i + 1] !== y[i + 1] || x[i + 2] !== y[i + 2]) n++;
  return n;
}

describe('historyChart', () => {
  it('draws loss, accuracy and learning rate with titles, legend and LR drops', async () => {
    const chart = await historyChart(history());
    await checkChart(chart);
    const t = texts(chart.svg);
    for (const s of ['resnt18rnn test run', 'loss', 'accuracy', 'accuracy (%)', 'learning rate', 'epoch (from 0)', 'train', 'val']) {
      expect(t).toContain(s);
    }
    expect(t).toContain('→ 1e-4'); // the LR drops are labelled
    expect(t).toContain('→ 1e-5');
    expect(t).toContain('1e-3');
    expect(t.join(' ')).toMatch(/best val accuracy 58\.0% at epoch 19/);
    // 0-based epochs, as the seed prints them (read off the points' aria labels)
    expect(chart.svg).toContain('epoch (from 0): 0; loss: 4.2; split: train');
    expect(chart.svg).toContain('epoch (from 0): 19; accuracy (%): 58; split: val');
    expect(chart.svg).not.toContain('epoch (from 0): 20;');
    if (HAS_FONT) expect(chart.font).not.toBeNull();
  });

  it.skipIf(!HAS_FONT)('draws text into the PNG when a font exists', async () => {
    const [withText, without] = await Promise.all([historyChart(history()), historyChart(history(), NO_FONTS)]);
    // The only difference is the text: titles, ticks and legend are thousands of pixels at 2x.
    expect(await differingPixels(withText.png, without.png)).toBeGreaterThan(5000);
  });

  it('still draws the PNG, and says so, when no font is found', async () => {
    const chart = await historyChart(history(), NO_FONTS);
    await checkChart(chart);
    expect(chart.font).toBeNull();
    expect(chart.warnings.join(' ')).toMatch(/no text.*fonts-dejavu-core/);
  });

  it('counts epochs from 1 with epochBase: 1, and fixes the x axis to the planned epochs', async () => {
    const chart = await historyChart({ ...history(5), epochs: 30 }, { epochBase: 1, title: 'from one' });
    const t = texts(chart.svg);
    expect(t).toContain('from one');
    expect(t).toContain('epoch');
    expect(t).toContain('30'); // the axis reaches the planned last epoch
    expect(chart.svg).toContain('epoch: 1; loss: 4.2; split: train');
    expect(chart.svg).toContain('epoch: 5; loss:');
    expect(chart.svg).not.toContain('epoch: 0; loss:');
    expect(t.join(' ')).toMatch(/5 epochs of 30/);
  });

  it('draws a 1-epoch history (points, no lines to draw)', async () => {
    const h: TrainingHistory = { loss_hist: { train: [2.3], val: [2.5] }, metric_hist: { train: [0.2], val: [0.1] }, lr: [1e-3] };
    const chart = await historyChart(h);
    await checkChart(chart);
    expect(chart.svg).toMatch(/role-mark.*symbol|symbol/); // the points
    expect(texts(chart.svg).join(' ')).toMatch(/1 epoch +·/);
  });

  it('breaks the line at NaN / Inf / null losses and marks them', async () => {
    const h = history(10);
    h.loss_hist.train[6] = Number.NaN;
    h.loss_hist.train[7] = null; // what JSON.stringify writes for NaN
    h.loss_hist.val[7] = Number.POSITIVE_INFINITY;
    const chart = await historyChart(h);
    await checkChart(chart);
    const t = texts(chart.svg);
    expect(t.filter((s) => s === '✕')).toHaveLength(3);
    expect(t.join(' ')).toMatch(/loss not finite \(NaN\/Inf\) at 3 points, first at epoch 6 \(train\)/);
    expect(chart.svg).not.toMatch(/(d|transform|x|y)="[^"]*NaN/); // no NaN coordinates leak into the paths
  });

  it('draws a run without validation or LR record: no val legend entry, no LR panel', async () => {
    const h = history(6);
    h.loss_hist.val = [];
    h.metric_hist.val = [];
    h.lr = [];
    const t = texts((await historyChart(h)).svg);
    expect(t).toContain('train');
    expect(t).not.toContain('val');
    expect(t).not.toContain('learning rate');
  });

  it('refuses histories it cannot draw, saying what is wrong', async () => {
    const h = history(5);
    expect(() => checkHistory({ ...h, loss_hist: { train: [], val: [] } })).toThrow(/no epochs yet.*after the first epoch/);
    expect(() => checkHistory({ ...h, loss_hist: { train: h.loss_hist.train, val: [1, 2, 3, 4] } }))
      .toThrow(/loss_hist\.val has 4 values but loss_hist\.train has 5/);
    expect(() => checkHistory({ ...h, lr: [1e-3] })).toThrow(/lr has 1 values but loss_hist\.train has 5/);
    expect(() => checkHistory({ ...h, metric_hist: { train: [12, 20, 30, 40, 50], val: h.metric_hist.val } }))
      .toThrow(/metric_hist\.train\[0\] = 12 is outside \[0, 1\].*0\.12.*not a percent/);
    expect(() => checkHistory({ ...h, metric_hist: undefined })).toThrow(/no metric_hist/);
    expect(() => checkHistory({ ...h, loss_hist: { train: [1, 2, '3', 4, 5], val: [] } })).toThrow(/loss_hist\.train\[2\] is "3"/);
    expect(() => checkHistory(null)).toThrow(/expected a history object/);
    expect(() => checkHistory({ ...h, epochs: 0 })).toThrow(/epochs must be a positive integer/);
    await expect(historyChart({ ...h, lr: [1, 2] })).rejects.toThrow(/^historyChart: lr has 2 values/);
  });
});

const HMDB51 = readFileSync(resolve(import.meta.dirname, '../../../shared/hmdb51-splits/classInd.txt'), 'utf8')
  .trim().split('\n').map((l) => l.trim().split(/\s+/)[1]);

describe('confusionChart', () => {
  it('draws all 51 HMDB51 class names on both axes, counts in the cells', async () => {
    expect(HMDB51).toHaveLength(51);
    const m = HMDB51.map((_, i) => HMDB51.map((_, j) => (i === j ? 20 + (i % 7) : (i + 2 * j) % 11 === 0 ? 3 : 0)));
    const chart = await confusionChart(m, HMDB51, { title: 'split 1 test' });
    await checkChart(chart);
    const t = texts(chart.svg);
    for (const name of HMDB51) expect(t.filter((s) => s === name), name).toHaveLength(2);
    for (const s of ['true class', 'predicted class', 'split 1 test', '26', '3']) expect(t).toContain(s);
    const total = m.flat().reduce((a, b) => a + b, 0);
    const correct = m.reduce((a, row, i) => a + row[i], 0);
    expect(t.join(' ')).toContain(`accuracy ${((correct / total) * 100).toFixed(1)}% (${correct} of ${total})`);
    expect(t).not.toContain('0'); // zero cells are left blank (the legend says 0%)
    // sized from the class count: 51 cells of 18 px plus the axes, title and legend
    expect(chart.width / 2).toBeGreaterThan(51 * 18);
    expect(chart.width / 2).toBeLessThan(51 * 18 + 400);
  });

  it('draws a small matrix and escapes names XML would choke on', async () => {
    const names = ['a&b', '<c>', 'd "e"'];
    const chart = await confusionChart([[5, 1, 0], [0, 4, 2], [0, 0, 0]], names);
    await checkChart(chart); // parses as XML despite & < > "
    const t = texts(chart.svg);
    for (const name of names) expect(t).toContain(name);
    expect(t).toContain('confusion matrix');
  });

  it('refuses matrices that do not match the class names', async () => {
    await expect(confusionChart([[1, 0], [0, 1]], ['a', 'b', 'c'])).rejects.toThrow(/3 classes but 2 rows/);
    await expect(confusionChart([[1, 0], [0]], ['a', 'b'])).rejects.toThrow(/row 1 \(b\) has 1 columns, expected 2/);
    await expect(confusionChart([[1, -1], [0, 1]], ['a', 'b'])).rejects.toThrow(/matrix\[0\]\[1\] \(true a, predicted b\) is -1/);
    await expect(confusionChart([[1, Number.NaN], [0, 1]], ['a', 'b'])).rejects.toThrow(/is NaN, not a count/);
    await expect(confusionChart([[1, 0], [0, 1]], ['a', 'a'])).rejects.toThrow(/"a" appears twice/);
    await expect(confusionChart([], [])).rejects.toThrow(/non-empty/);
  });
});

describe('writeChart', () => {
  it('writes <base>.svg and <base>.png into a new folder, leaving no temporary files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgrad-plots-'));
    const chart = { svg: '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', png: Uint8Array.from(PNG_SIGNATURE) };
    const paths = await writeChart(join(dir, 'run/a/history.png'), chart); // a trailing .png is the base's, not doubled
    expect(paths).toEqual({ svg: join(dir, 'run/a/history.svg'), png: join(dir, 'run/a/history.png') });
    expect(readFileSync(paths.svg, 'utf8')).toBe(chart.svg);
    expect([...readFileSync(paths.png)]).toEqual(PNG_SIGNATURE);
    await writeChart(join(dir, 'run/a/history'), { ...chart, svg: '<svg/>' }); // overwrite in place
    expect(readFileSync(paths.svg, 'utf8')).toBe('<svg/>');
    expect(readdirSync(join(dir, 'run/a')).sort()).toEqual(['history.png', 'history.svg']);
    expect(existsSync(join(dir, 'run/a/history.svg.png'))).toBe(false);
  });
});

describe('plots module', () => {
  it('imports vega, vega-lite and resvg only lazily, and nothing from the engine or models', () => {
    for (const file of readdirSync(PLOTS).filter((f) => f.endsWith('.ts'))) {
      const src = readFileSync(join(PLOTS, file), 'utf8');
      const imports = [...src.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
      expect(imports.filter((m) => /^(vega|vega-lite|@resvg\/)/.test(m)), file).toEqual([]);
      expect(imports.filter((m) => /engine|models/.test(m) && !m.endsWith('/models/optional-package.js')), file).toEqual([]);
    }
  });

  it('measures text as DejaVu Sans does, not vega’s 0.8 em per character', () => {
    expect(textWidth({ fontSize: 10 }, 'brush_hair')).toBeCloseTo(52.5, 5); // 5.25 em in DejaVu Sans
    expect(textWidth({ fontSize: 10, fontWeight: 'bold' }, 'loss')).toBeGreaterThan(textWidth({ fontSize: 10 }, 'loss'));
    expect(textWidth({ fontSize: 10, limit: 20 }, 'sword_exercise')).toBe(20);
    expect(textWidth({ fontSize: 10 }, undefined)).toBe(0);
  });
});
