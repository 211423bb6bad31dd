// tf.cond and tf.whileLoop: TF1 control flow built from Switch/Merge/Enter/Exit/NextIteration/
// LoopCond and run by the engine's frames. Expected values are worked out by hand: closed forms
// (sums, factorials), known sequences (Collatz step counts, OEIS A006577), or arithmetic in the
// test's comments.
import test from 'ava'
import tf, { type Graph, type NDArray, type Operation, type Tensor } from 'sessionflow'

/** Builds in a fresh graph, then runs the tensors `build` returns with the feeds it gives. */
function evalIn(build: (graph: Graph) => { fetch: Tensor[]; feeds?: Map<Tensor, unknown> }): NDArray[] {
  return new tf.Graph().asDefault((graph) => {
    const { fetch, feeds } = build(graph)
    const sess = new tf.Session('', graph)
    try {
      return sess.run(fetch, feeds as never) as NDArray[]
    } finally {
      sess.close()
    }
  })
}

/** A graph with a session on it, for running one graph with several feeds. */
function withSession<R>(build: (graph: Graph) => R, use: (sess: InstanceType<typeof tf.Session>, built: R) => void) {
  new tf.Graph().asDefault((graph) => {
    const built = build(graph)
    const sess = new tf.Session('', graph)
    try {
      use(sess, built)
    } finally {
      sess.close()
    }
  })
}

test('cond takes the branch its predicate chooses: |x| by cond(x < 0, -x, x)', (t) => {
  withSession(
    () => {
      const x = tf.placeholder('float32', [], 'x')
      return {
        x,
        y: tf.cond(
          tf.less(x, 0),
          () => tf.neg(x),
          () => x,
        ),
      }
    },
    (sess, { x, y }) => {
      for (const [v, want] of [
        [-3, 3],
        [2.5, 2.5],
        [0, 0],
      ]) {
        t.is(sess.run(y, new Map([[x, v]])).item(), want)
      }
    },
  )
})

test('the untaken branch does not run: its integer division by zero never fails', (t) => {
  withSession(
    () => {
      const p = tf.placeholder('bool', [], 'p')
      const n = tf.placeholder('int32', [], 'n')
      const zero = tf.constant(0, 'int32')
      const y = tf.cond(
        p,
        () => tf.floordiv(n, zero, 'divide_by_zero'),
        () => tf.add(n, 1, 'plus_one'),
      )
      return { p, n, y }
    },
    (sess, { p, n, y }) => {
      const meta = new tf.RunMetadata()
      const value = sess.run(
        y,
        new Map<Tensor, number | boolean>([
          [p, false],
          [n, 41],
        ]),
        { traceLevel: 'FULL_TRACE' },
        meta,
      )
      t.is(value.item(), 42)
      const ran = meta.stepStats.map((s) => s.node)
      t.true(ran.includes('cond/plus_one'), ran.join(', '))
      t.false(ran.includes('cond/divide_by_zero'), ran.join(', '))
      // Taken, the same branch fails: it is the branch that would have failed above.
      const error = t.throws(() =>
        sess.run(
          y,
          new Map<Tensor, number | boolean>([
            [p, true],
            [n, 41],
          ]),
        ),
      )
      t.true(error instanceof tf.errors.InvalidArgumentError, String(error))
      t.regex(error?.message ?? '', /division by zero/)
    },
  )
})

test('cond captures outside tensors through a Switch and ties branch constants to a pivot', (t) => {
  new tf.Graph().asDefault((graph) => {
    const x = tf.placeholder('float32', [], 'x')
    const y = tf.cond(
      tf.constant(true),
      () => tf.mul(x, 2),
      () => tf.add(x, 10),
    )
    t.is(y.op.type, 'Merge')
    const mul = graph.getOperationByName('cond/mul')
    const captured = mul.inputs[0].op
    t.is(captured.type, 'Switch')
    t.is(captured.inputs[0], x)
    t.is(mul.inputs[0].valueIndex, 1, 'the true branch takes output_true')
    const two = mul.inputs[1].op
    t.is(two.type, 'Const')
    t.deepEqual(
      two.controlInputs.map((c: Operation) => c.name),
      ['cond/switch_t'],
    )
    t.is(graph.getOperationByName('cond/add').inputs[0].valueIndex, 0, 'the false branch takes output_false')
  })
})

