// Checkpoint round trip: save the trained variables with tf.train.Saver, rebuild the model in a
// fresh graph and session (as a new process would), restore, and evaluate again.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import tf, { type Graph, type Session } from 'sessionflow'

import { type ModelOptions, buildDigitsModel } from './model.js'
import { type DigitsData, type Evaluation, evaluateDigits } from './train.js'

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
 */
export function checkpointRoundTrip(
  graph: Graph,
  sess: Session,
  modelOptions: ModelOptions,
  data: DigitsData,
  testIndices: readonly number[],
): CheckpointResult {
  const dir = mkdtempSync(join(tmpdir(), 'sessionflow-demo-'))
  try {
    const prefix = graph.asDefault(() => new tf.train.Saver()).save(sess, join(dir, 'digits'))
    const files = readdirSync(dir).map((f): [string, number] => [f, statSync(join(dir, f)).size])
    const restored = new tf.Graph().asDefault((fresh) => {
      const model = buildDigitsModel(modelOptions)
      const saver = new tf.train.Saver()
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
