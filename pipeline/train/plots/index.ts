// The training job's charts: loss / accuracy / learning-rate curves and a confusion matrix, as
// vega-lite specs rendered headlessly by vega (SVG) and resvg (PNG, 2x). Engine-free: depends on
// neither engine/ nor models/ — except models/optional-package.ts, the engine-free loader of webgrad's
// optional peer dependencies, through which vega is imported only when a chart is first drawn.
//
//   const chart = await historyChart(JSON.parse(readFileSync('history.json', 'utf8')));
//   await writeChart('runs/x/history', chart);          // runs/x/history.svg + runs/x/history.png
//   await writeChart('runs/x/confusion', await confusionChart(matrix, classNames));
export { historyChart, historySpec, checkHistory } from './history.js';
export type { TrainingHistory, EpochSeries, HistoryChartOptions } from './history.js';
export { confusionChart, confusionSpec } from './confusion.js';
export type { ConfusionChartOptions } from './confusion.js';
export { renderSpec, writeChart, loadPlotLibs } from './render.js';
export type { Chart, RenderOptions, VegaLiteSpec } from './render.js';
export type { FontOptions } from './fonts.js';
