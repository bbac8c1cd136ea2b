// The engine-core workloads: matmul, elementwise add, a 3-op chain, and a big sum.

import * as wg from '../../engine/index.js';
import type { Workload } from '../harness.js';
import { loadTfjs } from '../tfjs.js';

type Tf = NonNullable<Awaited<ReturnType<typeof loadTfjs>>>;

function matmul(tf: Tf | undefined, n: number): Workload {
  return {
    name: 'matmul',
    shape: [n, n, n],
    flops: 2 * n ** 3,
    ours() {
      const a = wg.randn([n, n]);
      const b = wg.randn([n, n]);
      let c: wg.Tensor | undefined;
      return { run: () => { c?.dispose(); c = wg.matmul(a, b); }, dispose: () => { a.dispose(); b.dispose(); c?.dispose(); } };
    },
    tfjs: tf && (() => {
      const a = tf.randomNormal([n, n]);
      const b = tf.randomNormal([n, n]);
      let c: ReturnType<Tf['matMul']> | undefined;
      return { run: () => { c?.dispose(); c = tf.matMul(a, b); }, dispose: () => { a.dispose(); b.dispose(); c?.dispose(); } };
    }),
  };
}

function elementwise(tf: Tf | undefined, name: string, n: number, ops: number): Workload {
  // add reads 2 and writes 1 tensor; the chain ((a + b) · a − b) makes 3 passes over memory.
  const bytes = ops === 1 ? 3 * 4 * n : (3 + 3 + 3) * 4 * n;
  return {
    name,
    shape: [n],
    bytes,
    ours() {
      const a = wg.randn([n]);
      const b = wg.randn([n]);
      let c: wg.Tensor | undefined;
      const run = () => {
        c?.dispose();
        c = ops === 1 ? wg.add(a, b) : wg.tidy(() => wg.add(a, b).mul(a).sub(b));
      };
      return { run, dispose: () => { a.dispose(); b.dispose(); c?.dispose(); } };
    },
    tfjs: tf && (() => {
      const a = tf.randomNormal([n]);
      const b = tf.randomNormal([n]);
      let c: ReturnType<Tf['add']> | undefined;
      const run = () => {
        c?.dispose();
        c = ops === 1 ? tf.add(a, b) : tf.tidy(() => tf.sub(tf.mul(tf.add(a, b), a), b));
      };
      return { run, dispose: () => { a.dispose(); b.dispose(); c?.dispose(); } };
    }),
  };
}

function sum(tf: Tf | undefined, n: number): Workload {
  return {
    name: 'sum',
    shape: [n],
    bytes: 4 * n,
    ours() {
      const a = wg.rand([n]);
      let c: wg.Tensor | undefined;
      return { run: () => { c?.dispose(); c = wg.sum(a); }, dispose: () => { a.dispose(); c?.dispose(); } };
    },
    tfjs: tf && (() => {
      const a = tf.randomUniform([n]);
      let c: ReturnType<Tf['sum']> | undefined;
      return { run: () => { c?.dispose(); c = tf.sum(a); }, dispose: () => { a.dispose(); c?.dispose(); } };
    }),
  };
}

export function coreWorkloads(tf: Tf | undefined): Workload[] {
  const n = 16 * 1024 * 1024;
  return [
    ...[256, 512, 1024, 2048].map((size) => matmul(tf, size)),
    elementwise(tf, 'add', n, 1),
    elementwise(tf, 'chain3', n, 3),
    sum(tf, n),
  ];
}