test('cond returns nested structures of tensors, and plain values become constants', (t) => {
  withSession(
    () => {
      const p = tf.placeholder('bool', [], 'p')
      const out = tf.cond(
        p,
        () => ({ pair: [tf.constant(1), tf.constant(2)], label: tf.constant(10, 'int32') }),
        () => ({ pair: [3, 4], label: tf.constant(20, 'int32') }),
      )
      return { p, out }
    },
    (sess, { p, out }) => {
      t.deepEqual(Object.keys(out).sort(), ['label', 'pair'])
      const fetch = [out.pair[0], out.pair[1], out.label]
      t.deepEqual(
        (sess.run(fetch, new Map([[p, true]])) as NDArray[]).map((v) => v.item()),
        [1, 2, 10],
      )
      t.deepEqual(
        (sess.run(fetch, new Map([[p, false]])) as NDArray[]).map((v) => v.item()),
        [3, 4, 20],
      )
    },
  )
})

test('cond refuses branches of different structures or dtypes, and a non-boolean predicate', (t) => {
  new tf.Graph().asDefault(() => {
    const x = tf.constant(1)
    const p = tf.constant(true)
    const structure = t.throws(() =>
      tf.cond(
        p,
        () => [x, x] as Tensor | Tensor[],
        () => x,
      ),
    )
    t.true(structure instanceof tf.errors.InvalidArgumentError)
    t.regex(structure?.message ?? '', /same structure: trueFn returned \[\*, \*\] and falseFn \*/)
    const dtype = t.throws(() =>
      tf.cond(
        p,
        () => x,
        () => tf.constant(1, 'int32'),
      ),
    )
    t.regex(dtype?.message ?? '', /same dtype: output 0 is float32 in trueFn and int32 in falseFn/)
    const predicate = t.throws(() =>
      tf.cond(
        x,
        () => x,
        () => x,
      ),
    )
    t.true(predicate instanceof tf.errors.InvalidArgumentError)
    t.regex(predicate?.message ?? '', /bool/)
  })
})

test('nested conds: sign(x) as cond(x > 0, 1, cond(x < 0, -1, 0))', (t) => {
  withSession(
    () => {
      const x = tf.placeholder('float32', [], 'x')
      const sign = tf.cond(
        tf.greater(x, 0),
        () => tf.constant(1),
        () =>
          tf.cond(
            tf.less(x, 0),
            () => tf.constant(-1),
            () => tf.constant(0),
          ),
      )
      return { x, sign }
    },
    (sess, { x, sign }) => {
      t.deepEqual(
        [5, -0.5, 0].map((v) => sess.run(sign, new Map([[x, v]])).item()),
        [1, -1, 0],
      )
    },
  )
})

test('whileLoop sums 1..n: (i, s) → (i + 1, s + i) while i <= n gives n(n+1)/2', (t) => {
  withSession(
    () => {
      const n = tf.placeholder('int32', [], 'n')
      const [i, sum] = tf.whileLoop(
        (i, _s) => tf.lessEqual(i, n),
        (i, s) => [tf.add(i, 1), tf.add(s, i)],
        [tf.constant(1, 'int32'), tf.constant(0, 'int32')],
      )
      return { n, i, sum }
    },
    (sess, { n, i, sum }) => {
      for (const count of [0, 1, 10, 100, 2000]) {
        const [last, total] = sess.run([i, sum], new Map([[n, count]])) as NDArray[]
        t.is(total.item(), (count * (count + 1)) / 2, `n = ${count}`)
        t.is(last.item(), count + 1)
        t.is(total.dtype, 'int32')
      }
    },
  )
})

test('whileLoop with a cond in its body counts Collatz steps (OEIS A006577)', (t) => {
  withSession(
    () => {
      const start = tf.placeholder('int32', [], 'start')
      const [, steps] = tf.whileLoop(
        (x, _steps) => tf.notEqual(x, 1),
        (x, steps) => [
          tf.cond(
            tf.equal(tf.floormod(x, 2), 0),
            () => tf.floordiv(x, 2),
            () => tf.add(tf.mul(x, 3), 1),
          ),
          tf.add(steps, 1),
        ],
        [start, 0],
      )
      return { start, steps }
    },
    (sess, { start, steps }) => {
      const known: [number, number][] = [
        [1, 0],
        [2, 1],
        [3, 7],
        [6, 8],
        [7, 16],
        [27, 111],
        [97, 118],
        [871, 178],
      ]
      for (const [x, want] of known) t.is(sess.run(steps, new Map([[start, x]])).item(), want, `Collatz(${x})`)
    },
  )
})

