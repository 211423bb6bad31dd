/**
 * `tf.train` (and `tf.compat.v1.train`): the optimizers, the global step, and checkpoints
 * (`Saver`, `latestCheckpoint`, `listVariables`, `loadVariable`).
 *
 * @packageDocumentation
 */

import { AdagradOptimizer } from './adagrad.js'
import { AdamOptimizer } from './adam.js'
import { createGlobalStep, getGlobalStep, getOrCreateGlobalStep } from './global_step.js'
import { GradientDescentOptimizer } from './gradient_descent.js'
import { MomentumOptimizer } from './momentum.js'
import { Optimizer } from './optimizer.js'
import { RMSPropOptimizer } from './rmsprop.js'
import { checkpointExists, listVariables, loadVariable } from './checkpoint_reader.js'
import { getCheckpointState, latestCheckpoint } from './checkpoint_state.js'
import { Saver } from './saver.js'

export { type AdagradOptions, AdagradOptimizer } from './adagrad.js'
export { type AdamOptions, AdamOptimizer } from './adam.js'
export { createGlobalStep, getGlobalStep, getOrCreateGlobalStep } from './global_step.js'
export { GradientDescentOptimizer } from './gradient_descent.js'
export { type MomentumOptions, MomentumOptimizer } from './momentum.js'
export {
  type ApplyGradientsOptions,
  type ComputeGradientsOptions,
  type GradsAndVars,
  type Hyperparameter,
  type MinimizeOptions,
  Optimizer,
  type OptimizerOptions,
} from './optimizer.js'
export { type RMSPropOptions, RMSPropOptimizer } from './rmsprop.js'
export { checkpointExists, listVariables, loadVariable } from './checkpoint_reader.js'
export { type CheckpointState, getCheckpointState, latestCheckpoint } from './checkpoint_state.js'
export { type SaveOptions, Saver, type SaverDef, type SaverOptions, type SaverVarList } from './saver.js'

/** `tf.train`'s members: camelCase name → [TensorFlow Python name, value]. @internal */
export const TRAIN_TABLE = {
  Optimizer: ['Optimizer', Optimizer],
  GradientDescentOptimizer: ['GradientDescentOptimizer', GradientDescentOptimizer],
  MomentumOptimizer: ['MomentumOptimizer', MomentumOptimizer],
  AdamOptimizer: ['AdamOptimizer', AdamOptimizer],
  RMSPropOptimizer: ['RMSPropOptimizer', RMSPropOptimizer],
  AdagradOptimizer: ['AdagradOptimizer', AdagradOptimizer],
  getGlobalStep: ['get_global_step', getGlobalStep],
  createGlobalStep: ['create_global_step', createGlobalStep],
  getOrCreateGlobalStep: ['get_or_create_global_step', getOrCreateGlobalStep],
  Saver: ['Saver', Saver],
  latestCheckpoint: ['latest_checkpoint', latestCheckpoint],
  getCheckpointState: ['get_checkpoint_state', getCheckpointState],
  checkpointExists: ['checkpoint_exists', checkpointExists],
  listVariables: ['list_variables', listVariables],
  loadVariable: ['load_variable', loadVariable],
} as const
