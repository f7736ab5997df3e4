"""Speed benchmark (``make bench``): d2l's own data pipeline, ours, the hardware floor.

All three train the concise chapter's model (``Dense(10)``, ``init.Normal(0.01)``,
``SoftmaxCrossEntropyLoss``, ``'sgd'`` with learning rate 0.1, minibatches of 256) on
Fashion-MNIST, each run in its own subprocess so that its peak memory is its own:

* reference: d2l 1.0.3's ``load_data_fashion_mnist`` way of loading
  (``gluon.data.vision.FashionMNIST``, ``ToTensor`` per sample,
  ``gluon.data.DataLoader`` with d2l's ``get_dataloader_workers()`` processes)
  driving a d2l-0.17-style ``train_ch3`` loop (``float(l.sum())`` into an
  ``Accumulator`` every batch, an evaluation on the test set every epoch), the model
  not hybridized, as in the book;
* ours: ``d2l_helpers.load_data_fashion_mnist`` and ``d2l_helpers.train_ch3``;
* floor: the same SGD steps on minibatches made beforehand as device arrays, with the
  model and loss hybridized exactly as ``train_ch3`` does, no metrics and no
  evaluation while timed: what the hardware and MXNet's dispatch allow.

Every pipeline reads the same four files (Debian's Fashion-MNIST unless ``--data-dir``).
MXNet stores SHA-1s of other gzip files, so for the reference, and only while its data
sets are constructed, ``mxnet.gluon.utils.check_sha1`` accepts files of that folder
(our loader verifies the MD5 of their decompressed content).

The reference and ours start from the same seed: the same initial weights (MXNet's
generator) and the same minibatch order (both shuffle with ``numpy.random``), so their
accuracies should agree to rounding. Ours and the floor run for several seeds,
alternately, and the spread of ours shows how much test accuracy wobbles by seed.
The results are printed and written between markers into BENCHMARKS.md.
"""

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, init, npx
from mxnet.gluon import nn

import d2l_helpers as d2l
from d2l_helpers.datasets import FASHION_MNIST
from d2l_helpers.training import hybridize_blocks
from scripts.layout import ROOT

RESULT_PREFIX = "BENCHMARK-RESULT "
SECTION_START = (
    "<!-- benchmark:start (written by scripts/benchmark.py; "
    "edit outside the markers) -->"
)
SECTION_END = "<!-- benchmark:end -->"
BATCH_SIZE = 256
LEARNING_RATE = 0.1
LAST_EPOCHS = 3  # test accuracy is compared as the mean over the last epochs
NAN = float("nan")
Model = tuple[nn.Sequential, gluon.loss.SoftmaxCrossEntropyLoss, gluon.Trainer]


@dataclass
class RunResult:
    """What one pipeline run measured (accuracies as fractions, memory in MiB)."""

    pipeline: str
    seed: int
    load_seconds: float
    epoch_seconds: list[float]
    train_loss: list[float]
    test_acc: list[float]
    peak_rss_mib: float
    worker_peak_rss_mib: float


def concise_model(device: mx.Context) -> Model:
    """Return the concise chapter's net, loss and trainer on ``device``."""
    net = nn.Sequential()
    net.add(nn.Dense(10))
    net.initialize(init.Normal(sigma=0.01), ctx=device)
    trainer = gluon.Trainer(
        net.collect_params(), "sgd", {"learning_rate": LEARNING_RATE}
    )
    return net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer


def seeded(seed: int) -> None:
    """Seed NumPy (minibatch order) and MXNet (initial weights)."""
    np.random.seed(seed)
    mx.random.seed(seed)


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Return the peak resident MiB of this process (or of its largest reaped child)."""
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


@contextmanager
def sha1_accepted_in(folder: Path) -> Iterator[None]:
    """Let MXNet's downloader accept ``folder``'s files whatever their gzip SHA-1."""
    original = gluon.utils.check_sha1
    gluon.utils.check_sha1 = lambda name, sha1: (
        Path(name).parent == folder or original(name, sha1)
    )
    try:
        yield
    finally:
        gluon.utils.check_sha1 = original


def reference_loaders(
    batch_size: int, folder: Path
) -> tuple[gluon.data.DataLoader, ...]:
    """Return d2l 1.0.3's Fashion-MNIST DataLoaders, reading the files in ``folder``."""
    # imported only here: it is heavy, and only for this run
    from d2l import mxnet as d2l_book

    vision = gluon.data.vision
    trans = vision.transforms.Compose([vision.transforms.ToTensor()])
    with sha1_accepted_in(folder):
        mnist_train = vision.FashionMNIST(root=str(folder), train=True).transform_first(
            trans
        )
        mnist_test = vision.FashionMNIST(root=str(folder), train=False).transform_first(
            trans
        )
    workers = d2l_book.get_dataloader_workers()
    return (
        gluon.data.DataLoader(
            mnist_train, batch_size, shuffle=True, num_workers=workers
        ),
        gluon.data.DataLoader(
            mnist_test, batch_size, shuffle=False, num_workers=workers
        ),
    )


