/**
 * The two edits a while loop makes to nodes it has already added: closing the loop (a `Merge`
 * input becomes the `NextIteration` built after it) and giving a loop variable's `Enter` its
 * shape invariant. Both change the engine's node and the {@link Operation} / {@link Tensor}
 * objects that mirror it.
 *
 * @packageDocumentation
 */

import { callNative } from '../native.js'
import type { Operation } from '../operation.js'
import { type Shape, shapeFromNative } from '../shape.js'
import type { Tensor } from '../tensor.js'

/** Makes input `index` of `merge` (a stand-in repeat of its input 0) the back edge from `source`. */
export function setBackEdge(merge: Operation, index: number, source: Tensor): void {
  const native = merge.graph.native
  callNative(() => native.setBackEdge(merge.id, index, { node: source.op.id, index: source.valueIndex }), native)
  const inputs = [...merge.inputs]
  inputs[index] = source
  ;(merge as unknown as { inputs: readonly Tensor[] }).inputs = Object.freeze(inputs)
}

/** Narrows the static shape of `t`, which nothing consumes yet, to `shape`. */
export function setStaticShape(t: Tensor, shape: Shape): void {
  const native = t.graph.native
  const dims = shape === null ? null : shape.map((d) => d ?? -1)
  const info = callNative(() => native.setOutputShape({ node: t.op.id, index: t.valueIndex }, dims), native)
  ;(t as unknown as { shape: Shape }).shape = Object.freeze(shapeFromNative(info.outputs[t.valueIndex].shape))
}
