// `npm install` hook. Uses a prebuilt native engine when one loads on this platform (the
// per-platform package sessionflow-<platform>, or a local build in native/). Otherwise:
// - in a clone of the repository (Rust sources present), builds the engine for this host in
//   release mode, which needs a Rust toolchain;
// - in an installed package (no sources), cannot build: it says which platform and which package
//   it looked for, and leaves the install alone, so that installing for another platform
//   (`npm install --os/--cpu`, or copying node_modules elsewhere) still works. Loading the
//   package then fails with the same explanation.
// Set SESSIONFLOW_SKIP_BUILD=1 to do nothing (CI jobs that download a prebuilt binary).
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** Loads native/index.js: undefined when the engine loads, else what the loader threw. */
function nativeLoadError() {
  try {
    require(join(root, 'native', 'index.js'))
    return undefined
  } catch (error) {
    return error ?? new Error('unknown load failure')
  }
}

function run(cmd, args) {
  console.log(`sessionflow: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.error) throw r.error
  if (r.status !== 0) process.exit(r.status ?? 1)
}

/** napi-rs's platform suffix for this host, e.g. `linux-x64-gnu` (the name of a local build). */
function platformSuffix() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

/** The loader's own explanation (dist/cjs/native_target.js) when the facade is built. */
function explain(error) {
  const explainer = join(root, 'dist', 'cjs', 'native_target.js')
  if (existsSync(explainer)) return require(explainer).missingEngineMessage(error)
  return (
    `sessionflow: no prebuilt native engine for ${platformSuffix()} ` +
    `(looked for the package sessionflow-${platformSuffix()} and native/sessionflow.${platformSuffix()}.node)`
  )
}

const hasSources = existsSync(join(root, 'Cargo.toml')) && existsSync(join(root, 'bindings', 'node', 'Cargo.toml'))

if (process.env.SESSIONFLOW_SKIP_BUILD) {
  console.log('sessionflow: SESSIONFLOW_SKIP_BUILD is set; not building the native engine')
} else {
  const loadError = nativeLoadError()
  if (loadError === undefined) {
    console.log(`sessionflow: native engine found for ${platformSuffix()}`)
  } else if (!hasSources) {
    console.warn(explain(loadError))
  } else {
    const cargo = spawnSync('cargo', ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' })
    if (cargo.status !== 0) {
      console.error(
        `sessionflow: no prebuilt native engine for ${platformSuffix()} (package sessionflow-${platformSuffix()}), ` +
          'and no Rust toolchain to build one. Install Rust (https://rustup.rs) and run npm install again.',
      )
      process.exit(1)
    }
    const napiCli = join(root, 'node_modules', '@napi-rs', 'cli', 'package.json')
    if (existsSync(napiCli)) {
      run(process.execPath, [join(root, 'scripts', 'build-native.mjs')])
    } else {
      // A clone installed without dev tools (e.g. a git dependency): the loader native/index.js
      // is committed, so a plain cargo build plus a copy under napi's file name is enough.
      run('cargo', ['build', '--release', '--locked', '-p', 'sessionflow-node'])
      const lib = {
        linux: 'libsessionflow_node.so',
        darwin: 'libsessionflow_node.dylib',
        win32: 'sessionflow_node.dll',
      }[process.platform]
      const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target')
      copyFileSync(join(targetDir, 'release', lib), join(root, 'native', `sessionflow.${platformSuffix()}.node`))
    }
    const builtError = nativeLoadError()
    if (builtError !== undefined) {
      console.error('sessionflow: the native engine was built but does not load')
      console.error(builtError)
      process.exit(1)
    }
  }
}
