// One node of the reverse-mode tape: the op that produced a tensor, the tensors it saved,
// and where each input's gradient goes. Nodes are reference-counted (by live output
// handles and by downstream nodes) so that the memory a graph pins is released as soon as
// nothing can reach it — not when the garbage collector gets round to it.

import { profileScope } from '../kernels/profile.js';
import type { Tensor } from '../tensor/tensor.js';

export type Edge = { node: GradNode } | { leaf: Tensor } | null;

/** Gradient of the node's output → gradient of each input (null where none flows). */
export type BackwardFn = (gradOutput: Tensor, saved: readonly Tensor[]) => Array<Tensor | null>;

export class GradNode {
  refs = 0;
  consumed = false;
  /** Non-leaf outputs whose gradient backward keeps in their .grad (Tensor.retainGrad()). */
  readonly retainers = new Set<Tensor>();
  /** The profiling scope of the forward that recorded this node: its backward kernels are charged there. */
  readonly scope = profileScope();
  private savedVersions: number[];

  constructor(
    readonly name: string,
    readonly edges: Edge[],
    private saved: Tensor[],
    readonly backwardFn: BackwardFn,
  ) {
    for (const edge of edges) if (edge && 'node' in edge) edge.node.refs++;
    this.savedVersions = saved.map((t) => t.storage.version);
  }

  savedTensors(): readonly Tensor[] {
    if (this.consumed) {
      throw new Error(`backward: trying to backward through the graph a second time (through ${this.name}); ` +
        'its saved tensors were freed after the first backward. Pass { retainGraph: true } to the first backward() if you need to.');
    }
    this.saved.forEach((t, i) => {
      if (t.storage.version !== this.savedVersions[i]) {
        throw new Error(`backward: a tensor saved by ${this.name} (shape [${t.shape.join(',')}]) was modified in place after it was saved; ` +
          'clone() it before modifying, or modify it after backward().');
      }
    });
    return this.saved;
  }

  /** Frees the saved tensors (after a backward without retainGraph). */
  freeSaved(): void {
    if (this.consumed) return;
    this.consumed = true;
    for (const t of this.saved) t.dispose();
    this.saved = [];
  }

  decRef(): void {
    if (--this.refs > 0) return;
    this.freeSaved();
    for (const edge of this.edges) if (edge && 'node' in edge) edge.node.decRef();
  }
}
