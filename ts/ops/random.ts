/**
 * Random tensors, reproducible with graph-level and op-level seeds.
 *
 * Each builder adds a stateful random op whose `seed`/`seed2` attrs follow TensorFlow's
 * `get_seed`: with a graph-level seed ({@link setRandomSeed}) and no op seed, the op seed counts
 * the graph's seedless random ops so far (0, 1, 2, …, as TensorFlow 2's `tf.compat.v1` does);
 * with only an op seed, the graph seed is 87654321; with neither, both are 0 and the values
 * differ on every session. The values are TensorFlow's for the same seeds. Consecutive runs of
 * one session continue an op's sequence; a new session starts it again.
 *
 * @packageDocumentation
 */

import type { DType } from '../dtype.js'
import { InvalidArgumentError } from '../errors.js'
import type { Graph } from '../graph.js'
import { Tensor } from '../tensor.js'
import { type TensorLike, addNode, binaryOp, checkDType, constantIn, graphOf } from './core.js'

/** TF's `random_seed.DEFAULT_GRAPH_SEED`, used when only an op seed is given. */
const DEFAULT_GRAPH_SEED = 87654321
/** Seeds are reduced modulo 2^31 - 1, as TF's `_truncate_seed`. */
const MAXINT32 = 2 ** 31 - 1

/** Per graph, how many random ops took their op seed from the graph (TF's `_graph_to_seed_dict`). */
const seedCounters = new WeakMap<Graph, number>()

function truncateSeed(seed: number): number {
  return ((seed % MAXINT32) + MAXINT32) % MAXINT32
}

/**
 * The `(seed, seed2)` attrs of a random op added to `graph` now, from the graph-level seed and
 * the op-level `seed` (TF's `random_seed.get_seed`).
 *
 * @internal
 */
export function getSeed(graph: Graph, opSeed: number | undefined): [number, number] {
  if (opSeed !== undefined && !Number.isSafeInteger(opSeed)) {
    throw new InvalidArgumentError(`The random seed must be an integer, got ${opSeed}`)
  }
  let seeds: [number, number]
  if (graph.seed !== null) {
    let op = opSeed
    if (op === undefined) {
      op = seedCounters.get(graph) ?? 0
      seedCounters.set(graph, op + 1)
    }
    seeds = [truncateSeed(graph.seed), truncateSeed(op)]
  } else if (opSeed !== undefined) {
    seeds = [DEFAULT_GRAPH_SEED, truncateSeed(opSeed)]
  } else {
    return [0, 0]
  }
  // (0, 0) would mean "nondeterministic" to the kernel.
  return seeds[0] === 0 && seeds[1] === 0 ? [0, MAXINT32] : seeds
}

/** A name scope for the nodes of one builder call: `base`, or `base_1`, … when taken. */
function uniqueScope(graph: Graph, base: string, inner: string): string {
  const taken = (name: string): boolean =>
    graph.native.nodeByName(name) !== null || graph.native.nodeByName(`${name}/${inner}`) !== null
  let scope = base
  for (let i = 1; taken(scope); i++) scope = `${base}_${i}`
  return scope
}

/** `value` as a tensor of `graph`: tensors pass through, plain values become named constants. */
function named(graph: Graph, value: TensorLike, dtype: DType | undefined, name: string): Tensor {
  return value instanceof Tensor ? value : constantIn(graph, value, { dtype, name })
}

/** Options shared by the random builders. */
interface SeedOptions {
  /** The element type. */
  dtype?: DType
  /** The op-level seed (combined with the graph-level seed, see {@link getSeed}). */
  seed?: number
  /** The name scope of the nodes; also the name of the result. */
  name?: string
}

/** Options of {@link randomUniform}. */
export interface RandomUniformOptions extends SeedOptions {
  /** The lower bound (inclusive); 0 by default. */
  minval?: TensorLike
  /** The upper bound (exclusive); 1 by default for floats, required for integers. */
  maxval?: TensorLike
}

function randomOp(
  graph: Graph,
  op: string,
  scope: string,
  inputs: Tensor[],
  dtype: DType | undefined,
  seed: number | undefined,
  name: string,
): Tensor {
  const [seed1, seed2] = getSeed(graph, seed)
  const attrs = {
    seed: { i: seed1 },
    seed2: { i: seed2 },
    ...(dtype === undefined ? {} : { dtype: { type: dtype } }),
  }
  return addNode(graph, op, name === '' ? `${scope}/${op}` : name, inputs, attrs)[0]
}

