// history.svg / history.png beside history.json: the loss, accuracy and learning-rate curves
// so far, redrawn after every epoch (vega-lite, rendered headlessly; see plots/).

import { historyChart, writeChart } from './plots/index.js';
import type { History } from './train-val.js';

export async function writeHistoryPlot(basePath: string, history: History, title: string, epochs?: number): Promise<{ svg: string; png: string }> {
  return writeChart(basePath, await historyChart({ ...history, name: title, epochs }));
}
