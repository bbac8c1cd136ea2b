// The evaluation's metrics on logits whose answers are worked out by hand.
import { expect, it } from 'vitest';
import { classificationMetrics } from '../../pipeline/train/metrics.js';

it('top-1, top-5, mean per-class accuracy and the confusion matrix', () => {
  const classes = ['a', 'b', 'c', 'd', 'e', 'f'];
  // 4 clips: class a right; class a predicted b (a 2nd); class b right; class f with f ranked 6th (not in top 5).
  const logits = [
    9, 1, 0, 0, 0, 0,
    5, 6, 0, 0, 0, 0,
    0, 9, 1, 0, 0, 0,
    5, 4, 3, 2, 1, 0,
  ];
  const m = classificationMetrics(logits, [0, 0, 1, 5], classes);
  expect(m.clips).toBe(4);
  expect(m.top1).toBe(2 / 4);
  expect(m.top5).toBe(3 / 4);
  // a: 1/2, b: 1/1, f: 0/1 → mean over the three classes with clips
  expect(m.meanPerClass).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
  expect(m.perClass.map((c) => [c.name, c.clips, c.top1, c.top5])).toEqual([
    ['a', 2, 0.5, 1], ['b', 1, 1, 1], ['c', 0, 0, 0], ['d', 0, 0, 0], ['e', 0, 0, 0], ['f', 1, 0, 0],
  ]);
  expect(m.confusion[0]).toEqual([1, 1, 0, 0, 0, 0]);
  expect(m.confusion[1]).toEqual([0, 1, 0, 0, 0, 0]);
  expect(m.confusion[5]).toEqual([1, 0, 0, 0, 0, 0]);
  expect(m.confusion.flat().reduce((s, v) => s + v, 0)).toBe(4);
});

it('ties go to the lower class index; bad input is refused', () => {
  expect(classificationMetrics([1, 1], [1], ['x', 'y']).confusion).toEqual([[0, 0], [1, 0]]);
  expect(() => classificationMetrics([1, 2, 3], [0], ['x', 'y'])).toThrow('metrics: 3 logits for 1 clips of 2 classes (expected 2)');
  expect(() => classificationMetrics([1, 2], [2], ['x', 'y'])).toThrow('metrics: clip 0 has label 2, outside 0..1');
});
