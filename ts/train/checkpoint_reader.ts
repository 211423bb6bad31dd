/**
 * Reading checkpoints without a graph: which tensors a checkpoint holds and their values (TF's
 * `tf.train.list_variables`, `tf.train.load_variable`, `checkpoint_exists`).
 *
 * @packageDocumentation
 */

import * as fs from 'node:fs'

import { type DType, isDType } from '../dtype.js'
import { InternalError, NotFoundError } from '../errors.js'
import { addon, callNative } from '../native.js'
import { NDArray } from '../ndarray.js'
import { latestCheckpoint } from './checkpoint_state.js'

/** A tensor of a checkpoint, as its index describes it. @internal */
export interface CheckpointEntry {
  readonly name: string
  /** sessionflow's dtype name, or TensorFlow's for dtypes sessionflow lacks (`complex64`). */
  readonly dtype: string
  readonly shape: readonly number[]
}

/**
 * Whether a V2 checkpoint exists at `prefix` (its `.index` file does), as TF's
 * `checkpoint_exists`.
 */
export function checkpointExists(prefix: string): boolean {
  return fs.existsSync(`${prefix}.index`)
}

/** The tensors of the checkpoint at `prefix`, sorted by name. @internal */
export function checkpointEntries(prefix: string): CheckpointEntry[] {
  return callNative(() => addon().checkpointEntries(prefix))
}

/**
 * The checkpoint `ckptDirOrFile` names: a prefix as given, or for a directory the latest
 * checkpoint its state file names.
 *
 * @throws NotFoundError for a directory without checkpoints.
 */
function checkpointPrefix(ckptDirOrFile: string): string {
  if (!fs.statSync(ckptDirOrFile, { throwIfNoEntry: false })?.isDirectory()) return ckptDirOrFile
  const latest = latestCheckpoint(ckptDirOrFile)
  if (latest === null) {
    throw new NotFoundError(`Couldn't find 'checkpoint' file or checkpoints in given directory ${ckptDirOrFile}`)
  }
  return latest
}

/**
 * The variables of a checkpoint as `[name, shape]` pairs sorted by name (TF's
 * `tf.train.list_variables`).
 *
 * @param ckptDirOrFile - A checkpoint prefix (`dir/model.ckpt-100`), or a directory, meaning
 *   its latest checkpoint.
 * @throws NotFoundError when there is no such checkpoint; DataLossError when its index is
 *   damaged.
 */
export function listVariables(ckptDirOrFile: string): [string, number[]][] {
  return checkpointEntries(checkpointPrefix(ckptDirOrFile)).map((e) => [e.name, [...e.shape]])
}

/**
 * The value of variable `name` in a checkpoint (TF's `tf.train.load_variable`); a trailing
 * `:0` in the name is ignored.
 *
 * @param ckptDirOrFile - A checkpoint prefix, or a directory, meaning its latest checkpoint.
 * @param name - The variable's name in the checkpoint (`dense/kernel`).
 * @throws NotFoundError for a missing checkpoint or name ("Key … not found in checkpoint");
 *   DataLossError when the stored bytes fail their checksum; UnimplementedError for a dtype
 *   sessionflow lacks or a variable saved in slices.
 */
export function loadVariable(ckptDirOrFile: string, name: string): NDArray {
  const key = name.endsWith(':0') ? name.slice(0, -2) : name
  const value = callNative(() => addon().checkpointTensor(checkpointPrefix(ckptDirOrFile), key))
  if (!isDType(value.dtype)) throw new InternalError(`The engine returned a tensor of unknown dtype '${value.dtype}'`)
  return NDArray.fromBytes(value.dtype as DType, value.shape, value.data)
}
