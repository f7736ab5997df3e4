"""MXNet's two array kinds, and the conversions that follow the learner's choice.

MXNet 1.x has two array kinds: ``mx.np.ndarray`` (NumPy-like, d2l's code after
``npx.set_np()``) and the legacy ``mx.nd.NDArray`` (gluonbook's and d2l-classic's
``nd`` code). ``mx.util.is_np_array()`` tells which one is in use. Both kinds share
their memory when converted, so the conversions below copy nothing.
"""

import mxnet as mx

Array = mx.np.ndarray | mx.nd.NDArray  # an mx.np.ndarray is also an NDArray
Batch = tuple[Array, Array]


def as_array_kind(array: Array) -> Array:
    """Return ``array`` as the kind in use: mx.np after npx.set_np(), else mx.nd.

    The conversion shares the memory of ``array`` (no copy).
    """
    numpy_kind = isinstance(array, mx.np.ndarray)
    if mx.util.is_np_array():
        return array if numpy_kind else array.as_np_ndarray()
    return array.as_nd_ndarray() if numpy_kind else array


def as_numpy_kind(array: Array) -> mx.np.ndarray:
    """Return ``array`` as an mx.np.ndarray, sharing its memory, whatever the mode."""
    return array if isinstance(array, mx.np.ndarray) else array.as_np_ndarray()


def to_float(value: float | Array) -> float:
    """Return a Python float from a number or a one-element array of either kind."""
    if isinstance(value, mx.nd.NDArray):
        return float(value.asnumpy().item())
    return float(value)
