"""TensorFlow's latency on the frozen MobileNet fixture, for benches/js/mobilenet.bench.mjs
(which launches it so that all peers are measured in one sitting): a tf.compat.v1 Session on the
same GraphDef (TensorFlow's default graph optimizations and oneDNN kernels on), batch 1, fed
from numpy. Prints one JSON object: median and p90 latency in ms over --runs timed runs after
--warmup untimed ones, the threads used, and the output for checking.

python benches/peers/tf_mobilenet.py --graph G.pb --image I.npy [--input image:0]
    [--output Identity:0] [--runs 500] [--warmup 50] [--threads 2]"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--graph", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--input", default="image:0")
    p.add_argument("--output", default="Identity:0")
    p.add_argument("--runs", type=int, default=500)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    a = p.parse_args()

    graph_def = tf.compat.v1.GraphDef()
    with open(a.graph, "rb") as f:
        graph_def.ParseFromString(f.read())
    g = tf.Graph()
    with g.as_default():
        tf.graph_util.import_graph_def(graph_def, name="")
    config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=a.threads,
                                      inter_op_parallelism_threads=1)
    sess = tf.compat.v1.Session(graph=g, config=config)
    image = np.load(a.image)
    fetch = g.get_tensor_by_name(a.output)
    feed = {g.get_tensor_by_name(a.input): image}
    run = sess.make_callable(fetch, [feed_key for feed_key in feed])
    for _ in range(a.warmup):
        out = run(image)
    samples = []
    for _ in range(a.runs):
        t0 = time.perf_counter_ns()
        out = run(image)
        samples.append((time.perf_counter_ns() - t0) / 1e6)
    samples.sort()
    print(json.dumps({
        "peer": f"TensorFlow {tf.__version__}",
        "threads": f"intra-op {a.threads}, inter-op 1",
        "median_ms": samples[len(samples) // 2],
        "p90_ms": samples[int(len(samples) * 0.9)],
        "runs": a.runs,
        "output": np.asarray(out).ravel().tolist(),
    }))


if __name__ == "__main__":
    main()
