/**
 * {@link GraphContext}: what applies to operations as they are added to a graph — the name
 * scope, control dependencies and device scopes of TF's `with` blocks.
 *
 * @packageDocumentation
 */

import { type DeviceSpec, deviceSpecToString, mergeDeviceSpecs, parseDeviceSpec } from './device_spec.js'
import { InvalidArgumentError } from './errors.js'
import type { Operation } from './operation.js'
import { scoped } from './scope.js'
import { Tensor } from './tensor.js'

/** What a device function sees of the operation being added. */
export interface OperationDescription {
  /** The (scoped, not yet uniquified) name requested for the operation. */
  readonly name: string
  /** The op type, e.g. `"MatMul"`. */
  readonly type: string
}

/** A device scope: a device name, a function choosing one per operation, or `null` to clear. */
export type DeviceScope = string | ((op: OperationDescription) => string) | null

/** Per-graph stacks of scopes, consulted by `Graph.addOperation`. @internal */
export class GraphContext {
  /** The current name scope without a trailing slash; `""` at the root. */
  nameScope = ''
  readonly #controlFrames: { inputs: readonly Operation[]; clear: boolean }[] = []
  readonly #deviceFrames: DeviceScope[] = []

  /**
   * Runs `body` inside name scope `name` (made unique with `uniqueName`); `null` or `""` enters
   * the root scope, and a name ending in `/` is used as is (re-entering an existing scope).
   * `body` receives the scope as TF yields it, with a trailing slash (`"outer/inner/"`).
   */
  withNameScope<R>(name: string | null, uniqueName: (name: string) => string, body: (scope: string) => R): R {
    let scope: string
    if (name === null || name === '') scope = ''
    else if (name.endsWith('/')) scope = name.slice(0, -1)
    else scope = uniqueName(this.nameScope === '' ? name : `${this.nameScope}/${name}`)
    const previous = this.nameScope
    return scoped(
      () => (this.nameScope = scope),
      () => (this.nameScope = previous),
      () => body(scope === '' ? '' : `${scope}/`),
    )
  }

  /** `name` inside the current name scope. */
  scopedName(name: string): string {
    return this.nameScope === '' ? name : `${this.nameScope}/${name}`
  }

  /**
   * Runs `body` with `controlInputs` (operations, or tensors standing for their operations) as
   * control dependencies of every operation added; `null` clears the enclosing ones.
   */
  withControlDependencies<R>(controlInputs: readonly (Operation | Tensor)[] | null, body: () => R): R {
    const frame = {
      inputs: (controlInputs ?? []).map((c) => (c instanceof Tensor ? c.op : c)),
      clear: controlInputs === null,
    }
    return scoped(
      () => this.#controlFrames.push(frame),
      () => this.#controlFrames.splice(this.#controlFrames.lastIndexOf(frame), 1),
      body,
    )
  }

  /** The control dependencies in effect, each once. */
  controlInputs(): Operation[] {
    let start = 0
    this.#controlFrames.forEach((f, i) => {
      if (f.clear) start = i + 1
    })
    const out: Operation[] = []
    for (const frame of this.#controlFrames.slice(start)) {
      for (const op of frame.inputs) if (!out.includes(op)) out.push(op)
    }
    return out
  }

  /** Runs `body` with `device` merged into the device of every operation added. */
  withDevice<R>(device: DeviceScope, body: () => R): R {
    if (typeof device === 'string')
      parseDeviceSpec(device) // validate now, where the scope is opened
    else if (device !== null && typeof device !== 'function') {
      throw new InvalidArgumentError('A device scope is a device name, a function, or null')
    }
    return scoped(
      () => this.#deviceFrames.push(device),
      () => this.#deviceFrames.splice(this.#deviceFrames.lastIndexOf(device), 1),
      body,
    )
  }

  /** The device for a new operation: the enclosing scopes merged, outermost first. */
  deviceFor(op: OperationDescription): string {
    let spec: DeviceSpec = {}
    for (const frame of this.#deviceFrames) {
      if (frame === null) spec = {}
      else spec = mergeDeviceSpecs(spec, parseDeviceSpec(typeof frame === 'string' ? frame : frame(op)))
    }
    return deviceSpecToString(spec)
  }
}
