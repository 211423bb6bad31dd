/**
 * `tf.cond` with TensorFlow 1's semantics (`tf.compat.v1.cond` under control flow v1): a
 * `Switch` per captured tensor routes values into the taken branch only, so the other branch's
 * operations do not run; a `Merge` per output forwards whichever branch ran.
 *
 * @packageDocumentation
 */

import { InvalidArgumentError } from '../errors.js'
import { type Graph } from '../graph.js'
import { Operation } from '../operation.js'
import { type TensorLike, graphOf, toTensor } from '../ops/core.js'
import type { Tensor } from '../tensor.js'
import { ControlFlowContext } from './context.js'
import { type TensorsOf, describeStructure, flatten, pack, sameStructure } from './nest.js'

/** Options of {@link cond}. */
export interface CondOptions {
  /** The name scope of the conditional's nodes; `"cond"` by default (made unique). */
  name?: string
}

/** One branch of a conditional: values captured through `Switch` output `branch` on `pred`. */
export class CondContext extends ControlFlowContext {
  readonly pred: Tensor
  /** 1 for the true branch, 0 for the false one (the `Switch` output taken). */
  readonly branch: 0 | 1
  readonly #pivot: Operation

  constructor(graph: Graph, pred: Tensor, pivot: Operation, branch: 0 | 1) {
    super(graph)
    this.pred = pred
    this.#pivot = pivot
    this.branch = branch
  }

  /** The branch's pivot: an Identity of the predicate's own Switch output. */
  protected pivot(): Operation {
    return this.#pivot
  }

  protected makeCapture(t: Tensor): Tensor {
    return this.graph.addOperation({ op: 'Switch', name: 'Switch', inputs: [t, this.pred] }).outputs[this.branch]
  }

  controlFromOutside(op: Operation): Operation {
    const outer = this.outer
    // A conditional has no frame of its own: only an enclosing loop can stand between.
    return outer === null || outer.contains(op) ? op : outer.controlFromOutside(op)
  }
}

/**
 * Runs `trueFn` or `falseFn` depending on `pred` (TF1's `tf.cond`). Both functions are called
 * once, while the graph is built, and must return the same structure (a tensor or value, or
 * arrays and plain objects of them) with the same dtypes; the result has that structure, each
 * leaf a `Merge` of the two branches. Tensors from outside that a branch uses are captured
 * through a `Switch`, so only the taken branch's operations run.
 *
 * @param pred - A boolean scalar.
 * @param trueFn - Builds the branch taken when `pred` is true.
 * @param falseFn - Builds the branch taken when `pred` is false (the same structure as `trueFn`'s).
 * @param options - The name scope, or just the name.
 * @throws InvalidArgumentError when `pred` is not a boolean scalar or the branches disagree in
 *   structure or dtypes.
 * @example
 * ```ts
 * const x = tf.placeholder('float32', [])
 * const y = tf.cond(tf.less(x, 0), () => tf.neg(x), () => x) // |x|
 * ```
 */
export function cond<T>(
  pred: TensorLike,
  trueFn: () => T,
  falseFn: () => unknown,
  options?: CondOptions | string,
): TensorsOf<T> {
  if (typeof trueFn !== 'function' || typeof falseFn !== 'function') {
    throw new InvalidArgumentError('cond needs trueFn and falseFn functions')
  }
  const opts: CondOptions = typeof options === 'string' ? { name: options } : (options ?? {})
  const graph = graphOf(pred)
  return graph.nameScope(opts.name ?? 'cond', () => {
    const p = toTensor(graph, pred, 'bool')
    if (p.dtype !== 'bool') {
      throw new InvalidArgumentError(`The predicate of cond must be a bool tensor, got ${String(p)}`)
    }
    if (p.shape !== null && p.shape.length !== 0) {
      throw new InvalidArgumentError(`The predicate of cond must be a scalar, got ${String(p)}`)
    }
    const [predFalse, predTrue] = graph.addOperation({ op: 'Switch', name: 'Switch', inputs: [p, p] }).outputs
    const pivotTrue = graph.addOperation({ op: 'Identity', name: 'switch_t', inputs: [predTrue] })
    const pivotFalse = graph.addOperation({ op: 'Identity', name: 'switch_f', inputs: [predFalse] })
    const whenTrue = buildBranch(new CondContext(graph, p, pivotTrue, 1), trueFn, 'trueFn')
    const whenFalse = buildBranch(new CondContext(graph, p, pivotFalse, 0), falseFn, 'falseFn')
    if (!sameStructure(whenTrue.structure, whenFalse.structure)) {
      throw new InvalidArgumentError(
        'trueFn and falseFn must return the same structure: trueFn returned ' +
          `${describeStructure(whenTrue.structure)} and falseFn ${describeStructure(whenFalse.structure)}`,
      )
    }
    whenTrue.flat.forEach((t, k) => {
      const f = whenFalse.flat[k]
      if (t.dtype !== f.dtype) {
        throw new InvalidArgumentError(
          `Outputs of trueFn and falseFn must have the same dtype: output ${k} is ${t.dtype} in trueFn and ${f.dtype} in falseFn`,
        )
      }
    })
    const merged = whenTrue.flat.map(
      (t, k) => graph.addOperation({ op: 'Merge', name: 'Merge', inputs: [whenFalse.flat[k], t] }).outputs[0],
    )
    return pack(whenTrue.structure, merged) as TensorsOf<T>
  })
}

/** Builds one branch in `context`: its result's structure and leaves as tensors of the branch. */
function buildBranch(context: CondContext, fn: () => unknown, what: string): { structure: unknown; flat: Tensor[] } {
  const structure = context.run(fn)
  const leaves = flatten(structure)
  if (leaves.length === 0) throw new InvalidArgumentError(`${what} must return at least one tensor`)
  const flat = context.run(() =>
    leaves.map((leaf, k) => {
      if (leaf instanceof Operation || leaf === undefined || leaf === null || typeof leaf === 'function') {
        throw new InvalidArgumentError(`${what} must return tensors or values; output ${k} is ${String(leaf)}`)
      }
      // A branch may return a value from outside: it is captured, so it too is dead when untaken.
      return context.capture(toTensor(context.graph, leaf as TensorLike))
    }),
  )
  return { structure, flat }
}
