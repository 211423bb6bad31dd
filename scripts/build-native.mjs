// Builds the native engine (`npm run build:native`) unless the one in native/ is up to date.
//
// Why not always call napi: `napi build` forces cargo to rebuild the binding crate whenever its
// type-definition cache was just created (it sets NAPI_FORCE_BUILD_<CRATE> to the time of day),
// so the build after a fresh one always recompiles — and with the release profile's fat LTO
// that is the whole-program link, minutes on a 2-core machine. `npm install` followed by
// `npm test` would pay it twice.
//
// Up to date means: a native/sessionflow.<platform>.node exists, native/.build-stamp.json says
// it was built from the same build-affecting environment (profile overrides, RUSTFLAGS), and no
// file under crates/, bindings/, Cargo.toml or Cargo.lock changed after that build started.
// SESSIONFLOW_FORCE_BUILD=1 always builds.

import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const stampPath = join(root, 'native', '.build-stamp.json')

/** The environment that changes what cargo builds, as a stable, comparable object. */
function buildEnvironment() {
  const affects =
    /^(CARGO_PROFILE_|CARGO_TARGET_[A-Z0-9_]+_RUSTFLAGS$|RUSTFLAGS$|CARGO_ENCODED_RUSTFLAGS$|CARGO_BUILD_)/
  return Object.fromEntries(
    Object.entries(process.env)
      .filter(([key]) => affects.test(key))
      .sort(([a], [b]) => a.localeCompare(b)),
  )
}

/** The newest modification time (ms) among the engine's sources. */
function newestSource() {
  let newest = 0
  const visit = (path) => {
    const info = statSync(path)
    if (info.isDirectory()) {
      for (const entry of readdirSync(path)) {
        if (entry !== 'target' && entry !== 'node_modules' && !entry.startsWith('.')) visit(join(path, entry))
      }
    } else {
      newest = Math.max(newest, info.mtimeMs)
    }
  }
  for (const path of ['crates', 'bindings', 'Cargo.toml', 'Cargo.lock']) {
    if (existsSync(join(root, path))) visit(join(root, path))
  }
  return newest
}

/** Why the engine must be built, or undefined when it is up to date. */
function staleReason(environment) {
  if (process.env.SESSIONFLOW_FORCE_BUILD) return 'SESSIONFLOW_FORCE_BUILD is set'
  if (!readdirSync(join(root, 'native')).some((f) => f.endsWith('.node'))) return 'no engine in native/'
  if (!existsSync(stampPath)) return 'no build stamp'
  let stamp
  try {
    stamp = JSON.parse(readFileSync(stampPath, 'utf8'))
  } catch {
    return 'unreadable build stamp'
  }
  if (JSON.stringify(stamp.environment) !== JSON.stringify(environment)) return 'the build environment changed'
  if (newestSource() >= stamp.startedAt) return 'sources changed since the last build'
  return undefined
}

const environment = buildEnvironment()
const reason = staleReason(environment)
if (reason === undefined) {
  console.log('build-native: native/ is up to date with the sources (SESSIONFLOW_FORCE_BUILD=1 rebuilds)')
} else {
  console.log(`build-native: building (${reason})`)
  const startedAt = Date.now()
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const built = spawnSync(npm, ['run', 'build:native'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  })
  if (built.error) throw built.error
  if (built.status !== 0) process.exit(built.status ?? 1)
  writeFileSync(stampPath, JSON.stringify({ startedAt, environment }, null, 2) + '\n')
}
