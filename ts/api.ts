/**
 * The one table of user-facing functions: each entry gives the camelCase name of our API and
 * TensorFlow's Python name, from which both `tf.<camelName>` and `tf.compat.v1.<python_name>`
 * are derived.
 *
 * @packageDocumentation
 */

import { dtypeConstants } from './dtype.js'
import * as errors from './errors.js'
import { getDefaultSession } from './default_session.js'
import {
  Graph,
  controlDependencies,
  device,
  getDefaultGraph,
  nameScope,
  resetDefaultGraph,
  setRandomSeed,
} from './graph.js'
import { GRADIENTS_TABLE } from './gradients.js'
import { CONTROL_FLOW_TABLE } from './control_flow/index.js'
import { Operation } from './operation.js'
import {
  ARRAY_TABLE,
  CORE_TABLE,
  INDEXING_TABLE,
  LINALG_TABLE,
  MATH_TABLE,
  NN_ACTIVATION_TABLE,
  NN_CONV_TABLE,
  RANDOM_TABLE,
  REDUCTION_TABLE,
} from './ops/index.js'
import { importGraphDef } from './import_graph_def.js'
import { InteractiveSession, Session, withSession } from './session.js'
import { Tensor } from './tensor.js'
import { COLLECTIONS_TABLE, GraphKeys } from './collections.js'
import { INITIALIZERS_TABLE } from './initializers.js'
import { TRAIN_TABLE } from './train/index.js'
import { AUTO_REUSE, VARIABLE_SCOPE_TABLE } from './variable_scope.js'
import { VARIABLES_TABLE, Variable } from './variables.js'

/** camelCase name → [TensorFlow Python name (null: none), implementation], for `tf.*`. */
const TABLE = {
  ...CORE_TABLE,
  ...ARRAY_TABLE,
  ...INDEXING_TABLE,
  ...MATH_TABLE,
  ...LINALG_TABLE,
  ...REDUCTION_TABLE,
  ...RANDOM_TABLE,
  ...GRADIENTS_TABLE,
  ...VARIABLES_TABLE,
  ...VARIABLE_SCOPE_TABLE,
  ...INITIALIZERS_TABLE,
  ...COLLECTIONS_TABLE,
  ...CONTROL_FLOW_TABLE,
  getDefaultGraph: ['get_default_graph', getDefaultGraph],
  setRandomSeed: ['set_random_seed', setRandomSeed],
  nameScope: ['name_scope', nameScope],
  controlDependencies: ['control_dependencies', controlDependencies],
  device: ['device', device],
  resetDefaultGraph: ['reset_default_graph', resetDefaultGraph],
  getDefaultSession: ['get_default_session', getDefaultSession],
  withSession: [null, withSession],
  importGraphDef: ['import_graph_def', importGraphDef],
} as const

/** The same, for `tf.nn.*`. */
const NN_TABLE = {
  ...NN_ACTIVATION_TABLE,
  ...NN_CONV_TABLE,
} as const

/** The same, for `tf.train.*`. */
const TRAIN = {
  ...TRAIN_TABLE,
} as const

type AnyTable = Readonly<Record<string, readonly [string | null, unknown]>>

/** A table's functions under their camelCase names. */
export type CamelApi<T extends AnyTable> = { readonly [K in keyof T]: T[K][1] }

/** A table's functions under TensorFlow's Python names. */
export type PythonApi<T extends AnyTable> = {
  readonly [K in keyof T as T[K][0] extends string ? T[K][0] : never]: T[K][1]
}

function derive<T extends AnyTable>(table: T): { camel: CamelApi<T>; python: PythonApi<T> } {
  const camel: Record<string, unknown> = {}
  const python: Record<string, unknown> = {}
  for (const [camelName, [pythonName, fn]] of Object.entries(table)) {
    camel[camelName] = fn
    if (pythonName !== null) python[pythonName] = fn
  }
  return { camel: Object.freeze(camel) as CamelApi<T>, python: Object.freeze(python) as PythonApi<T> }
}

const derived = derive(TABLE)
const derivedNn = derive(NN_TABLE)
const derivedTrain = derive(TRAIN)

/** The API functions under their camelCase names (`tf.matmul`, `tf.getDefaultGraph`, …). */
export const camelApi: CamelApi<typeof TABLE> = derived.camel

/** `tf.nn`: neural-network ops under camelCase names (`tf.nn.conv2d`, `tf.nn.softmax`, …). */
export const nn: CamelApi<typeof NN_TABLE> = derivedNn.camel

/**
 * `tf.train`: the optimizers (`GradientDescentOptimizer`, `MomentumOptimizer`, `AdamOptimizer`,
 * `RMSPropOptimizer`, `AdagradOptimizer`), the global step (`getOrCreateGlobalStep`, …) and
 * checkpoints (`Saver`, `latestCheckpoint`, `listVariables`, `loadVariable`, …).
 */
export const train: CamelApi<typeof TRAIN> = derivedTrain.camel

/**
 * `tf.compat.v1`: TensorFlow 1's API for ports of TF1 code — the same classes as `tf.*`
 * (`tf.compat.v1.Session === tf.Session`) and the functions under their Python names
 * (`get_default_graph`, `reset_default_graph`, `get_default_session`, `multiply`, `no_op`, …).
 */
export const v1 = Object.freeze({
  ...derived.python,
  nn: derivedNn.python,
  train: derivedTrain.python,
  ...dtypeConstants,
  Graph,
  Operation,
  Tensor,
  Session,
  InteractiveSession,
  Variable,
  GraphKeys,
  AUTO_REUSE,
  errors,
})

/** Compatibility namespaces: `tf.compat.v1`. */
export const compat = Object.freeze({ v1 })
