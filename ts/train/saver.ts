/**
 * {@link Saver}: TF1's `tf.compat.v1.train.Saver` — saves variables to, and restores them from,
 * checkpoints in TensorFlow's V2 format, so checkpoints cross between sessionflow and TensorFlow
 * in both directions.
 *
 * @packageDocumentation
 */

import * as fs from 'node:fs'
import * as path from 'node:path'

import { InvalidArgumentError, NotFoundError, UnimplementedError } from '../errors.js'
import { type Graph, getDefaultGraph } from '../graph.js'
import type { Operation } from '../operation.js'
import { constantIn } from '../ops/core.js'
import { Session } from '../session.js'
import { formatShape } from '../shape.js'
import { Tensor } from '../tensor.js'
import { Variable, globalVariables } from '../variables.js'
import { checkpointEntries, checkpointExists } from './checkpoint_reader.js'
import { writeCheckpointState } from './checkpoint_state.js'

/** The variables a {@link Saver} saves: a list (saved under their names) or name → variable. */
export type SaverVarList = readonly Variable[] | Readonly<Record<string, Variable>>

/** Options of the {@link Saver} constructor (TF's `Saver` arguments). */
export interface SaverOptions {
  /**
   * How many recent checkpoints to keep (5 by default): `save` deletes the files of older
   * ones. `0` or `null` keeps every file, and the state file lists only the latest.
   */
  maxToKeep?: number | null
  /** The name scope of the saver's ops; `"save"` by default (made unique: `save_1`, …). */
  name?: string
  /** Sharded saves (one bundle per device, then merged) are not supported yet: only `false`. */
  sharded?: boolean
  /** Write paths in the state file relative to its directory (TF's `save_relative_paths`). */
  saveRelativePaths?: boolean
  /** The prefix the saver's ops use when no path is fed (`"model"` by default). */
  filename?: string
}

/** Options of {@link Saver.save}. */
export interface SaveOptions {
  /** Appended to the path as `<path>-<step>`: a number, or a tensor (e.g. the global step) evaluated in the session. */
  globalStep?: number | bigint | Tensor
  /** The state file's name in the checkpoint's directory; `"checkpoint"` by default. */
  latestFilename?: string
  /** Whether to update the state file and delete old checkpoints (true by default). */
  writeState?: boolean
}

/** TF's `SaverDef`: the names that let any program drive a saver's ops. */
export interface SaverDef {
  /** The string tensor to feed the checkpoint prefix to (`save/Const:0`). */
  readonly filenameTensorName: string
  /** The tensor to fetch to save: it yields the prefix written (`save/control_dependency:0`). */
  readonly saveTensorName: string
  /** The operation to run to restore (`save/restore_all`). */
  readonly restoreOpName: string
  readonly maxToKeep: number
  readonly sharded: boolean
  /** The checkpoint format: TensorFlow's V2. */
  readonly version: 'V2'
}

/**
 * Saves and restores variables (TF1's `tf.compat.v1.train.Saver`). The constructor adds
 * TensorFlow's saver ops to the variables' graph — under `save/`: the filename placeholder
 * `save/Const`, `save/SaveV2` writing every variable, `save/RestoreV2` reading them back and
 * one `AssignVariableOp` each, grouped as `save/restore_all` — so {@link save} and
 * {@link restore} are plain session runs, and the graph exported as a GraphDef saves and
 * restores in TensorFlow too.
 *
 * Checkpoints are TensorFlow's V2 format: `<prefix>.index` and `<prefix>.data-00000-of-00001`.
 * Variables are stored under their names (`dense/kernel`: the name of the variable's op), so
 * a checkpoint written by TensorFlow restores into the same variables here, and the other way
 * round. No `.meta` file (MetaGraphDef) is written: `writeMetaGraph` is not supported yet.
 *
 * @example
 * ```ts
 * const saver = new tf.train.Saver()
 * const prefix = saver.save(sess, '/tmp/model/ckpt', { globalStep: 1000 }) // '/tmp/model/ckpt-1000'
 * saver.restore(otherSess, tf.train.latestCheckpoint('/tmp/model')!)
 * ```
 */
export class Saver {
  /** The names of the saver's ops and its settings. */
  readonly saverDef: SaverDef
  readonly #graph: Graph
  /** Checkpoint name → variable, sorted by name. */
  readonly #variables: readonly (readonly [string, Variable])[]
  readonly #filename: Tensor
  readonly #saveTensor: Tensor
  readonly #restoreOp: Operation
  readonly #maxToKeep: number
  readonly #saveRelativePaths: boolean
  /** The checkpoints this saver keeps, oldest first. */
  #last: string[] = []

