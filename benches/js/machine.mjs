// One line describing the machine, for benchmark output.
import os from 'node:os'

export function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${process.platform}-${process.arch}, node ${process.version}`
}
