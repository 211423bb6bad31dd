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
import { Graph, getDefaultGraph, resetDefaultGraph } from './graph.js'
import { Operation } from './operation.js'
import { add, constant, identity, matmul, mul, noOp, placeholder } from './ops.js'
import { InteractiveSession, Session, withSession } from './session.js'
import { Tensor } from './tensor.js'

/** camelCase name → [TensorFlow Python name (null: none), implementation]. */
const TABLE = {
  constant: ['constant', constant],
  placeholder: ['placeholder', placeholder],
  add: ['add', add],
  mul: ['multiply', mul],
  matmul: ['matmul', matmul],
  identity: ['identity', identity],
  noOp: ['no_op', noOp],
  getDefaultGraph: ['get_default_graph', getDefaultGraph],
  resetDefaultGraph: ['reset_default_graph', resetDefaultGraph],
  getDefaultSession: ['get_default_session', getDefaultSession],
  withSession: [null, withSession],
} as const

type Table = typeof TABLE

/** The API functions under their camelCase names. */
export type CamelApi = { readonly [K in keyof Table]: Table[K][1] }

/** The API functions under TensorFlow's Python names. */
export type PythonApi = {
  readonly [K in keyof Table as Table[K][0] extends string ? Table[K][0] : never]: Table[K][1]
}

function derive(): { camel: CamelApi; python: PythonApi } {
  const camel: Record<string, unknown> = {}
  const python: Record<string, unknown> = {}
  for (const [camelName, [pythonName, fn]] of Object.entries(TABLE)) {
    camel[camelName] = fn
    if (pythonName !== null) python[pythonName] = fn
  }
  return { camel: camel as CamelApi, python: python as PythonApi }
}

const derived = derive()

/** The API functions under their camelCase names (`tf.matmul`, `tf.getDefaultGraph`, …). */
export const camelApi: CamelApi = Object.freeze(derived.camel)

/**
 * `tf.compat.v1`: TensorFlow 1's API for ports of TF1 code — the same classes as `tf.*`
 * (`tf.compat.v1.Session === tf.Session`) and the functions under their Python names
 * (`get_default_graph`, `reset_default_graph`, `get_default_session`, `multiply`, `no_op`, …).
 */
export const v1 = Object.freeze({
  ...derived.python,
  ...dtypeConstants,
  Graph,
  Operation,
  Tensor,
  Session,
  InteractiveSession,
  errors,
})

/** Compatibility namespaces: `tf.compat.v1`. */
export const compat = Object.freeze({ v1 })
