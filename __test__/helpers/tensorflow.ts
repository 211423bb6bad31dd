// What the tests that compare against TensorFlow share: finding a Python that has it, and the
// error measure their bounds are stated in.
import { spawnSync } from 'node:child_process'
import type { NDArray } from 'sessionflow'

/** Whether each candidate Python imports TensorFlow, probed once per file (an import takes seconds). */
const probed = new Map<string, boolean>()

/** A Python with TensorFlow: `SESSIONFLOW_TF_PYTHON`, else `python3` if it has TensorFlow; null without one. */
export function tensorflowPython(): string | null {
  for (const python of [process.env.SESSIONFLOW_TF_PYTHON, 'python3']) {
    if (!python) continue
    if (!probed.has(python)) {
      const probe = spawnSync(python, ['-c', 'import tensorflow'], { stdio: 'ignore', timeout: 120_000 })
      probed.set(python, probe.status === 0)
    }
    if (probed.get(python) === true) return python
  }
  return null
}

/** Largest |a − b| / max(|b|, 1e-3) over all elements. */
export function maxRelativeError(a: NDArray, b: NDArray): number {
  let worst = 0
  for (let i = 0; i < b.data.length; i++) {
    const want = Number(b.data[i])
    worst = Math.max(worst, Math.abs(Number(a.data[i]) - want) / Math.max(Math.abs(want), 1e-3))
  }
  return worst
}
