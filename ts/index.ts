/**
 * sessionflow: TensorFlow-1-style graph sessions for TypeScript on a native engine.
 *
 * ```ts
 * import tf from 'sessionflow'
 *
 * const sess = new tf.compat.v1.InteractiveSession()
 * const a = tf.constant(5.0)
 * const b = tf.constant(6.0)
 * const c = tf.mul(a, b)
 * console.log(c.eval()) // 30
 * sess.close()
 * ```
 *
 * Everything is available both on the default export `tf` and as named exports.
 *
 * @packageDocumentation
 */

import { camelApi, compat, nn, train } from './api.js'
import { dtypeConstants } from './dtype.js'
import * as errors from './errors.js'
import { Graph } from './graph.js'
import { GraphDef } from './graph_def.js'
import { NDArray } from './ndarray.js'
import { RunMetadata, TraceLevel } from './run_metadata.js'
import { Operation } from './operation.js'
import { DeviceAttributes, InteractiveSession, Session } from './session.js'
import { Tensor } from './tensor.js'
import { Variable } from './variables.js'

export { compat, errors, nn, train }
export { getDefaultSession } from './default_session.js'
export {
  type DType,
  type Scalar,
  type TypedArray,
  DTYPES,
  bfloat16,
  bool,
  float16,
  float32,
  float64,
  int16,
  int32,
  int64,
  int8,
  resource,
  string,
  uint8,
} from './dtype.js'
export type { Callable, CallOptions } from './callable.js'
export { OpError } from './errors.js'
export type { FeedDict, FeedValue } from './feed.js'
export type { Fetch, FetchObject, FetchResult, FetchValue } from './fetch.js'
export {
  Graph,
  controlDependencies,
  device,
  getDefaultGraph,
  nameScope,
  resetDefaultGraph,
  setRandomSeed,
} from './graph.js'
export type { DeviceScope, OperationDescription } from './graph_context.js'
export { type GradientsOptions, gradients } from './gradients.js'
export {
  type CondOptions,
  type Nested,
  type TensorsOf,
  type WhileLoopOptions,
  cond,
  whileLoop,
} from './control_flow/index.js'
export {
  type AttrValueJson,
  type GraphDefJson,
  type NodeDefJson,
  type TensorJson,
  type TensorShapeJson,
  GraphDef,
} from './graph_def.js'
export { type ImportGraphDefOptions, importGraphDef } from './import_graph_def.js'
export type { GpuOptions, MemoryStats } from './memory.js'
export type { GraphOptions, OptimizerOptions, RewriteOptions, RewriteToggle } from './graph_options.js'
export { type ArrayElement, type ArrayValue, NDArray } from './ndarray.js'
export { Operation } from './operation.js'
export * from './ops/index.js'
export {
  type SessionConfig,
  type SessionOptions,
  DeviceAttributes,
  InteractiveSession,
  Session,
  withSession,
} from './session.js'
export { type NodeStats, type RunOptions, type TraceLevelName, RunMetadata, TraceLevel } from './run_metadata.js'
export type { Shape } from './shape.js'
export { Tensor } from './tensor.js'
export type { Value } from './values.js'
export * from './initializers.js'
export * from './collections.js'
export * from './train/index.js'
export {
  AUTO_REUSE,
  type GetVariableOptions,
  type Reuse,
  type VariableScope,
  type VariableScopeOptions,
} from './variable_scope.js'
export {
  type AssignOptions,
  type VariableOptions,
  Variable,
  assign,
  assignAdd,
  assignSub,
  globalVariables,
  globalVariablesInitializer,
  isVariableInitialized,
  localVariables,
  localVariablesInitializer,
  reportUninitializedVariables,
  trainableVariables,
  variablesInitializer,
} from './variables.js'
export { getVariable, variableScope } from './variable_scope.js'

/**
 * The `tf` namespace: op builders and graph/session functions (`tf.constant`, `tf.matmul`,
 * `tf.getDefaultGraph`, `tf.withSession`, …), the classes (`tf.Session`, `tf.Graph`, …), dtype
 * constants (`tf.float32`, …), `tf.errors` and `tf.compat.v1`.
 */
const tf = Object.freeze({
  ...camelApi,
  ...dtypeConstants,
  Graph,
  GraphDef,
  Operation,
  Tensor,
  NDArray,
  Variable,
  Session,
  InteractiveSession,
  DeviceAttributes,
  RunMetadata,
  TraceLevel,
  OpError: errors.OpError,
  errors,
  compat,
  nn,
  train,
})

export default tf
