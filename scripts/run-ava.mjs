// Runs the ava suite with its own reporter and ends with one plain summary line,
// "ava: N passed, N failed, N skipped", so that any log reader can tell what ran.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const avaCli = join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs')
const child = spawn(process.execPath, [avaCli, ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
})

let output = ''
for (const [stream, sink] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
]) {
  stream.on('data', (chunk) => {
    output += chunk
    sink.write(chunk)
  })
}

child.on('close', (code, signal) => {
  // eslint-disable-next-line no-control-regex
  const text = output.replace(/\u001b\[[0-9;]*m/g, '')
  const count = (re) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0)
  const passed = count(/^\s*(\d+) tests? passed/gm)
  const failed = count(/^\s*(\d+) tests? failed/gm) + count(/^\s*(\d+) uncaught exceptions?/gm)
  const skipped = count(/^\s*(\d+) tests? skipped/gm) + count(/^\s*(\d+) tests? todo/gm)
  const exitCode = code ?? 1
  // A non-zero exit with nothing counted as failed is still a failure (e.g. a crash).
  console.log(
    `ava: ${passed} passed, ${Math.max(failed, exitCode !== 0 && failed === 0 ? 1 : 0)} failed, ${skipped} skipped`,
  )
  if (signal) process.kill(process.pid, signal)
  process.exit(exitCode)
})