def reference_epoch(
    model: Model,
    train_iter: gluon.data.DataLoader,
    test_iter: gluon.data.DataLoader,
    device: mx.Context,
) -> tuple[float, float]:
    """Train and evaluate one epoch as d2l 0.17's train_ch3; return (loss, test acc)."""
    # imported only here: it is heavy, and only for this run
    from d2l import mxnet as d2l_book

    net, loss, trainer = model
    metric = d2l_book.Accumulator(3)  # loss sum, correct predictions, examples
    for X, y in train_iter:
        # a no-op on the CPU, as in the book
        X, y = X.as_in_ctx(device), y.as_in_ctx(device)
        with autograd.record():
            y_hat = net(X)
            batch_loss = loss(y_hat, y)
        batch_loss.backward()
        trainer.step(X.shape[0])
        metric.add(float(batch_loss.sum()), d2l_book.accuracy(y_hat, y), y.size)
    train_loss = metric[0] / metric[2]
    metric = d2l_book.Accumulator(2)  # correct predictions, examples
    for X, y in test_iter:
        X, y = X.as_in_ctx(device), y.as_in_ctx(device)
        metric.add(d2l_book.accuracy(net(X), y), y.size)
    return train_loss, metric[0] / metric[1]


def close_workers(*loaders: gluon.data.DataLoader) -> None:
    """Stop and reap DataLoader worker processes so that RUSAGE_CHILDREN counts them."""
    for loader in loaders:
        # no public API; DataLoader.__del__ only terminates it
        pool = loader._worker_pool
        if pool is not None:
            pool.terminate()
            pool.join()


def run_reference(
    epochs: int, seed: int, folder: Path, device: mx.Context
) -> RunResult:
    """Train with d2l's DataLoader pipeline and a d2l-0.17-style loop."""
    start = time.perf_counter()
    train_iter, test_iter = reference_loaders(BATCH_SIZE, folder)
    load_seconds = time.perf_counter() - start
    seeded(seed)
    model = concise_model(device)
    seconds, train_loss, test_acc = [], [], []
    for _ in range(epochs):
        start = time.perf_counter()
        loss_value, acc = reference_epoch(model, train_iter, test_iter, device)
        seconds.append(time.perf_counter() - start)
        train_loss.append(loss_value)
        test_acc.append(acc)
    close_workers(train_iter, test_iter)
    return RunResult(
        "reference",
        seed,
        load_seconds,
        seconds,
        train_loss,
        test_acc,
        peak_rss_mib(),
        peak_rss_mib(resource.RUSAGE_CHILDREN),
    )


def run_ours(epochs: int, seed: int, folder: Path, device: mx.Context) -> RunResult:
    """Train with d2l_helpers' loader and train_ch3, without the plot."""
    start = time.perf_counter()
    train_iter, test_iter = d2l.load_data_fashion_mnist(
        BATCH_SIZE, root=folder, device=device
    )
    load_seconds = time.perf_counter() - start
    seeded(seed)
    net, loss, trainer = concise_model(device)
    history = d2l.train_ch3(
        net, train_iter, test_iter, loss, epochs, trainer, plot=False
    )
    return RunResult(
        "ours",
        seed,
        load_seconds,
        history.epoch_seconds,
        history.train_loss,
        history.test_acc,
        peak_rss_mib(),
        0.0,
    )


def premade_batches(
    images: np.ndarray, labels: np.ndarray, device: mx.Context
) -> list[tuple[mx.np.ndarray, mx.np.ndarray]]:
    """Return one shuffled epoch of (X, y) minibatches as arrays on ``device``."""
    order = np.random.permutation(len(labels))
    return [
        (
            mx.np.array(images[idx, None].astype(np.float32) / 255, ctx=device),
            mx.np.array(labels[idx], dtype=np.int32, ctx=device),
        )
        for idx in np.array_split(order, range(BATCH_SIZE, len(order), BATCH_SIZE))
    ]


