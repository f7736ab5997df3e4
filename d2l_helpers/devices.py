"""Choosing where computation runs, and moving arrays there.

``try_gpu``/``get_device`` pick a GPU when there is one, the CPU otherwise;
``model_device`` decides where a model computes, and ``to_device`` moves an array
there, keeping its kind (``mx.np`` or legacy ``mx.nd``).
"""

import os
from collections.abc import Sequence
from typing import Any

import mxnet as mx
from mxnet import gluon

from .arrays import Array
from .errors import DeviceError


def num_gpus() -> int:
    """Return how many GPUs MXNet can use (0 on a CPU-only build or a broken driver)."""
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
    """Return the device named by ``name`` or by ``D2L_DEVICE``, else try_gpu().

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
            "version instead of mxnet (see README.md), or unset D2L_DEVICE to use the "
            "CPU."
        )
    return mx.gpu(i)


def model_device(
    net: Any, params: Sequence[Array] | None = None, device: mx.Context | None = None
) -> mx.Context | None:
    """Return the device a model computes on: ``device`` if given, else its parameters'.

    A Gluon block's parameters are asked where they live; for from-scratch code the
    first of ``params`` tells. None means "cannot tell" (e.g. a Gluon block not yet
    initialized): the batches then stay where they are.
    """
    if device is not None:
        return device
    if isinstance(net, gluon.Block):
        for param in net.collect_params().values():
            try:
                return param.list_ctx()[0]
            except RuntimeError:  # not initialized: MXNet will say so itself
                return None
    return params[0].ctx if params else None


def to_device(array: Array, device: mx.Context | None) -> Array:
    """Return ``array`` on ``device`` (unchanged when None), of the same array kind."""
    if device is None:
        return array
    if isinstance(array, mx.np.ndarray):
        return array.as_in_ctx(device)
    return array.as_in_context(device)  # legacy NDArray: no as_in_ctx
