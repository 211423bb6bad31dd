"""TensorFlow's time for the graphs the criterion benches run (benches/benches/*.rs), each as one
tf.compat.v1 Session.run with fed inputs, so both sides pay feed and fetch. Prints one line per
case: median and best milliseconds over repeated runs. Run with a Python that has TensorFlow."""
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.compat.v1.disable_eager_execution()


def timed(run, seconds=3.0):
    for _ in range(3):
        run()
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 10:
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3, min(samples) * 1e3


def case(name, build, feeds_np):
    g = tf.Graph()
    with g.as_default():
        placeholders, out = build()
    sess = tf.compat.v1.Session(graph=g)
    feed = dict(zip(placeholders, feeds_np))
    median, best = timed(lambda: sess.run(out, feed))
    print(f"{name:32} median {median:9.3f} ms   best {best:9.3f} ms")
    sess.close()


def matmul(n):
    def build():
        x = tf.compat.v1.placeholder(tf.float32, [n, n])
        y = tf.compat.v1.placeholder(tf.float32, [n, n])
        return (x, y), tf.matmul(x, y)

    data = (np.arange(n * n) % 7 * 0.25).astype(np.float32).reshape(n, n)
    case(f"matmul_f32/{n}x{n}", build, (data, data))


def conv(name, shape, filt, stride, padding):
    def build():
        x = tf.compat.v1.placeholder(tf.float32, shape)
        w = tf.compat.v1.placeholder(tf.float32, filt)
        return (x, w), tf.nn.conv2d(x, w, strides=[1, stride, stride, 1], padding=padding)

    rng = np.random.default_rng(0)
    case(f"conv2d/{name}", build,
         (rng.standard_normal(shape, dtype=np.float32), rng.standard_normal(filt, dtype=np.float32)))


def elementwise(name, y_shape, op):
    def build():
        x = tf.compat.v1.placeholder(tf.float32, [1024, 1024])
        y = tf.compat.v1.placeholder(tf.float32, y_shape)
        return (x, y), op(x, y)

    data = (np.arange(1024 * 1024) % 13 - 6).astype(np.float32).reshape(1024, 1024)
    y = data.reshape(-1)[: int(np.prod(y_shape))].reshape(y_shape)
    case(f"elementwise_f32_1M/{name}", build, (data, y))


def chain(length):
    def build():
        x = tf.compat.v1.placeholder(tf.float32, [])
        last = x
        for _ in range(length):
            last = tf.add(last, x)
        return (x,), last

    case(f"executor_chain/{length}_nodes", build, (np.float32(1.0),))


print(f"TensorFlow {tf.__version__} — {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
for n in (256, 1024, 2048):
    matmul(n)
conv("3x3_same_56x56x64", [1, 56, 56, 64], [3, 3, 64, 64], 1, "SAME")
conv("1x1_56x56x64to256", [1, 56, 56, 64], [1, 1, 64, 256], 1, "SAME")
conv("3x3_s2_112x112x32", [1, 112, 112, 32], [3, 3, 32, 64], 2, "SAME")
elementwise("add_same_shape", [1024, 1024], tf.add)
elementwise("mul_scalar", [], tf.multiply)
elementwise("add_row_broadcast", [1024], tf.add)
for length in (1, 1000, 10000):
    chain(length)