def run_floor(epochs: int, seed: int, folder: Path, device: mx.Context) -> RunResult:
    """Time bare SGD steps on premade device batches (the same batches every epoch)."""
    start = time.perf_counter()
    train_iter, test_iter = d2l.load_data_fashion_mnist(
        BATCH_SIZE, root=folder, device=device
    )
    seeded(seed)
    batches = premade_batches(train_iter.images, train_iter.labels, device)
    load_seconds = time.perf_counter() - start
    net, loss, trainer = concise_model(device)
    hybridize_blocks(net, loss)  # exactly what train_ch3 does
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        for X, y in batches:
            with autograd.record():
                batch_loss = loss(net(X), y)
            batch_loss.backward()
            trainer.step(X.shape[0])
        mx.nd.waitall()
        seconds.append(time.perf_counter() - start)
    test_acc = [NAN] * (epochs - 1) + [d2l.evaluate_accuracy(net, test_iter)]
    return RunResult(
        "floor", seed, load_seconds, seconds, [], test_acc, peak_rss_mib(), 0.0
    )


RUNNERS: dict[str, Callable[[int, int, Path, mx.Context], RunResult]] = {
    "reference": run_reference,
    "ours": run_ours,
    "floor": run_floor,
}


def run_in_subprocess(pipeline: str, epochs: int, seed: int, folder: Path) -> RunResult:
    """Run one pipeline in a fresh Python process and return what it measured."""
    command = [
        sys.executable,
        "-m",
        "scripts.benchmark",
        "--child",
        pipeline,
        "--epochs",
        str(epochs),
        "--seed",
        str(seed),
        "--data-dir",
        str(folder),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    lines = [
        line for line in done.stdout.splitlines() if line.startswith(RESULT_PREFIX)
    ]
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"The {pipeline} run failed (exit {done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return RunResult(**json.loads(lines[-1][len(RESULT_PREFIX) :]))


@dataclass
class Row:
    """One pipeline's line of the results table (accuracies and losses of seed 0)."""

    pipeline: str
    runs: int
    sec_per_epoch: float
    train_loss_final: float
    test_acc_last: float
    test_acc_final: float
    test_acc_last_range: tuple[float, float]
    peak_rss_mib: float
    worker_peak_rss_mib: float
    load_seconds: float


def summarize(pipeline: str, results: list[RunResult]) -> Row:
    """Pool a pipeline's runs: median epoch time, seed 0's metrics, largest memory."""
    last_means = [statistics.fmean(r.test_acc[-LAST_EPOCHS:]) for r in results]
    first = results[0]
    return Row(
        pipeline=pipeline,
        runs=len(results),
        sec_per_epoch=statistics.median(s for r in results for s in r.epoch_seconds),
        train_loss_final=first.train_loss[-1] if first.train_loss else NAN,
        test_acc_last=last_means[0],
        test_acc_final=first.test_acc[-1],
        test_acc_last_range=(min(last_means), max(last_means)),
        peak_rss_mib=max(r.peak_rss_mib for r in results),
        worker_peak_rss_mib=max(r.worker_peak_rss_mib for r in results),
        load_seconds=statistics.median(r.load_seconds for r in results),
    )


def number(value: float, scale: float = 1.0, digits: int = 3) -> str:
    """Format a measured value, or a dash when it was not measured (nan)."""
    return "—" if math.isnan(value) else f"{scale * value:.{digits}f}"


def table_line(row: Row) -> str:
    """Return one markdown table line for a pipeline."""
    low, high = row.test_acc_last_range
    spread = (
        f"{number(low, 100, 2)} – {number(high, 100, 2)}"
        if row.runs > 1 and not math.isnan(low)
        else "—"
    )
    memory = f"{row.peak_rss_mib:.0f}"
    if row.worker_peak_rss_mib:
        memory += f" (+ workers, largest {row.worker_peak_rss_mib:.0f})"
    cells = [
        row.pipeline,
        str(row.runs),
        number(row.sec_per_epoch),
        number(row.train_loss_final, digits=4),
        number(row.test_acc_last, 100, 2),
        spread,
        number(row.test_acc_final, 100, 2),
        memory,
        f"{row.load_seconds:.2f}",
    ]
    return "| " + " | ".join(cells) + " |"


def results_table(rows: list[Row], epochs: int) -> str:
    """Return the results and the ratios as a markdown table with notes."""
    last = min(LAST_EPOCHS, epochs)
    header = [
        "pipeline",
        "runs",
        "s/epoch (median)",
        "final train loss, seed 0",
        f"test acc, seed 0, mean of last {last} epochs (%)",
        "same, range over seeds (%)",
        "final test acc, seed 0 (%)",
        "peak RSS (MiB)",
        "load (s)",
    ]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    lines += [table_line(row) for row in rows]
    by_name = {row.pipeline: row for row in rows}
    ref, ours, floor = by_name["reference"], by_name["ours"], by_name["floor"]
    speedup = ref.sec_per_epoch / ours.sec_per_epoch
    overhead = ours.sec_per_epoch / floor.sec_per_epoch
    accuracy_gap = 100 * (ours.test_acc_last - ref.test_acc_last)
    lines += [
        "",
        f"- reference / ours, time per epoch: **{speedup:.1f}x**",
        f"- ours / floor, time per epoch: **{overhead:.2f}x**",
        f"- test accuracy, ours − reference (seed 0, mean of the last {last} of "
        f"{epochs} epochs): **{accuracy_gap:+.2f} points**",
    ]
    return "\n".join(lines)


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or the platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_lines(
    epochs: int, device: mx.Context, load: tuple[float, float, float]
) -> str:
    """Describe the machine and the settings of this run, as markdown bullet points."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            f"- date: {when}",
            f"- machine: {os.cpu_count()} cores, {cpu_model()}; "
            f"load average at the start {load[0]:.2f} (1 min)",
            f"- MXNet {mx.__version__}, Python {platform.python_version()}, "
            f"device {device}",
            f"- {epochs} epochs per run, batch size {BATCH_SIZE}, "
            f"learning rate {LEARNING_RATE}",
        ]
    )


def section(table: str, machine: str, seeds: int) -> str:
    """Return the BENCHMARKS.md section this script owns, markers included."""
    return f"""{SECTION_START}
## Training speed: d2l's pipeline, ours, the floor

Written by `make bench` (`scripts/benchmark.py`). Timings depend on what else the
machine is doing: quote figures from a run on an otherwise idle machine.

{machine}

{table}

How to read it. *s/epoch* is the median over all epochs of all runs of a pipeline (so
the first epoch's one-off costs, such as building the graph or copying the data to the
device, do not count); an epoch is a pass of SGD over the 60,000 training images plus,
for the reference and ours, the evaluation on the 10,000 test images and the per-epoch
metrics. The floor times the SGD steps alone, on minibatches made beforehand on the
device, with the model and loss hybridized as `train_ch3` does. The reference is d2l
1.0.3's `load_data_fashion_mnist` (`gluon.data.vision.FashionMNIST`, `ToTensor` per
sample, `DataLoader` with 4 worker processes) driving a d2l-0.17-style `train_ch3` loop,
run once with seed 0; ours and the floor run with seeds 0 to {seeds - 1}, alternately.
With seed 0 the reference and ours start from the same initial weights and see the
same minibatches in the same order, so their losses and accuracies agree up to
rounding; the range over seeds shows how much the test accuracy (mean of the last
epochs) moves from run to run at learning rate 0.1. The floor's accuracy is measured
once after training, outside the timing. *Load* is the time to set up the data before
the first epoch. Peak RSS is each run's own process (`ru_maxrss`); ours holds a float32
copy of the data set (about 220 MiB) to cut batches from; the reference's worker
processes are listed separately (their pages are largely shared with the main process).
{SECTION_END}
"""


def write_section(path: Path, text: str) -> None:
    """Replace this script's section of ``path`` between the markers; keep the rest."""
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if SECTION_START in old and SECTION_END in old:
        before, rest = old.split(SECTION_START, 1)
        after = rest.split(SECTION_END, 1)[1].lstrip("\n")
        new = before + text + ("\n" + after if after else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--epochs", type=int, default=10, help="epochs per run (default 10)"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=5,
        help="runs of ours and of the floor, seeds 0..N-1 (default 5)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(FASHION_MNIST.system_dirs[0]),
        help="folder with the four Fashion-MNIST .gz files",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "BENCHMARKS.md",
        help="markdown file to update (default BENCHMARKS.md)",
    )
    parser.add_argument("--child", choices=sorted(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run each pipeline in its own process, print the table, update BENCHMARKS.md."""
    args = parse_args(argv)
    folder = args.data_dir.resolve()
    device = d2l.try_gpu()
    if args.child:
        result = RUNNERS[args.child](args.epochs, args.seed, folder, device)
        print(RESULT_PREFIX + json.dumps(asdict(result)))
        return 0
    machine = machine_lines(args.epochs, device, os.getloadavg())
    runs: dict[str, list[RunResult]] = {"reference": [], "ours": [], "floor": []}
    plan = [("reference", 0)] + [
        (name, seed) for seed in range(args.seeds) for name in ("ours", "floor")
    ]
    for pipeline, seed in plan:
        print(f"{pipeline}, seed {seed}: ", end="", flush=True)
        result = run_in_subprocess(pipeline, args.epochs, seed, folder)
        runs[pipeline].append(result)
        print(
            f"{statistics.median(result.epoch_seconds):.3f} s/epoch (median), "
            f"final test acc {number(result.test_acc[-1], 100, 2)}%",
            flush=True,
        )
    table = results_table(
        [summarize(name, results) for name, results in runs.items()], args.epochs
    )
    print(f"\n{machine}\n\n{table}")
    write_section(args.output, section(table, machine, args.seeds))
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    npx.set_np()
    sys.exit(main(sys.argv[1:]))
