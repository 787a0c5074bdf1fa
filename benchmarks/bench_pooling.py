"""How fast is the NumPy reference, next to TensorFlow? (issue 8 targets)

Times ``pooledu.reference.pool2d`` and ``pooledu.tf.pool2d`` (max / avg / min) on
three cases, and reports for the reference:

* the median wall time of each, and their ratio (target: at most 2, issue 14);
* the length of the reference's N-d pooling core (``pooledu/_pool.py`` between its
  "the core (begin)" and "the core (end)" markers; target: about 200 lines);
* CPU time (all threads) next to it, since TensorFlow uses every core;
* peak memory (tracemalloc) relative to the input size (target: at most 3x);
* the memory-bandwidth floor: bytes that must be read and written, divided by
  the copy rate ``np.copyto`` achieves on this machine;
* a pixel-loop implementation on a smaller input, for contrast.

Usage::

    TF_CPP_MIN_LOG_LEVEL=3 python benchmarks/bench_pooling.py [--repeat 15] [--quick]
        [--markdown benchmarks/bench_pooling.md]

Prints a table and writes it as a markdown fragment. Timings on a shared machine
are noisy: compare ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pooledu.reference as R
from pooledu._geometry import output_shape, window_bounds

CASES = [
    ("(8,112,112,64) f32, 2x2/s2 valid", (8, 112, 112, 64), 2, 2, "valid"),
    ("(8,112,112,64) f32, 3x3/s2 same", (8, 112, 112, 64), 3, 2, "same"),
    ("(1,512,512,3) f32, 2x2/s2 valid", (1, 512, 512, 3), 2, 2, "valid"),
    ("(1,512,512,3) f32, 3x3/s2 same", (1, 512, 512, 3), 3, 2, "same"),
]
MODES = ("max", "avg", "min")


def _once(fn):
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def timed(fn, repeat):
    """Median wall and CPU (all threads) seconds of ``fn()`` over ``repeat`` runs."""
    fn()  # warm-up
    runs = [_once(fn) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def timed_pair(fn_a, fn_b, repeat):
    """Time two functions in alternation, so that both see the same machine load
    (other processes come and go); medians of wall / CPU time and of the ratio a/b."""
    fn_a(), fn_b()  # warm-up
    a, b = [], []
    for _ in range(repeat):
        a.append(_once(fn_a))
        b.append(_once(fn_b))
    ratio = statistics.median(x[0] / y[0] for x, y in zip(a, b))
    med = [(statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
           for runs in (a, b)]
    return med[0], med[1], ratio


def peak_memory(fn):
    """Peak bytes allocated (tracemalloc sees NumPy's buffers) while ``fn()`` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def copy_bandwidth(nbytes=1 << 27, repeat=7):
    """Bytes per second that ``np.copyto`` reads + writes on this machine."""
    src = np.ones(nbytes // 4, np.float32)
    dst = np.empty_like(src)
    wall, _ = timed(lambda: np.copyto(dst, src), repeat)
    return 2 * nbytes / wall


CORE = Path(__file__).resolve().parents[1] / "pooledu" / "_pool.py"


def core_lines(path=CORE):
    """Lines of the N-d pooling core: from its "(begin)" marker to its "(end)" marker."""
    lines = path.read_text().splitlines()
    begin = next(i for i, line in enumerate(lines) if "the core (begin)" in line)
    end = next(i for i, line in enumerate(lines) if "the core (end)" in line)
    return end - begin + 1, len(lines)


def loop_pool2d(x, mode, k, s, padding):
    """The slow, obvious way: one window at a time, in Python."""
    reduce = {"max": np.max, "min": np.min, "avg": np.mean}[mode]
    rows = window_bounds(x.shape[1], k, s, padding)
    cols = window_bounds(x.shape[2], k, s, padding)
    out = np.empty(output_shape(x.shape, k, s, padding), x.dtype)
    for b in range(x.shape[0]):
        for i, (r0, r1) in enumerate(zip(*rows)):
            for j, (c0, c1) in enumerate(zip(*cols)):
                out[b, i, j] = reduce(x[b, r0:r1, c0:c1], axis=(0, 1))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no pixel loop")
    parser.add_argument("--markdown", default=str(Path(__file__).with_suffix(".md")))
    args = parser.parse_args(argv)
    repeat = 5 if args.quick else args.repeat

    import tensorflow as tf

    import pooledu.tf as ptf

    bandwidth = copy_bandwidth()
    rng = np.random.default_rng(0)
    rows = []
    for label, shape, k, s, padding in CASES:
        x = rng.standard_normal(shape).astype(np.float32)
        xt = tf.constant(x)
        out_bytes = int(np.prod(output_shape(shape, k, s, padding))) * 4
        floor = (x.nbytes + out_bytes) / bandwidth
        for mode in MODES:
            ref_fn = functools.partial(R.pool2d, x, mode, k, s, padding)
            tf_fn = functools.partial(lambda *a: ptf.pool2d(*a).numpy(), xt, mode, k, s, padding)
            ref, tfb, ratio = timed_pair(ref_fn, tf_fn, repeat)
            peak = peak_memory(ref_fn)
            same = np.array_equal(ref_fn(), tf_fn())
            rows.append((label, mode, ref, tfb, ratio, peak / x.nbytes, floor, same))
            print(f"{label:34s} {mode:3s}  ref {ref[0] * 1e3:7.2f} ms (cpu {ref[1] * 1e3:6.2f})"
                  f"  tf {tfb[0] * 1e3:7.2f} ms (cpu {tfb[1] * 1e3:6.2f})"
                  f"  ratio {ratio:4.2f} (cpu {ref[1] / max(tfb[1], 1e-9):4.2f})"
                  f"  peak {peak / x.nbytes:4.2f}x in  floor {floor * 1e3:5.2f} ms"
                  f"  {'bit-exact' if same else 'differs'}", flush=True)

    loop_line = ""
    if not args.quick:
        small = rng.standard_normal((1, 128, 128, 3)).astype(np.float32)
        loop = timed(lambda: loop_pool2d(small, "max", 3, 2, "same"), 3)
        vec = timed(lambda: R.pool2d(small, "max", 3, 2, "same"), repeat)
        assert np.array_equal(loop_pool2d(small, "max", 3, 2, "same"),
                              R.pool2d(small, "max", 3, 2, "same"))
        loop_line = (f"Pixel loop, (1,128,128,3) max 3x3/s2 same: {loop[0] * 1e3:.1f} ms "
                     f"vs reference {vec[0] * 1e3:.2f} ms ({loop[0] / vec[0]:.0f}x slower).")
        print(loop_line)

    header = ("| case | mode | reference ms (cpu) | pooledu.tf ms (cpu) | ratio wall (cpu) "
              "| within 2x | peak mem / input | bandwidth floor ms | reference / floor "
              "| tf / floor | same result |")
    lines = [header, "|---|---|---|---|---|---|---|---|---|---|---|"]
    for label, mode, ref, tfb, ratio, peak, floor, same in rows:
        lines.append(
            f"| {label} | {mode} | {ref[0] * 1e3:.2f} ({ref[1] * 1e3:.2f}) "
            f"| {tfb[0] * 1e3:.2f} ({tfb[1] * 1e3:.2f}) "
            f"| {ratio:.2f} ({ref[1] / max(tfb[1], 1e-9):.2f}) "
            f"| {'yes' if ratio <= 2 else 'NO'} | {peak:.2f}x "
            f"| {floor * 1e3:.2f} | {ref[0] / floor:.1f}x | {tfb[0] / floor:.1f}x "
            f"| {'bit-exact' if same else 'differs'} |")
    core, module = core_lines()
    print(f"N-d pooling core: {core} lines (pooledu/_pool.py: {module} lines)")
    footer = (f"Median of {repeat} alternating runs (ratio: median of the per-run ratios); "
              f"copy bandwidth {bandwidth / 1e9:.1f} GB/s (read + write); {os.cpu_count()} "
              f"CPUs; numpy {np.__version__}, tensorflow {tf.__version__}, "
              f"Python {platform.python_version()}.")
    lines += ["", footer, "",
              f"The reference's N-d pooling core (max, min, sum, avg, lp, every padding; "
              f"pooledu/_pool.py between its 'the core (begin)' and 'the core (end)' "
              f"markers): **{core} lines**, docstrings and comments included "
              f"(the module: {module} lines)."]
    if loop_line:
        lines += ["", loop_line]
    Path(args.markdown).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.markdown}")


if __name__ == "__main__":
    main()
