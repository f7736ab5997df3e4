"""Minibatch iterators over Fashion-MNIST and MNIST, held in memory on a device.

The batches come as the array kind the learner's code uses, decided at each epoch:
``mx.np`` arrays after ``npx.set_np()`` (as in d2l's chapters), legacy ``mx.nd``
NDArrays otherwise (as in gluonbook's and d2l-classic's ``nd`` code).
"""

import os
from collections.abc import Iterator, Sequence
from numbers import Integral

import mxnet as mx
import numpy as np
from mxnet import npx

from .arrays import Array, Batch, as_array_kind
from .datasets import FASHION_MNIST, FASHION_MNIST_LABELS, MNIST, DatasetSpec
from .errors import DataArgumentError
from .storage import load_arrays

Size = int | tuple[int, int] | None


def _is_positive_int(value: object) -> bool:
    """Tell whether value is an integer >= 1 (Python's or NumPy's; not a bool)."""
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 1


class ArrayDataIter:
    """Iterate over (X, y) minibatches of in-memory images and labels.

    ``X`` is float32 of shape (batch, 1, height, width) scaled to [0, 1], ``y`` int32,
    both ``mx.np`` arrays inside ``npx.set_np()`` and ``mx.nd`` NDArrays outside it.
    With ``shuffle`` the order is redrawn every epoch from ``numpy.random`` (so
    ``numpy.random.seed`` makes it repeatable); the last partial batch is kept, and
    ``len()`` is the number of batches per epoch.

    The first iteration copies the whole data set once to ``device`` (the CPU unless
    given), as float32 images and int32 labels; every batch is then cut from that copy
    on the device with one ``take`` (a fresh array, so changing a batch in place leaves
    the data set alone). ``images`` and ``labels`` keep the compact NumPy originals;
    changes to them after the first iteration are not seen by later epochs.
    """

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        batch_size: int,
        shuffle: bool,
        resize: Size = None,
        device: mx.Context | None = None,
    ) -> None:
        if len(images) != len(labels):
            raise DataArgumentError(
                f"ArrayDataIter got {len(images)} images but {len(labels)} labels: "
                "it needs one label per image. Slice both arrays the same way, e.g. "
                "ArrayDataIter(images[:n], labels[:n], ...)."
            )
        if not _is_positive_int(batch_size):
            raise DataArgumentError(
                f"batch_size must be a positive integer (e.g. 256), got {batch_size!r}."
            )
        self.images = images  # uint8 (n, h, w), kept compact on the host
        self.labels = labels.astype(np.int32)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.resize = (resize, resize) if isinstance(resize, int) else resize
        self.device = device or mx.cpu()
        self._on_device: tuple[mx.np.ndarray, mx.np.ndarray] | None = None

    @property
    def num_examples(self) -> int:
        """Return the number of examples in the data set."""
        return len(self.labels)

    def __len__(self) -> int:
        """Return the number of batches per epoch."""
        return (len(self.labels) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[Batch]:
        """Yield the batches of one epoch, in a fresh random order when shuffling."""
        images, labels = self._device_arrays()
        n = self.num_examples
        order = np.random.permutation(n) if self.shuffle else np.arange(n)
        order = mx.np.array(order, dtype=np.int32, ctx=self.device)
        labels = mx.np.take(labels, order)  # the epoch's labels in one operation
        for start in range(0, n, self.batch_size):
            stop = min(start + self.batch_size, n)
            X = mx.np.take(images, order[start:stop], axis=0)
            yield as_array_kind(self._resized(X)), as_array_kind(labels[start:stop])

    def _device_arrays(self) -> tuple[mx.np.ndarray, mx.np.ndarray]:
        """Return all images (float32 in [0, 1], NCHW) and labels on the device.

        They are made on first use, as mx.np arrays (the batches are converted).
        """
        if self._on_device is None:
            images = mx.np.array(self.images[:, None], dtype=np.uint8, ctx=self.device)
            images = images.astype(np.float32)
            images /= 255  # in place: no second float32 copy of the data set
            labels = mx.np.array(self.labels, dtype=np.int32, ctx=self.device)
            self._on_device = images, labels
        return self._on_device

    def _resized(self, X: mx.np.ndarray) -> mx.np.ndarray:
        """Return a batch resized to self.resize (bilinear), or X without resize."""
        if self.resize is None:
            return X
        X = npx.image.resize(X.transpose(0, 2, 3, 1), size=self.resize[::-1])
        return X.transpose(0, 3, 1, 2)


def _load_data(
    spec: DatasetSpec,
    batch_size: int,
    resize: Size,
    root: str | os.PathLike | None,
    device: mx.Context | None,
) -> tuple[ArrayDataIter, ArrayDataIter]:
    """Build the shuffled training and ordered test iterators of a data set."""
    arrays = load_arrays(spec, root)
    train_iter = ArrayDataIter(
        arrays["train_images"],
        arrays["train_labels"],
        batch_size,
        shuffle=True,
        resize=resize,
        device=device,
    )
    test_iter = ArrayDataIter(
        arrays["test_images"],
        arrays["test_labels"],
        batch_size,
        shuffle=False,
        resize=resize,
        device=device,
    )
    return train_iter, test_iter


def load_data_fashion_mnist(
    batch_size: int,
    resize: Size = None,
    root: str | os.PathLike | None = None,
    device: mx.Context | None = None,
) -> tuple[ArrayDataIter, ArrayDataIter]:
    """Return (train_iter, test_iter) over Fashion-MNIST, found offline first.

    The files are looked up as described in ``d2l_helpers.storage``; the batches are
    made on ``device`` (the CPU unless given).
    """
    return _load_data(FASHION_MNIST, batch_size, resize, root, device)


def load_data_mnist(
    batch_size: int,
    resize: Size = None,
    root: str | os.PathLike | None = None,
    device: mx.Context | None = None,
) -> tuple[ArrayDataIter, ArrayDataIter]:
    """Return (train_iter, test_iter) over MNIST digits, found offline first.

    The files are looked up as described in ``d2l_helpers.storage``; the batches are
    made on ``device`` (the CPU unless given).
    """
    return _load_data(MNIST, batch_size, resize, root, device)


def get_fashion_mnist_labels(labels: Sequence[int] | np.ndarray | Array) -> list[str]:
    """Return the text labels of Fashion-MNIST class indices."""
    if isinstance(labels, mx.nd.NDArray):
        labels = labels.asnumpy()
    return [FASHION_MNIST_LABELS[int(i)] for i in labels]
