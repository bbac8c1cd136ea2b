// A small canvas chart of the training history (loss and accuracy per epoch, training and validation),
// redrawn after every epoch. Two panels side by side; the y range of the loss panel follows the data,
// accuracy is 0..1.

import type { History } from '../../pipeline/train/train-val.js';

const COLORS = { train: '#2f6fde', val: '#e0582b' };

interface Panel { title: string; train: number[]; val: number[]; min: number; max: number; format: (v: number) => string }

function drawPanel(ctx: CanvasRenderingContext2D, p: Panel, x0: number, y0: number, w: number, h: number, epochs: number): void {
  const left = x0 + 44;
  const right = x0 + w - 10;
  const top = y0 + 24;
  const bottom = y0 + h - 26;
  ctx.fillStyle = '#222';
  ctx.font = '13px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText(p.title, x0 + 6, y0 + 15);
  ctx.strokeStyle = '#ccc';
  ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#666';
  for (let i = 0; i <= 4; i++) {
    const v = p.min + ((p.max - p.min) * i) / 4;
    const y = bottom - ((bottom - top) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(right, y);
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText(p.format(v), left - 4, y + 4);
  }
  ctx.textAlign = 'center';
  const last = Math.max(1, epochs - 1);
  for (const e of [0, Math.round(last / 2), last]) ctx.fillText(String(e), left + ((right - left) * e) / last, bottom + 14);
  ctx.fillText('epoch', (left + right) / 2, bottom + 24);
  const xOf = (e: number) => left + ((right - left) * e) / last;
  const yOf = (v: number) => bottom - ((bottom - top) * (v - p.min)) / (p.max - p.min || 1);
  for (const [key, values] of [['train', p.train], ['val', p.val]] as const) {
    ctx.strokeStyle = COLORS[key];
    ctx.lineWidth = 2;
    ctx.beginPath();
    values.forEach((v, e) => (e === 0 ? ctx.moveTo(xOf(e), yOf(v)) : ctx.lineTo(xOf(e), yOf(v))));
    ctx.stroke();
  }
}

/** Draws `history` for a run of `epochs` epochs onto the canvas (sized by its CSS box and the pixel ratio). */
export function drawHistory(canvas: HTMLCanvasElement, history: History, epochs: number): void {
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth || 640;
  const cssHeight = canvas.clientHeight || 220;
  canvas.width = Math.round(cssWidth * ratio);
  canvas.height = Math.round(cssHeight * ratio);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);
  const losses = [...history.loss_hist.train, ...history.loss_hist.val].filter(Number.isFinite);
  const half = cssWidth / 2;
  drawPanel(ctx, {
    title: 'loss (cross-entropy per clip)', train: history.loss_hist.train, val: history.loss_hist.val,
    min: 0, max: Math.max(0.1, ...losses) * 1.05, format: (v) => v.toFixed(2),
  }, 0, 0, half, cssHeight, epochs);
  drawPanel(ctx, {
    title: 'accuracy', train: history.metric_hist.train, val: history.metric_hist.val,
    min: 0, max: 1, format: (v) => `${Math.round(v * 100)}%`,
  }, half, 0, half, cssHeight, epochs);
  // legend
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'left';
  const entries = [['train', 'training'], ['val', 'validation']] as const;
  // measured, so the last label ends inside the canvas whatever the font
  const widths = entries.map(([, label]) => 16 + ctx.measureText(label).width + 12);
  let x = cssWidth - 8 - widths.reduce((a, b) => a + b, 0);
  entries.forEach(([key, label], i) => {
    ctx.fillStyle = COLORS[key];
    ctx.fillRect(x, 8, 12, 4);
    ctx.fillStyle = '#222';
    ctx.fillText(label, x + 16, 14);
    x += widths[i]!;
  });
}
