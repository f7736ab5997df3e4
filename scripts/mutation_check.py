"""Introduce realistic bugs one at a time and check that the tests catch each one.

``python -m scripts.mutation_check [--repo PATH]`` applies each mutant below to a copy
of the repository's code (``--repo`` picks another checkout, e.g. an older commit made
with ``git worktree add``), runs the tests that mirror the mutated module, and reports
whether they failed (the mutant is *killed*) or passed (it *survived*). The code is
restored after every mutant, also on Ctrl-C. A full mutation run of the suite takes
hours; these mutants are the bugs that matter for this book: the training loop and its
metrics, the data preparation, the integrity checks of the data files and the
divergence check. The exit status is the number of survivors.
"""

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.layout import ROOT


@dataclass(frozen=True)
class Mutant:
    """A bug: replace ``old`` by ``new`` (first occurrence) in ``path``."""

    name: str
    path: str
    old: str
    new: str

    @property
    def tests(self) -> str:
        """Return the test file that mirrors the mutated module."""
        return f"tests/test_{Path(self.path).stem}.py"


TRAINING, DATA = "d2l_helpers/training.py", "d2l_helpers/data.py"
STORAGE, IDX = "d2l_helpers/storage.py", "d2l_helpers/idx.py"
ARRAYS, ERRORS = "d2l_helpers/arrays.py", "d2l_helpers/errors.py"
PLOTTING = "d2l_helpers/plotting.py"
MUTANTS = [
    Mutant(
        "accuracy takes the argmax over the batch axis",
        TRAINING,
        "y_hat = y_hat.argmax(axis=1)",
        "y_hat = y_hat.argmax(axis=0)",
    ),
    Mutant(
        "training loss summed, not averaged per example",
        TRAINING,
        "train_loss = sums.loss_sum() / sums.num_examples",
        "train_loss = sums.loss_sum()",
    ),
    Mutant(
        "the last partial batch is stepped as a full one",
        TRAINING,
        "_step(updater, X.shape[0])",
        "_step(updater, train_iter.batch_size)",
    ),
    Mutant(
        "sgd forgets to divide by the batch size",
        TRAINING,
        "param[:] = param - lr * param.grad / batch_size",
        "param[:] = param - lr * param.grad",
    ),
    Mutant(
        "no divergence check",
        TRAINING,
        "if not math.isfinite(train_loss):",
        "if False:",
    ),
    Mutant("no input-shape check", TRAINING, "if i == 0:", "if False:"),
    Mutant(
        "gluonbook's sgd divides by each minibatch's own size",
        TRAINING,
        "sgd(self.params, self.lr, self.batch_size)",
        "sgd(self.params, self.lr, minibatch_size)",
    ),
    Mutant(
        "gluonbook's trainer steps with each minibatch's own size",
        TRAINING,
        "self.trainer.step(self.batch_size)",
        "self.trainer.step(minibatch_size)",
    ),
    Mutant(
        "an int in the updater's place is not forwarded to gluonbook's form",
        TRAINING,
        "    if _is_batch_size(updater):\n",
        "    if False:\n",
    ),
    Mutant(
        "arguments after d2l's updater are ignored",
        TRAINING,
        "    if extra:\n",
        "    if False:\n",
    ),
    Mutant(
        "gluonbook's form takes params and a trainer at once",
        TRAINING,
        "sgd_too = params is not None or lr is not None",
        "sgd_too = False",
    ),
    Mutant(
        "gluonbook's form ignores the device of params",
        TRAINING,
        "device = model_device(net, params, device)",
        "device = model_device(net, device=device)",
    ),
    Mutant(
        "the last partial batch is dropped",
        DATA,
        "for start in range(0, n, self.batch_size):",
        "for start in range(0, n - self.batch_size + 1, self.batch_size):",
    ),
    Mutant("pixels scaled by 256, not 255", DATA, "images /= 255", "images /= 256"),
    Mutant(
        "the same shuffled order every epoch",
        DATA,
        "np.random.permutation(n)",
        "np.random.RandomState(0).permutation(n)",
    ),
    Mutant(
        "labels not shuffled with their images",
        DATA,
        "labels = mx.np.take(labels, order)",
        "labels = labels",
    ),
    Mutant("the test set is shuffled", DATA, "shuffle=False", "shuffle=True"),
    Mutant(
        "images and labels of different lengths are accepted",
        DATA,
        "if len(images) != len(labels):",
        "if False:",
    ),
    Mutant(
        "batches ignore the array kind in use",
        ARRAYS,
        "if mx.util.is_np_array():",
        "if True:",
    ),
    Mutant(
        "a data argument error is no longer a ValueError",
        ERRORS,
        "class DataArgumentError(DataError, ValueError):",
        "class DataArgumentError(DataError):",
    ),
    Mutant(
        "figures are shown as SVG only (no PNG for the PDF)",
        PLOTTING,
        'FIGURE_FORMATS = ("svg", "png")',
        'FIGURE_FORMATS = ("svg",)',
    ),
    Mutant(
        "figures have a transparent background",
        PLOTTING,
        '"figure.facecolor": "white"',
        '"figure.facecolor": "none"',
    ),
    Mutant(
        "the training plot is displayed outside Jupyter",
        PLOTTING,
        "        if not in_notebook():\n            return",
        "        if False:\n            return",
    ),
    Mutant(
        "checksums not compared", STORAGE, "if actual == spec.md5[role]:", "if True:"
    ),
    Mutant(
        "the memo trusts a file after it changed",
        STORAGE,
        "_arrays.get(md5, (None,))[0] == fingerprint",
        "md5 in _arrays",
    ),
    Mutant(
        "a download is renamed into place unverified",
        STORAGE,
        "verify_content(spec, role, gunzip_bytes(tmp.read_bytes(), source), source)",
        "gunzip_bytes(tmp.read_bytes(), source)",
    ),
    Mutant(
        "the IDX reader accepts trailing bytes",
        IDX,
        "if payload != expected:",
        "if payload < expected:",
    ),
]