/**
 * Uniform random values in `[minval, maxval)` (TF1's `random_uniform`): floats from op
 * `RandomUniform` scaled and shifted by `Mul`/`AddV2`, integers (dtype int32 or int64) from op
 * `RandomUniformInt`.
 *
 * @param shape - The output shape: an array of sizes or a 1-D int tensor.
 * @example `tf.randomUniform([2, 3], { minval: -1, maxval: 1, seed: 7 })`
 */
export function randomUniform(shape: TensorLike, options: RandomUniformOptions = {}): Tensor {
  const dtype = options.dtype ?? 'float32'
  checkDType(dtype)
  const { minval = 0, maxval } = options
  const integer = dtype === 'int32' || dtype === 'int64'
  if (integer && maxval === undefined) {
    throw new InvalidArgumentError(`Must specify maxval for integer dtype ${dtype}`)
  }
  const graph = graphOf(shape, minval, maxval)
  const op = integer ? 'RandomUniformInt' : 'RandomUniform'
  const scope = uniqueScope(graph, options.name ?? 'random_uniform', op)
  const shapeT = named(graph, shape, 'int32', `${scope}/shape`)
  // TF skips the bounds for the [0, 1) default.
  const unit = minval === 0 && (maxval === undefined || maxval === 1) && !integer
  if (unit) return randomOp(graph, op, scope, [shapeT], dtype, options.seed, '')
  const lo = named(graph, minval, dtype, `${scope}/min`)
  const hi = named(graph, maxval ?? 1, dtype, `${scope}/max`)
  if (integer) return randomOp(graph, op, scope, [shapeT, lo, hi], undefined, options.seed, scope)
  const rnd = randomOp(graph, op, scope, [shapeT], dtype, options.seed, '')
  if (minval === 0) return binaryOp('Mul', `${scope}/Mul`, rnd, hi)
  // maxval - minval: a constant for plain numbers, else maxval + (-1 · minval) (exact in IEEE).
  const width =
    typeof minval === 'number' && typeof maxval === 'number'
      ? constantIn(graph, maxval - minval, { dtype, name: `${scope}/sub` })
      : binaryOp('AddV2', `${scope}/sub`, hi, binaryOp('Mul', `${scope}/neg`, lo, -1))
  return binaryOp('AddV2', scope, binaryOp('Mul', `${scope}/mul`, rnd, width), lo)
}

/** Options of {@link randomNormal} and {@link truncatedNormal}. */
export interface RandomNormalOptions extends SeedOptions {
  /** The mean; 0 by default. */
  mean?: TensorLike
  /** The standard deviation; 1 by default. */
  stddev?: TensorLike
}

function normal(op: string, base: string, shape: TensorLike, options: RandomNormalOptions): Tensor {
  const dtype = options.dtype ?? 'float32'
  checkDType(dtype)
  const { mean = 0, stddev = 1 } = options
  const graph = graphOf(shape, mean, stddev)
  const scope = uniqueScope(graph, options.name ?? base, op)
  const shapeT = named(graph, shape, 'int32', `${scope}/shape`)
  const meanT = named(graph, mean, dtype, `${scope}/mean`)
  const stddevT = named(graph, stddev, dtype, `${scope}/stddev`)
  const rnd = randomOp(graph, op, scope, [shapeT], dtype, options.seed, '')
  return binaryOp('AddV2', scope, binaryOp('Mul', `${scope}/mul`, rnd, stddevT), meanT)
}

/**
 * Normally distributed random values (TF1's `random_normal`): op `RandomStandardNormal`, then
 * `· stddev + mean`.
 *
 * @example `tf.randomNormal([100], { mean: 5, stddev: 2, seed: 1 })`
 */
export function randomNormal(shape: TensorLike, options: RandomNormalOptions = {}): Tensor {
  return normal('RandomStandardNormal', 'random_normal', shape, options)
}

/**
 * Normally distributed random values with those beyond two standard deviations drawn again
 * (TF1's `truncated_normal`): op `TruncatedNormal`, then `· stddev + mean`.
 */
export function truncatedNormal(shape: TensorLike, options: RandomNormalOptions = {}): Tensor {
  return normal('TruncatedNormal', 'truncated_normal', shape, options)
}

/** The builders of this family, for the API table (camelCase name → [TensorFlow Python name, function]). @internal */
export const RANDOM_TABLE = {
  randomUniform: ['random_uniform', randomUniform],
  randomNormal: ['random_normal', randomNormal],
  truncatedNormal: ['truncated_normal', truncatedNormal],
} as const
