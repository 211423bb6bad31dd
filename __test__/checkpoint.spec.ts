// Checkpoints: tf.train.Saver writes and reads TensorFlow's V2 format (`.index` +
// `.data-00000-of-00001`), keeps TF's `checkpoint` state file, and checkpoints cross between
// sessionflow and TensorFlow both ways. `__test__/fixtures/checkpoint/tf_model` was written by
// TensorFlow 2.21 (scripts/fixtures/tf_checkpoint.py write); where SESSIONFLOW_TF_PYTHON has
// TensorFlow, the live tests run that script both ways too.
import test, { type ExecutionContext } from 'ava'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import tf, { type DType, type Graph, NDArray, Variable, errors } from 'sessionflow'

const FIXTURE = path.join('__test__', 'fixtures', 'checkpoint', 'tf_model')
const SCRIPT = path.join('scripts', 'fixtures', 'tf_checkpoint.py')

function tempDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionflow-ckpt-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const values = (a: NDArray): unknown[] => Array.from(a.data as ArrayLike<unknown>)

/** A graph with one variable of each common dtype (the test's own values). */
function modelGraph(): { graph: Graph; vars: Record<string, Variable> } {
  const graph = new tf.Graph()
  const vars = graph.asDefault(() => ({
    kernel: tf.getVariable('dense/kernel', {
      initializer: tf.constant([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    }),
    bias: tf.getVariable('dense/bias', { initializer: tf.constant([0.5, -0.5, 0]) }),
    scale: new Variable([0.1, 0.2], { name: 'scale', dtype: 'float64' }),
    counts: new Variable([7, -8], { name: 'counts', dtype: 'int32' }),
    step: new Variable(0n, { name: 'step', dtype: 'int64', trainable: false }),
    mask: new Variable([true, false, true], { name: 'mask' }),
  }))
  return { graph, vars }
}

test('save then restore in a fresh session gives the saved values back', (t) => {
  const dir = tempDir(t)
  const { graph, vars } = modelGraph()
  const saver = graph.asDefault(() => new tf.train.Saver())
  const sess = new tf.Session({ graph })
  sess.run(tf.variablesInitializer(Object.values(vars)))
  graph.asDefault(() => {
    sess.run([
      vars.kernel.assignAdd(tf.fill([2, 3], 0.25), { readValue: false }),
      vars.scale.assign([1 / 3, -2], { readValue: false }),
      vars.step.assign(9007199254740993n, { readValue: false }),
      vars.mask.assign([false, false, true], { readValue: false }),
    ])
  })
  const prefix = saver.save(sess, path.join(dir, 'model.ckpt'))
  t.is(prefix, path.join(dir, 'model.ckpt'))
  t.true(fs.existsSync(`${prefix}.index`) && fs.existsSync(`${prefix}.data-00000-of-00001`))
  t.false(fs.existsSync(`${prefix}.meta`), 'no MetaGraphDef is written')
  sess.close()

  const fresh = new tf.Session({ graph })
  saver.restore(fresh, prefix)
  const got = fresh.run(vars)
  t.deepEqual(values(got.kernel), [1.25, 2.25, 3.25, 4.25, 5.25, 6.25])
  t.deepEqual(got.kernel.shape, [2, 3])
  t.deepEqual(values(got.bias), [0.5, -0.5, 0])
  t.deepEqual(values(got.scale), [1 / 3, -2])
  t.is(got.scale.dtype, 'float64')
  t.deepEqual(values(got.counts), [7, -8])
  t.is(got.step.item(), 9007199254740993n)
  t.deepEqual(values(got.mask), [0, 0, 1])
  t.is(got.mask.dtype, 'bool')
  fresh.close()
})

test('the saver adds TensorFlow’s ops, so save and restore are plain runs', (t) => {
  const { graph } = modelGraph()
  const [first, second] = graph.asDefault(() => [new tf.train.Saver(), new tf.train.Saver(null, { maxToKeep: 2 })])
  t.deepEqual(first.saverDef, {
    filenameTensorName: 'save/Const:0',
    saveTensorName: 'save/control_dependency:0',
    restoreOpName: 'save/restore_all',
    maxToKeep: 5,
    sharded: false,
    version: 'V2',
  })
  t.is(second.saverDef.restoreOpName, 'save_1/restore_all')
  const types = new Map(graph.getOperations().map((op) => [op.name, op.type]))
  t.is(types.get('save/filename'), 'PlaceholderWithDefault')
  t.is(types.get('save/SaveV2'), 'SaveV2')
  t.is(types.get('save/RestoreV2'), 'RestoreV2')
  t.is(types.get('save/AssignVariableOp_5'), 'AssignVariableOp')
  const save = graph.getOperationByName('save/SaveV2')
  // Names sorted, as TensorFlow saves them; each tensor is its variable's snapshot read.
  t.deepEqual(
    save.inputs.slice(3).map((x) => x.op.name),
    ['counts', 'dense/bias', 'dense/kernel', 'mask', 'scale', 'step'].map((n) => `${n}/Read/ReadVariableOp`),
  )
  t.deepEqual(values(graph.asDefault(() => tf.withSession((s) => s.run('save/SaveV2/tensor_names:0')))), [
    'counts',
    'dense/bias',
    'dense/kernel',
    'mask',
    'scale',
    'step',
  ])
})

test('a variable list or a name → variable object chooses what is saved and under which names', (t) => {
  const dir = tempDir(t)
  const { graph, vars } = modelGraph()
  const [subset, renamed] = graph.asDefault(() => [
    new tf.train.Saver([vars.bias]),
    new tf.train.Saver({ 'layer/b': vars.bias, steps: vars.step }),
  ])
  tf.withSession(
    (s) => {
      s.run(tf.variablesInitializer(Object.values(vars)))
      subset.save(s, path.join(dir, 'a'))
      renamed.save(s, path.join(dir, 'b'))
    },
    { graph },
  )
  t.deepEqual(tf.train.listVariables(path.join(dir, 'a')), [['dense/bias', [3]]])
  t.deepEqual(tf.train.listVariables(path.join(dir, 'b')), [
    ['layer/b', [3]],
    ['steps', []],
  ])
  t.deepEqual(values(tf.train.loadVariable(path.join(dir, 'b'), 'layer/b:0')), [0.5, -0.5, 0])
  t.throws(() => graph.asDefault(() => new tf.train.Saver([])), {
    instanceOf: errors.InvalidArgumentError,
    message: 'No variables to save',
  })
  t.throws(() => graph.asDefault(() => new tf.train.Saver([vars.bias, vars.bias])), {
    instanceOf: errors.InvalidArgumentError,
    message: 'At least two variables have the same name: dense/bias',
  })
  t.throws(() => graph.asDefault(() => new tf.train.Saver(null, { sharded: true })), {
    instanceOf: errors.UnimplementedError,
  })
})

test('globalStep numbers the checkpoint; maxToKeep deletes the oldest; the state file lists the kept ones', (t) => {
  const dir = tempDir(t)
  const { graph, vars } = modelGraph()
  const saver = graph.asDefault(() => new tf.train.Saver(null, { maxToKeep: 2 }))
  const base = path.join(dir, 'ckpt')
  const sess = new tf.Session({ graph })
  sess.run(tf.variablesInitializer(Object.values(vars)))
  t.is(saver.save(sess, base, { globalStep: 1 }), `${base}-1`)
  t.is(saver.save(sess, base, { globalStep: 20n }), `${base}-20`)
  graph.asDefault(() => sess.run(vars.step.assign(300n, { readValue: false })))
  t.is(saver.save(sess, base, { globalStep: vars.step }), `${base}-300`)
  sess.close()

  t.deepEqual(fs.readdirSync(dir).sort(), [
    'checkpoint',
    'ckpt-20.data-00000-of-00001',
    'ckpt-20.index',
    'ckpt-300.data-00000-of-00001',
    'ckpt-300.index',
  ])
  t.is(
    fs.readFileSync(path.join(dir, 'checkpoint'), 'utf8'),
    `model_checkpoint_path: "${base}-300"\n` +
      `all_model_checkpoint_paths: "${base}-20"\n` +
      `all_model_checkpoint_paths: "${base}-300"\n`,
  )
  t.deepEqual(saver.lastCheckpoints, [`${base}-20`, `${base}-300`])
  t.is(tf.train.latestCheckpoint(dir), `${base}-300`)
  t.is(tf.compat.v1.train.latest_checkpoint(dir), `${base}-300`)
  t.deepEqual(tf.train.getCheckpointState(dir), {
    modelCheckpointPath: `${base}-300`,
    allModelCheckpointPaths: [`${base}-20`, `${base}-300`],
  })
  t.true(tf.train.checkpointExists(`${base}-20`))
  t.false(tf.train.checkpointExists(`${base}-1`))
  // A directory means its latest checkpoint.
  t.is(tf.train.loadVariable(dir, 'step').item(), 300n)
  t.is(tf.train.latestCheckpoint(path.join(dir, 'nowhere')), null)
})

test('a relative save path is recorded relative to its directory, and writeState: false leaves the state alone', (t) => {
  const dir = tempDir(t)
  const relative = path.relative(process.cwd(), path.join(dir, 'run'))
  const { graph, vars } = modelGraph()
  const saver = graph.asDefault(() => new tf.train.Saver([vars.counts], { maxToKeep: 0 }))
  tf.withSession(
    (s) => {
      s.run(vars.counts.initializer)
      saver.save(s, path.join(relative, 'm'), { globalStep: 1 })
      saver.save(s, path.join(relative, 'm'), { globalStep: 2 })
      saver.save(s, path.join(relative, 'other'), { writeState: false })
    },
    { graph },
  )
  // maxToKeep 0 keeps every file; the state file then lists only the latest (as TF).
  t.is(
    fs.readFileSync(path.join(dir, 'run', 'checkpoint'), 'utf8'),
    'model_checkpoint_path: "m-2"\nall_model_checkpoint_paths: "m-2"\n',
  )
  t.true(tf.train.checkpointExists(path.join(relative, 'm-1')))
  t.true(tf.train.checkpointExists(path.join(relative, 'other')))
  t.is(tf.train.latestCheckpoint(relative), path.join(relative, 'm-2'))
})

test('restore errors: a missing checkpoint, a missing variable, a dtype or shape that differs', (t) => {
  const dir = tempDir(t)
  const prefix = path.join(dir, 'small')
  const g1 = new tf.Graph()
  g1.asDefault(() => {
    const kernel = tf.getVariable('dense/kernel', { initializer: tf.constant([[1, 2]]) })
    const saver = new tf.train.Saver()
    tf.withSession((s) => {
      s.run(kernel.initializer)
      saver.save(s, prefix)
    })
  })
  const restoreInto = (build: () => void, savePath = prefix): unknown =>
    new tf.Graph().asDefault((g) => {
      build()
      const saver = new tf.train.Saver()
      const sess = new tf.Session({ graph: g })
      try {
        return t.throws(() => saver.restore(sess, savePath))
      } finally {
        sess.close()
      }
    })

  const missingFile = restoreInto(() => tf.getVariable('dense/kernel', { shape: [1, 2] }), path.join(dir, 'nope'))
  t.true(missingFile instanceof errors.NotFoundError, String(missingFile))
  t.is((missingFile as Error).message, `The passed save_path is not a valid checkpoint: ${path.join(dir, 'nope')}`)

  const missingKey = restoreInto(() => {
    tf.getVariable('dense/kernel', { shape: [1, 2] })
    tf.getVariable('dense/bias', { shape: [2] })
  })
  t.true(missingKey instanceof errors.NotFoundError, String(missingKey))
  t.is((missingKey as Error).message, 'Key dense/bias not found in checkpoint')

  const wrongDtype = restoreInto(() => tf.getVariable('dense/kernel', { shape: [1, 2], dtype: 'int32' }))
  t.true(wrongDtype instanceof errors.InvalidArgumentError, String(wrongDtype))
  t.is(
    (wrongDtype as Error).message,
    'tensor_name = dense/kernel; expected dtype int32 does not equal original dtype float32',
  )

  const wrongShape = restoreInto(() => tf.getVariable('dense/kernel', { shape: [2, 1] }))
  t.true(wrongShape instanceof errors.InvalidArgumentError, String(wrongShape))
  t.regex((wrongShape as Error).message, /^Cannot restore variable dense\/kernel of shape \(2, 1\)/)

  // Running the restore op directly reaches RestoreV2's own check, naming its node.
  new tf.Graph().asDefault((g) => {
    tf.getVariable('dense/bias', { shape: [2] })
    const saver = new tf.train.Saver()
    tf.withSession(
      (s) => {
        const e = t.throws(() => s.run(saver.saverDef.restoreOpName, { [saver.saverDef.filenameTensorName]: prefix }), {
          instanceOf: errors.NotFoundError,
          message: 'Key dense/bias not found in checkpoint',
        })
        t.is(e?.node, 'save/RestoreV2')
      },
      { graph: g },
    )
  })
})

/** The fixture's variables, from the script's formulas (worked out here, not read back). */
interface FixtureSpec {
  dtype: DType
  shape: number[]
  values: unknown[]
}

const FIXTURE_VALUES: Record<string, FixtureSpec> = {
  'dense/kernel': { dtype: 'float32', shape: [3, 2], values: [-1, -0.5, 0, 0.5, 1, 1.5] },
  'dense/bias': { dtype: 'float32', shape: [2], values: [0.5, 0.75] },
  scale: { dtype: 'float64', shape: [3], values: [0, 1 / 3, 2 / 3] },
  counts: { dtype: 'int32', shape: [4], values: [-2, -1, 0, 1] },
  global_step: { dtype: 'int64', shape: [], values: [1234567890123n] },
  mask: { dtype: 'bool', shape: [2, 2], values: [1, 0, 0, 1] },
  // float16 bits of 0.5, -2 and 65504 (the largest float16).
  half: { dtype: 'float16', shape: [3], values: [0x3800, 0xc000, 0x7bff] },
  vocab: { dtype: 'string', shape: [3], values: ['alpha', '', 'βeta'] },
}

/** A fixture variable's value as an NDArray of its dtype and shape. */
function fixtureArray(spec: FixtureSpec): NDArray {
  const numbers = spec.values as number[]
  switch (spec.dtype) {
    case 'float32':
      return new NDArray('float32', spec.shape, Float32Array.from(numbers))
    case 'float64':
      return new NDArray('float64', spec.shape, Float64Array.from(numbers))
    case 'int32':
      return new NDArray('int32', spec.shape, Int32Array.from(numbers))
    case 'int64':
      return new NDArray('int64', spec.shape, BigInt64Array.from(spec.values as bigint[]))
    case 'bool':
      return new NDArray('bool', spec.shape, Uint8Array.from(numbers))
    case 'float16':
      return new NDArray('float16', spec.shape, Uint16Array.from(numbers))
    default:
      return new NDArray('string', spec.shape, spec.values as string[])
  }
}

/** Restores the checkpoint at `prefix` into zero-initialised variables shaped as the fixture's. */
function restoreFixture(prefix: string): Record<string, NDArray> {
  return new tf.Graph().asDefault((g) => {
    const vars: Record<string, Variable> = {}
    for (const [name, spec] of Object.entries(FIXTURE_VALUES)) {
      vars[name] = tf.getVariable(name, { shape: spec.shape, dtype: spec.dtype, initializer: tf.zerosInitializer() })
    }
    const saver = new tf.train.Saver()
    return tf.withSession(
      (s) => {
        saver.restore(s, prefix)
        return s.run(vars)
      },
      { graph: g },
    )
  })
}

test('a checkpoint TensorFlow wrote restores here with its values', (t) => {
  const got = restoreFixture(FIXTURE)
  for (const [name, spec] of Object.entries(FIXTURE_VALUES)) {
    t.is(got[name].dtype, spec.dtype, name)
    t.deepEqual(got[name].shape, spec.shape, name)
    t.deepEqual(values(got[name]), spec.values, name)
  }
  t.deepEqual(
    tf.train.listVariables(FIXTURE),
    Object.entries(FIXTURE_VALUES)
      .map(([name, spec]): [string, number[]] => [name, spec.shape])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  )
  t.deepEqual(tf.compat.v1.train.list_variables(FIXTURE).length, 8)
  t.deepEqual(values(tf.compat.v1.train.load_variable(FIXTURE, 'dense/kernel')), [-1, -0.5, 0, 0.5, 1, 1.5])
  t.deepEqual(values(tf.train.loadVariable(FIXTURE, 'vocab')), ['alpha', '', 'βeta'])
  t.is(tf.train.loadVariable(FIXTURE, 'global_step:0').item(), 1234567890123n)
  t.throws(() => tf.train.loadVariable(FIXTURE, 'dense/gamma'), {
    instanceOf: errors.NotFoundError,
    message: 'Key dense/gamma not found in checkpoint',
  })
})

test('TensorFlow’s own Saver graph, imported, restores and saves here byte for byte as TensorFlow', (t) => {
  // The GraphDef TensorFlow built beside the fixture (tf_model_saver_graph.pb): its save/ ops
  // are TensorFlow's, driven by the names in its SaverDef.
  const graph = new tf.Graph()
  graph.asDefault(() => tf.importGraphDef(fs.readFileSync(`${FIXTURE}_saver_graph.pb`), { name: '' }))
  t.is(graph.getOperationByName('save/RestoreV2').type, 'RestoreV2')
  const prefix = path.join(tempDir(t), 'resaved')
  tf.withSession(
    (s) => {
      s.run('save/restore_all', { 'save/Const:0': FIXTURE })
      t.deepEqual(values(s.run('dense/kernel/Read/ReadVariableOp:0')), FIXTURE_VALUES['dense/kernel'].values)
      t.deepEqual(values(s.run('vocab/Read/ReadVariableOp:0')), FIXTURE_VALUES.vocab.values)
      t.is(s.run('save/control_dependency:0', { 'save/Const:0': prefix }).item(), prefix)
    },
    { graph },
  )
  for (const suffix of ['.index', '.data-00000-of-00001']) {
    t.deepEqual(fs.readFileSync(`${prefix}${suffix}`), fs.readFileSync(`${FIXTURE}${suffix}`), suffix)
  }
})

test('damaged checkpoint files are DataLossError, a missing one NotFoundError', (t) => {
  const dir = tempDir(t)
  const copy = path.join(dir, 'copy')
  fs.copyFileSync(`${FIXTURE}.index`, `${copy}.index`)
  fs.copyFileSync(`${FIXTURE}.data-00000-of-00001`, `${copy}.data-00000-of-00001`)
  const data = fs.readFileSync(`${copy}.data-00000-of-00001`)
  data[0] ^= 1 // the first byte of `counts`
  fs.writeFileSync(`${copy}.data-00000-of-00001`, data)
  t.throws(() => tf.train.loadVariable(copy, 'counts'), { instanceOf: errors.DataLossError })
  t.deepEqual(values(tf.train.loadVariable(copy, 'dense/bias')), [0.5, 0.75])
  const index = fs.readFileSync(`${copy}.index`)
  index[20] ^= 1
  fs.writeFileSync(`${copy}.index`, index)
  t.throws(() => tf.train.listVariables(copy), { instanceOf: errors.DataLossError })
  t.throws(() => tf.train.listVariables(path.join(dir, 'none')), { instanceOf: errors.NotFoundError })
})

/** Whether `python` imports TensorFlow, probed once (an import takes seconds). */
const hasTensorFlow = new Map<string, boolean>()

/** A Python with TensorFlow: `SESSIONFLOW_TF_PYTHON`; null (the test skips) without one. */
function tensorflowPython(t: ExecutionContext): string | null {
  const python = process.env.SESSIONFLOW_TF_PYTHON
  if (python === undefined || python === '') {
    t.log('skipped: SESSIONFLOW_TF_PYTHON is not set')
    return null
  }
  if (!hasTensorFlow.has(python)) {
    const probe = spawnSync(python, ['-c', 'import tensorflow'], { stdio: 'ignore', timeout: 120_000 })
    hasTensorFlow.set(python, probe.status === 0)
  }
  if (hasTensorFlow.get(python) !== true) {
    t.log(`skipped: ${python} has no TensorFlow`)
    return null
  }
  return python
}

function runScript(t: ExecutionContext, python: string, args: string[], input?: string): string {
  const run = spawnSync(python, [SCRIPT, ...args], { input, encoding: 'utf8', timeout: 300_000 })
  t.is(run.status, 0, run.stderr)
  return run.stdout
}

test('TensorFlow → sessionflow: a checkpoint TensorFlow writes now restores here', (t) => {
  const python = tensorflowPython(t)
  if (python === null) return t.pass()
  const prefix = path.join(tempDir(t), 'tf', 'model.ckpt')
  runScript(t, python, ['write', prefix])
  const got = restoreFixture(prefix)
  for (const [name, spec] of Object.entries(FIXTURE_VALUES)) t.deepEqual(values(got[name]), spec.values, name)
})

test('sessionflow → TensorFlow: a checkpoint saved here restores in TensorFlow', (t) => {
  const python = tensorflowPython(t)
  if (python === null) return t.pass()
  const prefix = path.join(tempDir(t), 'ours', 'model.ckpt')
  const graph = new tf.Graph()
  const vars = graph.asDefault(() => {
    const out: Record<string, Variable> = {}
    for (const [name, spec] of Object.entries(FIXTURE_VALUES)) {
      out[name] = tf.getVariable(name, { shape: spec.shape, dtype: spec.dtype, initializer: tf.zerosInitializer() })
    }
    return out
  })
  const saver = graph.asDefault(() => new tf.train.Saver())
  tf.withSession(
    (s) => {
      s.run(tf.variablesInitializer(Object.values(vars)))
      for (const [name, spec] of Object.entries(FIXTURE_VALUES)) vars[name].load(fixtureArray(spec), s)
      saver.save(s, prefix)
    },
    { graph },
  )
  const request = JSON.stringify({
    variables: Object.entries(FIXTURE_VALUES).map(([name, spec]) => ({ name, dtype: spec.dtype, shape: spec.shape })),
  })
  const theirs = (
    JSON.parse(runScript(t, python, ['restore', prefix], request)) as { values: Record<string, unknown[]> }
  ).values
  const expected: Record<string, unknown[]> = {
    'dense/kernel': [-1, -0.5, 0, 0.5, 1, 1.5],
    'dense/bias': [0.5, 0.75],
    scale: [0, 1 / 3, 2 / 3],
    counts: [-2, -1, 0, 1],
    global_step: ['1234567890123'],
    mask: [true, false, false, true],
    half: [0.5, -2, 65504],
    vocab: ['alpha', '', 'βeta'],
  }
  t.deepEqual(theirs, expected)
})

test('a Saver graph exported as a GraphDef saves in TensorFlow, and the checkpoint restores here', (t) => {
  const python = tensorflowPython(t)
  if (python === null) return t.pass()
  const prefix = path.join(tempDir(t), 'from_graph', 'model.ckpt')
  const graph = new tf.Graph()
  const { saver, init } = graph.asDefault(() => {
    const vars = Object.entries(FIXTURE_VALUES).map(([name, spec]) =>
      tf.getVariable(name, { initializer: tf.constant(fixtureArray(spec)) }),
    )
    return { saver: new tf.train.Saver(), init: tf.variablesInitializer(vars) }
  })
  const request = JSON.stringify({
    graph_def: Buffer.from(graph.asGraphDef().toBytes()).toString('base64'),
    init: init.name,
    filename_tensor: saver.saverDef.filenameTensorName,
    save_tensor: saver.saverDef.saveTensorName,
  })
  runScript(t, python, ['graph', prefix], request)
  const got = restoreFixture(prefix)
  for (const [name, spec] of Object.entries(FIXTURE_VALUES)) t.deepEqual(values(got[name]), spec.values, name)
})