test('whileLoop over one tensor or an object passes it as one argument', (t) => {
  const [doubled, fact] = evalIn(() => {
    // 1 → 2 → 4 → … → 128, the first power of two not below 100.
    const doubled = tf.whileLoop(
      (x) => tf.less(x, 100),
      (x) => tf.mul(x, 2),
      tf.constant(1),
    )
    // 5! by {k, acc}: acc *= k while k > 1.
    const fact = tf.whileLoop(
      ({ k }) => tf.greater(k, 1),
      ({ k, acc }) => ({ k: tf.sub(k, 1), acc: tf.mul(acc, k) }),
      { k: tf.constant(5, 'int32'), acc: tf.constant(1, 'int32') },
    )
    return { fetch: [doubled, fact.acc] }
  })
  t.is(doubled.item(), 128)
  t.is(fact.item(), 120)
})

test('maximumIterations stops a loop early; nested loops sum triangular numbers', (t) => {
  const [capped, uncapped, total] = evalIn(() => {
    const count = (limit?: number) =>
      tf.whileLoop(
        (i) => tf.less(i, 100),
        (i) => tf.add(i, 1),
        tf.constant(0, 'int32'),
        limit === undefined ? {} : { maximumIterations: limit },
      )
    // total = Σ_{i=1..10} Σ_{j=1..i} j = 10·11·12/6 = 220.
    const [, sum] = tf.whileLoop(
      (i, _s) => tf.lessEqual(i, 10),
      (i, s) => {
        const [, inner] = tf.whileLoop(
          (j, _a) => tf.lessEqual(j, i),
          (j, a) => [tf.add(j, 1), tf.add(a, j)],
          [1, 0],
        )
        return [tf.add(i, 1), tf.add(s, inner)]
      },
      [1, 0],
    )
    return { fetch: [count(7), count(), sum] }
  })
  t.is(capped.item(), 7)
  t.is(uncapped.item(), 100)
  t.is(total.item(), 220)
})

test('a loop whose variable changes shape needs a shape invariant', (t) => {
  new tf.Graph().asDefault((graph) => {
    const start = tf.constant([1])
    const grow = (v: Tensor) => tf.concat([v, v], 0)
    const error = t.throws(() => tf.whileLoop((v) => tf.less(tf.size(v), 10), grow, start))
    t.true(error instanceof tf.errors.InvalidArgumentError)
    t.regex(error?.message ?? '', /enters the loop with shape \(1,\), but has shape \(2,\) after one iteration/)
    t.regex(error?.message ?? '', /shapeInvariants/)
    // 1 → 2 → 4 → 8 → 16 elements, all ones.
    const grown = tf.whileLoop((v) => tf.less(tf.size(v), 10), grow, start, { shapeInvariants: [null] })
    t.deepEqual(grown.shape, [null])
    const sess = new tf.Session('', graph)
    const value = sess.run(grown)
    t.deepEqual(value.shape, [16])
    t.deepEqual(Array.from(value.data as Float32Array), new Array(16).fill(1))
    const bad = t.throws(() => tf.whileLoop((v) => tf.less(tf.size(v), 10), grow, start, { shapeInvariants: [2] }))
    t.regex(bad?.message ?? '', /not compatible with the initial shape/)
    sess.close()
  })
})

test('outside tensors enter a loop once, as invariants, and every iteration sees them', (t) => {
  new tf.Graph().asDefault((graph) => {
    const v = tf.constant([1, 2, 3], { name: 'v' })
    const [, acc] = tf.whileLoop(
      (k, _acc) => tf.less(k, 5),
      (k, acc) => [tf.add(k, 1), tf.add(acc, tf.mul(v, v))],
      [0, tf.constant([0, 0, 0])],
    )
    const enters = graph.getOperations().filter((op) => op.type === 'Enter')
    const json = JSON.stringify(graph.asGraphDef())
    t.is(enters.length, 3, 'two loop variables and one invariant')
    t.regex(json, /"is_constant":\{"b":true\}/)
    const sess = new tf.Session('', graph)
    // acc = 5 · v² = [5, 20, 45].
    t.deepEqual(Array.from(sess.run(acc).data as Float32Array), [5, 20, 45])
    sess.close()
  })
})

test('a loop inside the untaken branch of a cond does not run', (t) => {
  withSession(
    () => {
      const p = tf.placeholder('bool', [], 'p')
      const y = tf.cond(
        p,
        () => {
          const [, s] = tf.whileLoop(
            (i, _s) => tf.lessEqual(i, 4),
            (i, s) => [tf.add(i, 1), tf.add(s, i)],
            [tf.constant(1, 'int32'), tf.constant(0, 'int32')],
          )
          return s
        },
        () => tf.constant(-1, 'int32'),
      )
      return { p, y }
    },
    (sess, { p, y }) => {
      t.is(sess.run(y, new Map([[p, true]])).item(), 10)
      const meta = new tf.RunMetadata()
      t.is(sess.run(y, new Map([[p, false]]), { traceLevel: 'FULL_TRACE' }, meta).item(), -1)
      const inLoop = meta.stepStats.filter((s) => s.node.includes('while/'))
      t.deepEqual(
        inLoop.map((s) => s.node),
        [],
      )
    },
  )
})