def run_tests(repo: Path, tests: str, timeout: int) -> tuple[bool, float]:
    """Run one test file (no book, no nbval); return (whether it failed, seconds)."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-W",
        "ignore::DeprecationWarning",
        "-m",
        "not book",
        tests,
    ]
    start = time.perf_counter()
    try:
        result = subprocess.run(cmd, cwd=repo, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return True, time.perf_counter() - start  # a hang is a caught bug too
    return result.returncode != 0, time.perf_counter() - start


def check(repo: Path, mutant: Mutant, timeout: int) -> str:
    """Apply one mutant, run its tests, restore the file; return killed/survived/n/a."""
    path = repo / mutant.path
    original = path.read_text()
    if mutant.old not in original:
        return "not applicable (code differs)"
    try:
        path.write_text(original.replace(mutant.old, mutant.new, 1))
        failed, seconds = run_tests(repo, mutant.tests, timeout)
    finally:
        path.write_text(original)
    return f"{'killed' if failed else 'SURVIVED'} ({seconds:.0f} s)"


def main() -> int:
    """Check every mutant; print a table and the killed/total figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout to mutate")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per test run")
    args = parser.parse_args()
    for tests in sorted({mutant.tests for mutant in MUTANTS}):
        clean_failed, _ = run_tests(args.repo, tests, args.timeout)
        if clean_failed:
            print(f"The unmutated {tests} fails: fix it first.", file=sys.stderr)
            return 1
    outcomes = {}
    for mutant in MUTANTS:
        outcomes[mutant.name] = check(args.repo, mutant, args.timeout)
        print(f"{mutant.name:68} {mutant.tests:26} {outcomes[mutant.name]}", flush=True)
    killed = sum(o.startswith("killed") for o in outcomes.values())
    survived = sum(o.startswith("SURVIVED") for o in outcomes.values())
    print(f"killed {killed} of {killed + survived} applicable mutants")
    return survived


if __name__ == "__main__":
    sys.exit(main())
