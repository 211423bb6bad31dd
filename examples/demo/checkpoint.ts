// Checkpoint round trip: save the trained variables with tf.train.Saver, rebuild the model in a
// fresh graph and session (as a new process would), restore, and evaluate again.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import tf, { type Graph, type Session } from 'sessionflow'

import { type ModelOptions, buildDigitsModel } from './model.js'
import { type DigitsData, type Evaluation, evaluateDigits } from './train.js'

/** tf.train.Saver's API: all global variables; save and restore are synchronous. */
interface Saver {
  /** Writes the variables' values; returns the checkpoint prefix written. */
  save(sess: Session, path: string): string
  /** Assigns the values saved under `prefix` to the variables. */
  restore(sess: Session, prefix: string): void
}

/** `tf.train.Saver` when this build of sessionflow has it. */
export function saverClass(): (new () => Saver) | undefined {
  // Typed loosely until tf.train.Saver lands in ts/train; then this is `tf.train.Saver`.
  const Saver = (tf.train as unknown as Record<string, unknown>).Saver
  return typeof Saver === 'function' ? (Saver as new () => Saver) : undefined
}

/** What the round trip saw. */
export interface CheckpointResult {
  readonly prefix: string
  /** The files the save wrote and their sizes in bytes. */
  readonly files: readonly [string, number][]
  /** The test evaluation of the restored model in its fresh session. */
  readonly restored: Evaluation
}

/**
 * Saves the variables of the model trained in `sess` (built in `graph` with `modelOptions`)
 * under a fresh temporary folder, restores them into the same model built in a new graph with
 * a new session, and evaluates that on `testIndices`. The folder is removed afterwards.
 *
 * @throws Error when `tf.train.Saver` is missing from this build.
 */
export function checkpointRoundTrip(
  graph: Graph,
  sess: Session,
  modelOptions: ModelOptions,
  data: DigitsData,
  testIndices: readonly number[],
): CheckpointResult {
  const Saver = saverClass()
  if (Saver === undefined) throw new Error('tf.train.Saver is not available in this build')
  const dir = mkdtempSync(join(tmpdir(), 'sessionflow-demo-'))
  try {
    const prefix = graph.asDefault(() => new Saver()).save(sess, join(dir, 'digits'))
    const files = readdirSync(dir).map((f): [string, number] => [f, statSync(join(dir, f)).size])
    const restored = new tf.Graph().asDefault((fresh) => {
      const model = buildDigitsModel(modelOptions)
      const saver = new Saver()
      const sess2 = new tf.Session('', fresh)
      try {
        // No initializer runs: every value the restored model uses comes from the checkpoint.
        saver.restore(sess2, prefix)
        return evaluateDigits(sess2, model, data, testIndices)
      } finally {
        sess2.close()
      }
    })
    return { prefix, files, restored }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