test('step stats inside a loop list each iteration, and parallelIterations does not change results', (t) => {
  withSession(
    () => {
      const n = tf.placeholder('int32', [], 'n')
      const sums = [1, 32].map(
        (parallelIterations) =>
          tf.whileLoop(
            (i, _s) => tf.less(i, n),
            (i, s) => [tf.add(i, 1), tf.add(s, tf.mul(i, i), 'square_sum')],
            [tf.constant(0, 'int32'), tf.constant(0, 'int32')],
            { parallelIterations },
          )[1],
      )
      return { n, sums }
    },
    (sess, { n, sums }) => {
      const meta = new tf.RunMetadata()
      const [a, b] = sess.run(sums, new Map([[n, 6]]), { traceLevel: 'FULL_TRACE' }, meta) as NDArray[]
      // 0² + 1² + … + 5² = 55.
      t.is(a.item(), 55)
      t.is(b.item(), 55)
      t.is(meta.stepStats.filter((s) => s.node === 'while/square_sum').length, 6)
    },
  )
})

test('whileLoop refuses a body of another structure, dtype, or a non-boolean condition', (t) => {
  new tf.Graph().asDefault(() => {
    const structure = t.throws(() =>
      tf.whileLoop(
        (i, _j) => tf.less(i, 3),
        (i) => [tf.add(i, 1)],
        [0, 0],
      ),
    )
    t.regex(structure?.message ?? '', /must return the structure of its loop variables, \[\*, \*\]; it returned \[\*\]/)
    const dtype = t.throws(() =>
      tf.whileLoop(
        (i) => tf.less(i, 3),
        (i) => tf.cast(i, 'float32'),
        tf.constant(0, 'int32'),
      ),
    )
    t.regex(dtype?.message ?? '', /returns float32 for loop variable 0/)
    const condition = t.throws(() =>
      tf.whileLoop(
        (i) => tf.add(i, 1),
        (i) => i,
        tf.constant(0),
      ),
    )
    t.regex(condition?.message ?? '', /bool scalar/)
  })
})

test('control dependencies from outside a loop reach inside it through an Enter', (t) => {
  new tf.Graph().asDefault((graph) => {
    const before = tf.noOp('before')
    const x = tf.constant(2, { name: 'x' })
    const y = tf.controlDependencies([before, x], () =>
      tf.whileLoop(
        (v) => tf.less(v, 50),
        (v) => tf.mul(v, 3),
        tf.constant(1),
      ),
    )
    const sess = new tf.Session('', graph)
    t.is(sess.run(y).item(), 81, '1 → 3 → 9 → 27 → 81')
    sess.close()
  })
})

test('TF names: tf.compat.v1.cond and tf.compat.v1.while_loop', (t) => {
  t.is(tf.compat.v1.cond, tf.cond)
  t.is(tf.compat.v1.while_loop, tf.whileLoop)
})

test('tf.gradients flows back through the branch of a cond that ran, and not through a loop', (t) => {
  withSession(
    () => {
      const p = tf.placeholder('bool', [], 'p')
      const x = tf.placeholder('float32', [], 'x')
      // y = 3x² when p, else x + 5: dy/dx = 6x or 1.
      const y = tf.cond(
        p,
        () => tf.mul(tf.mul(x, x), 3),
        () => tf.add(x, 5),
      )
      const [dx] = tf.gradients(y, x)
      return { p, x, y, dx: dx as Tensor }
    },
    (sess, { p, x, y, dx }) => {
      const at = (taken: boolean) =>
        (
          sess.run(
            [y, dx],
            new Map<Tensor, number | boolean>([
              [p, taken],
              [x, 2],
            ]),
          ) as NDArray[]
        ).map((v) => v.item())
      t.deepEqual(at(true), [12, 12])
      t.deepEqual(at(false), [7, 1])
    },
  )
  new tf.Graph().asDefault(() => {
    const x = tf.constant(1)
    const doubled = tf.whileLoop(
      (v) => tf.less(v, 10),
      (v) => tf.add(v, v),
      x,
    )
    const error = t.throws(() => tf.gradients(doubled, x))
    t.true(error instanceof tf.errors.NotFoundError, String(error))
  })
})
