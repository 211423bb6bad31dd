"""TensorFlow's time for the loop of benches/benches/while_loop.rs: `i, s = 0, 0; while i < n:
i, s = i + 1, s + i` on int32 scalars, built with tf.compat.v1.while_loop under TF1 control flow
(Enter/Merge/Switch/Exit/NextIteration), n fed, one Session.run per sample. Prints the median and
best milliseconds per case. Run with a Python that has TensorFlow."""
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

v1 = tf.compat.v1
v1.disable_eager_execution()
v1.disable_control_flow_v2()


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


def main():
    print(f"TensorFlow {tf.__version__}")
    for parallel in (1, 10):
        g = tf.Graph()
        with g.as_default():
            n = v1.placeholder(tf.int32, [])
            _, total = v1.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + i),
                                     [tf.constant(0), tf.constant(0)], parallel_iterations=parallel)
        sess = v1.Session(graph=g)
        for count in (10, 1000):
            assert sess.run(total, {n: count}) == count * (count - 1) // 2
            median, best = timed(lambda: sess.run(total, {n: count}))
            print(f"while_loop/{count}_iterations_parallel_{parallel:<3} median {median:9.3f} ms"
                  f"   best {best:9.3f} ms   ({median / count * 1e3:.2f} µs/iteration)")
        sess.close()


if __name__ == "__main__":
    main()
