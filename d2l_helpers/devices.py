"""Choosing where computation runs: a GPU when there is one, the CPU otherwise."""

import os

import mxnet as mx

from .errors import DeviceError


def num_gpus() -> int:
    """Return how many GPUs MXNet can use (0 for a CPU-only build or a broken driver)."""
    try:
        return mx.context.num_gpus()
    except mx.base.MXNetError:
        return 0


def try_gpu(i: int = 0) -> mx.Context:
    """Return gpu(i) if it exists, otherwise the CPU; never raises for lack of a GPU."""
    return mx.gpu(i) if num_gpus() >= i + 1 else mx.cpu()


def try_all_gpus() -> list[mx.Context]:
    """Return all GPUs, or [cpu()] when there is none."""
    return [mx.gpu(i) for i in range(num_gpus())] or [mx.cpu()]


def get_device(name: str | None = None) -> mx.Context:
    """Return the device named by ``name`` or the ``D2L_DEVICE`` variable, else try_gpu().

    Names: ``cpu``, ``gpu`` or ``gpu:N``. Asking for a GPU that is not there raises
    DeviceError instead of silently running on the CPU.
    """
    name = (name or os.environ.get("D2L_DEVICE") or "").strip().lower()
    if not name:
        return try_gpu()
    if name == "cpu":
        return mx.cpu()
    kind, _, index = name.partition(":")
    if kind != "gpu" or not (index or "0").isdigit():
        raise DeviceError(f"Unknown device {name!r}: use 'cpu', 'gpu' or 'gpu:N'.")
    i = int(index or 0)
    if num_gpus() <= i:
        raise DeviceError(
            f"Device {name!r} was asked for (argument or D2L_DEVICE), but MXNet sees "
            f"{num_gpus()} GPU(s). Install the mxnet-cu* package matching your CUDA "
            "version instead of mxnet (see README.md), or unset D2L_DEVICE to use the CPU."
        )
    return mx.gpu(i)
