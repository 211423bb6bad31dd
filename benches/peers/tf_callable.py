"""TensorFlow's per-call cost on the same 3-node graph as benches/js/callable.bench.mjs:
tf.compat.v1 Session.run with a feed_dict, and a callable from Session.make_callable.
Run with a Python that has TensorFlow (pip install tensorflow-cpu)."""
import os
import platform
import timeit

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

tf.compat.v1.disable_eager_execution()
g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [], name="x")
    y = x * 2 + 1
sess = tf.compat.v1.Session(graph=g)
f = sess.make_callable(y, [x])
assert sess.run(y, {x: 3.0}) == 7 and f(3.0) == 7


def per_call(fn, seconds=2.0):
    number = 1000
    while timeit.timeit(fn, number=number) < 0.2:
        number *= 2
    runs = max(3, int(seconds / 0.2))
    best = min(timeit.repeat(fn, number=number, repeat=runs))
    return best / number * 1e6


print(f"TensorFlow {tf.__version__} per-call cost on a 3-node graph — {platform.processor() or platform.machine()}, "
      f"{os.cpu_count()} cores, python {platform.python_version()}")
print(f"{'Session.run(y, {x})':34} best {per_call(lambda: sess.run(y, {x: 3.0})):.2f} µs")
print(f"{'callable(x)':34} best {per_call(lambda: f(3.0)):.2f} µs")