  /**
   * @param varList - The variables to save: a list, or an object mapping checkpoint names to
   *   variables; all global variables of the default graph by default.
   * @param options - `maxToKeep`, `name`, `sharded`, `saveRelativePaths`, `filename`.
   * @throws InvalidArgumentError when there are no variables, two share a name, or they are
   *   not all of one graph; UnimplementedError for `sharded: true`.
   */
  constructor(varList?: SaverVarList | null, options: SaverOptions = {}) {
    if (options.sharded === true) {
      throw new UnimplementedError('Sharded savers are not supported yet: use sharded: false')
    }
    const maxToKeep = options.maxToKeep === undefined ? 5 : (options.maxToKeep ?? 0)
    if (!Number.isSafeInteger(maxToKeep) || maxToKeep < 0) {
      throw new InvalidArgumentError(`maxToKeep must be a non-negative integer, got ${String(options.maxToKeep)}`)
    }
    this.#maxToKeep = maxToKeep
    this.#saveRelativePaths = options.saveRelativePaths ?? false
    this.#variables = namedVariables(varList ?? globalVariables())
    this.#graph = this.#variables[0][1].graph
    for (const [name, v] of this.#variables) {
      if (v.graph !== this.#graph) {
        throw new InvalidArgumentError(`Variable ${name} is not in the same graph as the other variables to save`)
      }
    }
    const built = this.#graph.nameScope(options.name ?? 'save', () => this.#build(options.filename ?? 'model'))
    this.#filename = built.filename
    this.#saveTensor = built.saveTensor
    this.#restoreOp = built.restoreOp
    this.saverDef = Object.freeze({
      filenameTensorName: built.filename.name,
      saveTensorName: built.saveTensor.name,
      restoreOpName: built.restoreOp.name,
      maxToKeep: this.#maxToKeep,
      sharded: false,
      version: 'V2' as const,
    })
  }

