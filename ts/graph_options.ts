/**
 * Which graph rewrites a session runs when it plans a step (TF's `ConfigProto.graph_options`):
 * constant folding, common-subexpression elimination, Identity removal and the fusion of
 * convolutions and products with their bias and activation. All run by default; each option
 * below turns some off. Rewrites work on a private copy of the pruned graph: fetched, fed and
 * targeted nodes keep their names, and results are the same (fusions up to floating-point
 * rounding, as in TensorFlow).
 */
import { InvalidArgumentError } from './errors.js'

/** A grappler `RewriterConfig.Toggle`. */
export type RewriteToggle = 'DEFAULT' | 'ON' | 'OFF'

/** TF's `OptimizerOptions` (the classic graph optimizer). */
export interface OptimizerOptions {
  /** `'L1'` (default): fold constants and merge duplicates; `'L0'`: neither, unless set below. */
  optLevel?: 'L0' | 'L1'
  /** Merge nodes computing the same op on the same inputs. */
  doCommonSubexpressionElimination?: boolean
  /** Evaluate constant subgraphs once, when the step is planned. */
  doConstantFolding?: boolean
}

/** TF's `RewriterConfig` (grappler), the toggles the engine honours. */
export interface RewriteOptions {
  /** `'OFF'` turns constant folding off. */
  constantFolding?: RewriteToggle
  /** `'OFF'` keeps `Identity` nodes. */
  dependencyOptimization?: RewriteToggle
  /** `'OFF'` keeps convolutions, products, biases and activations as separate ops. */
  remapping?: RewriteToggle
  /** `true` turns off Identity removal and fusion (grappler's passes). */
  disableMetaOptimizer?: boolean
}

/** TF's `GraphOptions`, the part about rewrites. */
export interface GraphOptions {
  optimizerOptions?: OptimizerOptions
  rewriteOptions?: RewriteOptions
}

const FIELDS: Readonly<Record<string, readonly string[]>> = {
  graphOptions: ['optimizerOptions', 'rewriteOptions'],
  'graphOptions.optimizerOptions': ['optLevel', 'doCommonSubexpressionElimination', 'doConstantFolding'],
  'graphOptions.rewriteOptions': ['constantFolding', 'dependencyOptimization', 'remapping', 'disableMetaOptimizer'],
}

function checkFields(path: string, value: object | undefined): void {
  for (const key of Object.keys(value ?? {})) {
    if (!FIELDS[path].includes(key)) {
      throw new InvalidArgumentError(
        `Session config '${path}.${key}' is not supported yet (supported: ${FIELDS[path].join(', ')})`,
      )
    }
  }
}

/** A copy of `options` for the engine; unknown fields are refused rather than ignored (values are checked by the engine). */
export function toNativeGraphOptions(options: GraphOptions | undefined): GraphOptions | undefined {
  if (options === undefined) return undefined
  checkFields('graphOptions', options)
  checkFields('graphOptions.optimizerOptions', options.optimizerOptions)
  checkFields('graphOptions.rewriteOptions', options.rewriteOptions)
  return {
    optimizerOptions: options.optimizerOptions && { ...options.optimizerOptions },
    rewriteOptions: options.rewriteOptions && { ...options.rewriteOptions },
  }
}
