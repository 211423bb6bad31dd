// `npm install` hook: use a prebuilt native binary when one matches this platform (a
// per-platform package or a local build), otherwise build the Rust engine for this host in
// release mode. Set SESSIONFLOW_SKIP_BUILD=1 to skip (e.g. when packaging).
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

function loadsNative() {
  try {
    require(join(root, 'native', 'index.js'))
    return true
  } catch {
    return false
  }
}

function run(cmd, args) {
  console.log(`sessionflow: ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.error) throw r.error
  if (r.status !== 0) process.exit(r.status ?? 1)
}

/** napi-rs's platform suffix for this host, e.g. `linux-x64-gnu`. */
function platformSuffix() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

if (process.env.SESSIONFLOW_SKIP_BUILD) {
  console.log('sessionflow: SESSIONFLOW_SKIP_BUILD is set; not building the native engine')
} else if (loadsNative()) {
  console.log('sessionflow: native engine found for this platform')
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
    run('npm', ['run', 'build:native'])
  } else {
    // Installed as a dependency: no dev tools, but the loader (native/index.js) ships with the
    // package, so a plain cargo build plus a copy is enough.
    run('cargo', ['build', '--release', '--locked', '-p', 'sessionflow-node'])
    const lib = { linux: 'libsessionflow_node.so', darwin: 'libsessionflow_node.dylib', win32: 'sessionflow_node.dll' }[
      process.platform
    ]
    copyFileSync(join(root, 'target', 'release', lib), join(root, 'native', `sessionflow.${platformSuffix()}.node`))
  }
  if (!loadsNative()) {
    console.error('sessionflow: the native engine was built but does not load')
    process.exit(1)
  }
}