  /** TensorFlow's graph for a saver: one SaveV2 and one RestoreV2 for every variable. */
  #build(defaultFilename: string): { filename: Tensor; saveTensor: Tensor; restoreOp: Operation } {
    const graph = this.#graph
    const stringScalar = { dtype: { type: 'string' as const }, shape: { shape: [] } }
    const input = constantIn(graph, defaultFilename, { dtype: 'string', name: 'filename/input' })
    const filenameOp = graph.addOperation({
      op: 'PlaceholderWithDefault',
      name: 'filename',
      inputs: [input],
      attrs: stringScalar,
    })
    // TF names the fed tensor `Const` for backwards compatibility.
    const filename = graph.addOperation({
      op: 'PlaceholderWithDefault',
      name: 'Const',
      inputs: [filenameOp.outputs[0]],
      attrs: stringScalar,
    }).outputs[0]
    const names = this.#variables.map(([name]) => name)
    const dtypes = { listType: this.#variables.map(([, v]) => v.dtype) }
    const specs = (op: string): Tensor[] => [
      constantIn(graph, names, { dtype: 'string', name: `${op}/tensor_names` }),
      constantIn(
        graph,
        names.map(() => ''),
        { dtype: 'string', name: `${op}/shape_and_slices` },
      ),
    ]
    const save = graph.addOperation({
      op: 'SaveV2',
      name: 'SaveV2',
      inputs: [filename, ...specs('SaveV2'), ...this.#variables.map(([, v]) => v.value())],
      attrs: { dtypes },
    })
    const saveTensor = graph.addOperation({
      op: 'Identity',
      name: 'control_dependency',
      inputs: [filename],
      controlInputs: [save],
    }).outputs[0]
    const restore = graph.addOperation({
      op: 'RestoreV2',
      name: 'RestoreV2',
      inputs: [filename, ...specs('RestoreV2')],
      attrs: { dtypes },
    })
    const assigns = this.#variables.map(([, v], i) => {
      const value = graph.addOperation({ op: 'Identity', name: 'Identity', inputs: [restore.outputs[i]] }).outputs[0]
      return graph.addOperation({
        op: 'AssignVariableOp',
        name: 'AssignVariableOp',
        inputs: [v.handle, value],
        attrs: { dtype: { type: v.dtype } },
      })
    })
    const restoreOp = graph.addOperation({ op: 'NoOp', name: 'restore_all', controlInputs: assigns })
    return { filename, saveTensor, restoreOp }
  }

  /** The checkpoints this saver keeps (and has not deleted), oldest first. */
  get lastCheckpoints(): string[] {
    return [...this.#last]
  }

  /** TF's name for {@link lastCheckpoints}. */
  get last_checkpoints(): string[] {
    return this.lastCheckpoints
  }

  /**
   * Saves the variables' values in `sess` as a checkpoint at `savePath` (or
   * `<savePath>-<globalStep>`), creating its directory if needed. Then, unless `writeState` is
   * false, records it in the directory's `checkpoint` state file and deletes the files of
   * checkpoints beyond the newest `maxToKeep`.
   *
   * @returns The prefix written (pass it to {@link restore}).
   * @throws InvalidArgumentError for a session on another graph.
   */
  save(sess: Session, savePath: string, options: SaveOptions = {}): string {
    this.#checkSession(sess)
    let prefix = savePath
    if (options.globalStep !== undefined) prefix = `${savePath}-${globalStepOf(sess, options.globalStep)}`
    sess.run(this.#saveTensor, new Map([[this.#filename, prefix]]))
    if (options.writeState ?? true) {
      const latestFilename = options.latestFilename ?? 'checkpoint'
      const stale = this.#record(prefix)
      writeCheckpointState(path.dirname(savePath), prefix, this.#last, latestFilename, this.#saveRelativePaths)
      for (const old of stale) removeCheckpoint(old)
    }
    return prefix
  }

  /** Adds `prefix` as the newest checkpoint; returns those beyond `maxToKeep`, to delete. */
  #record(prefix: string): string[] {
    if (this.#maxToKeep === 0) return []
    this.#last = this.#last.filter((p) => p !== prefix)
    this.#last.push(prefix)
    return this.#last.length > this.#maxToKeep ? this.#last.splice(0, this.#last.length - this.#maxToKeep) : []
  }

  /**
   * Restores the variables' values in `sess` from the checkpoint at `savePath` (a prefix, as
   * {@link save} returns and `tf.train.latestCheckpoint` finds). The variables need not be
   * initialised first.
   *
   * @throws NotFoundError when there is no checkpoint at `savePath`, or it lacks a variable
   *   ("Key dense/bias not found in checkpoint").
   * @throws InvalidArgumentError when a stored tensor's dtype or shape is not its variable's.
   */
  restore(sess: Session, savePath: string): void {
    this.#checkSession(sess)
    if (!checkpointExists(savePath)) {
      throw new NotFoundError(`The passed save_path is not a valid checkpoint: ${savePath}`)
    }
    this.#checkAgainst(savePath)
    sess.run(this.#restoreOp, new Map([[this.#filename, savePath]]))
  }

  /**
   * Checks every variable against the checkpoint's entry before anything is assigned, so that
   * a mismatch leaves every variable as it was. (TensorFlow's RestoreV2 knows dtypes but not
   * shapes, and would assign a tensor of another shape.)
   */
  #checkAgainst(savePath: string): void {
    const entries = new Map(checkpointEntries(savePath).map((e) => [e.name, e]))
    for (const [name, v] of this.#variables) {
      const entry = entries.get(name)
      if (entry === undefined) throw new NotFoundError(`Key ${name} not found in checkpoint`)
      if (entry.dtype !== v.dtype) {
        throw new InvalidArgumentError(
          `tensor_name = ${name}; expected dtype ${v.dtype} does not equal original dtype ${entry.dtype}`,
        )
      }
      const shape = v.shape
      if (shape !== null && !sameShape(shape, entry.shape)) {
        throw new InvalidArgumentError(
          `Cannot restore variable ${name} of shape ${formatShape(shape)} from a checkpoint tensor of shape ${formatShape(entry.shape)}`,
        )
      }
    }
  }

  #checkSession(sess: Session): void {
    if (!(sess instanceof Session)) throw new InvalidArgumentError('A Session is required to save or restore')
    if (sess.graph !== this.#graph) {
      throw new InvalidArgumentError("The session's graph is not the graph of the saver's variables")
    }
  }
}

/** The variables with their checkpoint names, sorted by name (the order TensorFlow saves in). */
function namedVariables(varList: SaverVarList): [string, Variable][] {
  const pairs: [string, Variable][] = Array.isArray(varList)
    ? (varList as readonly Variable[]).map((v) => [variableName(v), v])
    : Object.entries(varList as Readonly<Record<string, Variable>>)
  if (pairs.length === 0) throw new InvalidArgumentError('No variables to save')
  for (const [name, v] of pairs) {
    if (!(v instanceof Variable))
      throw new InvalidArgumentError(`Only variables can be saved, got ${String(v)} for ${name}`)
  }
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (let i = 1; i < pairs.length; i++) {
    if (pairs[i][0] === pairs[i - 1][0]) {
      throw new InvalidArgumentError(`At least two variables have the same name: ${pairs[i][0]}`)
    }
  }
  return pairs
}

/** A variable's name in checkpoints: its handle op's name (`dense/kernel`). */
function variableName(v: Variable): string {
  if (!(v instanceof Variable)) throw new InvalidArgumentError(`Only variables can be saved, got ${String(v)}`)
  return v.handle.op.name
}

/** The step a save is numbered with. */
function globalStepOf(sess: Session, step: number | bigint | Tensor): string {
  if (step instanceof Tensor) return String(sess.run(step).item())
  if (typeof step === 'number' && !Number.isInteger(step)) {
    throw new InvalidArgumentError(`globalStep must be an integer, got ${step}`)
  }
  return String(step)
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === null || d === b[i])
}

/** Deletes the files of checkpoint `prefix` (index, data shards, a `.meta` if any); missing ones are fine. */
function removeCheckpoint(prefix: string): void {
  const dir = path.dirname(prefix)
  const base = path.basename(prefix)
  const shard = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.data-\\d{5}-of-\\d{5}$`)
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    if (name === `${base}.index` || name === `${base}.meta` || shard.test(name)) {
      fs.rmSync(path.join(dir, name), { force: true })
    }
  }
}
