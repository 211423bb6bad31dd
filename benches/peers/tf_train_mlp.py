"""TensorFlow's side of benches/js/train_mlp.bench.mjs: the same MLP training step
(784-512-512-10, ReLU, softmax cross-entropy, Adam) in a tf.compat.v1 Session, fed the same
batches, timed in rounds that the JS bench asks for, so both engines alternate on one machine.

Usage: tf_train_mlp.py BATCHES_FILE NUM_BATCHES INTRA_OP INTER_OP
BATCHES_FILE holds NUM_BATCHES × (128×784 inputs then 128×10 one-hot labels) float32 values.
Protocol: prints `ready <version>` once built and warmed up; then for each line `steps N` on
stdin runs N training steps (cycling through the batches) and prints `steps_per_s <value>`.
Exits at end of input."""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

BATCH, INPUTS, HIDDEN, CLASSES = 128, 784, 512, 10
WARMUP_STEPS = 30

v1 = tf.compat.v1
v1.disable_eager_execution()


def main():
    path, num_batches, intra, inter = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    raw = np.fromfile(path, dtype=np.float32)
    per = BATCH * INPUTS + BATCH * CLASSES
    if raw.size != num_batches * per:
        raise SystemExit(f"{path} holds {raw.size} values, expected {num_batches * per}")
    batches = [
        (raw[i * per:i * per + BATCH * INPUTS].reshape(BATCH, INPUTS),
         raw[i * per + BATCH * INPUTS:(i + 1) * per].reshape(BATCH, CLASSES))
        for i in range(num_batches)
    ]

    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [BATCH, INPUTS], name="x")
        y = v1.placeholder(tf.float32, [BATCH, CLASSES], name="y")

        def dense(h, inputs, units, name, relu=True):
            w = v1.get_variable(f"{name}/w", [inputs, units], initializer=v1.glorot_uniform_initializer())
            b = v1.get_variable(f"{name}/b", [units], initializer=v1.zeros_initializer())
            out = tf.nn.bias_add(tf.matmul(h, w), b)
            return tf.nn.relu(out) if relu else out

        h = dense(x, INPUTS, HIDDEN, "l1")
        h = dense(h, HIDDEN, HIDDEN, "l2")
        logits = dense(h, HIDDEN, CLASSES, "l3", relu=False)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = v1.train.AdamOptimizer(1e-3).minimize(loss)
        init = v1.global_variables_initializer()

    config = v1.ConfigProto(intra_op_parallelism_threads=intra, inter_op_parallelism_threads=inter)
    with v1.Session(graph=g, config=config) as sess:
        sess.run(init)
        step = sess.make_callable([loss, train], feed_list=[x, y])
        first = step(*batches[0])[0]
        for i in range(WARMUP_STEPS):
            step(*batches[i % num_batches])
        last = step(*batches[0])[0]
        if not np.isfinite(last) or not last < first:
            raise SystemExit(f"training does not reduce the loss: {first} -> {last}")
        print(f"ready {tf.__version__}", flush=True)
        for line in sys.stdin:
            parts = line.split()
            if len(parts) != 2 or parts[0] != "steps":
                raise SystemExit(f"unexpected command: {line!r}")
            n = int(parts[1])
            start = time.perf_counter()
            for i in range(n):
                step(*batches[i % num_batches])
            elapsed = time.perf_counter() - start
            print(f"steps_per_s {n / elapsed}", flush=True)


if __name__ == "__main__":
    main()
