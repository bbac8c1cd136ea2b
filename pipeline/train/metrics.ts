// Classification metrics from logits: top-1 and top-5 accuracy over clips, mean per-class
// accuracy (HMDB51's classes are balanced by design, but a split need not be), a per-class table
// and the confusion matrix (row = true class, column = top-1 prediction).

export interface ClassMetrics {
  name: string;
  clips: number;
  top1: number;
  top5: number;
}

export interface Metrics {
  clips: number;
  top1: number;
  top5: number;
  /** The unweighted mean of the per-class top-1 accuracies (classes with no clips left out). */
  meanPerClass: number;
  perClass: ClassMetrics[];
  confusion: number[][];
}

/** logits: [N, C] row-major; labels: N class indices. */
export function classificationMetrics(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: readonly string[]): Metrics {
  const C = classes.length;
  const N = labels.length;
  if (logits.length !== N * C) throw new Error(`metrics: ${logits.length} logits for ${N} clips of ${C} classes (expected ${N * C})`);
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const hits = classes.map((name) => ({ name, clips: 0, top1: 0, top5: 0 }));
  let top1 = 0;
  let top5 = 0;
  for (let i = 0; i < N; i++) {
    const label = labels[i]!;
    if (!(label >= 0 && label < C)) throw new Error(`metrics: clip ${i} has label ${label}, outside 0..${C - 1}`);
    const row = Array.from({ length: C }, (_, c) => logits[i * C + c]!);
    const order = row.map((_, c) => c).sort((a, b) => row[b]! - row[a]! || a - b);
    const inTop5 = order.slice(0, 5).includes(label);
    confusion[label]![order[0]!]!++;
    hits[label]!.clips++;
    if (order[0] === label) { top1++; hits[label]!.top1++; }
    if (inTop5) { top5++; hits[label]!.top5++; }
  }
  const perClass = hits.map((h) => ({ name: h.name, clips: h.clips, top1: h.clips ? h.top1 / h.clips : 0, top5: h.clips ? h.top5 / h.clips : 0 }));
  const present = perClass.filter((c) => c.clips > 0);
  return {
    clips: N, top1: N ? top1 / N : 0, top5: N ? top5 / N : 0,
    meanPerClass: present.length ? present.reduce((s, c) => s + c.top1, 0) / present.length : 0,
    perClass, confusion,
  };
}
