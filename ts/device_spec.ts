/**
 * TensorFlow device specifications (`/job:localhost/replica:0/task:0/device:CPU:0`): parsing,
 * merging nested `tf.device` scopes as TF does, and printing.
 *
 * @packageDocumentation
 */

import { InvalidArgumentError } from './errors.js'

/** The parts of a device name; absent parts are unconstrained. */
export interface DeviceSpec {
  job?: string
  replica?: number
  task?: number
  deviceType?: string
  /** `undefined` with a device type means any device of that type (`CPU:*`). */
  deviceIndex?: number
}

/**
 * Parses a device name: full (`/job:w/replica:0/task:1/device:GPU:0`), partial (`/device:CPU:0`,
 * `/job:ps`), or legacy (`/cpu:0`, `/gpu:1`). The empty string is the empty spec.
 *
 * @throws InvalidArgumentError for anything else.
 */
export function parseDeviceSpec(name: string): DeviceSpec {
  const spec: DeviceSpec = {}
  const bad = (why: string): InvalidArgumentError =>
    new InvalidArgumentError(`Invalid device specification '${name}': ${why}`)
  for (const part of name.split('/')) {
    if (part === '') continue
    const fields = part.split(':')
    const [key, ...rest] = fields
    const lower = key.toLowerCase()
    if (lower === 'job' && rest.length === 1 && rest[0] !== '') spec.job = rest[0]
    else if ((lower === 'replica' || lower === 'task') && rest.length === 1 && /^\d+$/.test(rest[0])) {
      spec[lower] = Number(rest[0])
    } else if (lower === 'device' && (rest.length === 1 || rest.length === 2)) {
      setDevice(spec, rest[0], rest[1], bad)
    } else if ((lower === 'cpu' || lower === 'gpu') && rest.length === 1) {
      setDevice(spec, key, rest[0], bad)
    } else if (/^[A-Za-z_]+$/.test(key) && rest.length === 1 && fields.length === 2 && key === key.toUpperCase()) {
      // A bare `TYPE:index` part, as TF accepts (`/CPU:0`).
      setDevice(spec, key, rest[0], bad)
    } else {
      throw bad(`unknown part '${part}'`)
    }
  }
  return spec
}

function setDevice(
  spec: DeviceSpec,
  type: string,
  index: string | undefined,
  bad: (why: string) => InvalidArgumentError,
): void {
  if (!/^[A-Za-z_]+$/.test(type)) throw bad(`bad device type '${type}'`)
  spec.deviceType = type.toUpperCase()
  if (index === undefined || index === '*') spec.deviceIndex = undefined
  else if (/^\d+$/.test(index)) spec.deviceIndex = Number(index)
  else throw bad(`bad device index '${index}'`)
}

/** `outer` with the parts `inner` sets overriding it, as nested `tf.device` scopes combine. */
export function mergeDeviceSpecs(outer: DeviceSpec, inner: DeviceSpec): DeviceSpec {
  const merged: DeviceSpec = { ...outer }
  if (inner.job !== undefined) merged.job = inner.job
  if (inner.replica !== undefined) merged.replica = inner.replica
  if (inner.task !== undefined) merged.task = inner.task
  if (inner.deviceType !== undefined) {
    merged.deviceType = inner.deviceType
    merged.deviceIndex = inner.deviceIndex
  }
  return merged
}

/** The canonical name of a spec, e.g. `/job:localhost/device:CPU:0`; `""` for the empty spec. */
export function deviceSpecToString(spec: DeviceSpec): string {
  let out = ''
  if (spec.job !== undefined) out += `/job:${spec.job}`
  if (spec.replica !== undefined) out += `/replica:${spec.replica}`
  if (spec.task !== undefined) out += `/task:${spec.task}`
  if (spec.deviceType !== undefined) out += `/device:${spec.deviceType}:${spec.deviceIndex ?? '*'}`
  return out
}
