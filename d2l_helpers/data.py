"""Minibatch iterators over Fashion-MNIST and MNIST, held in memory and batched with NumPy."""

import os
from collections.abc import Iterator, Sequence

import mxnet as mx
import numpy as np
from mxnet import npx

from .datasets import FASHION_MNIST, FASHION_MNIST_LABELS, MNIST, DatasetSpec
from .errors import IDXFormatError
from .storage import load_arrays

Batch = tuple[mx.np.ndarray, mx.np.ndarray]


class ArrayDataIter:
    """Iterate over (X, y) minibatches of in-memory images and labels.

    ``X`` is float32 of shape (batch, 1, height, width) scaled to [0, 1], ``y`` int32.
    With ``shuffle`` the order is redrawn every epoch from ``numpy.random`` (so
    ``numpy.random.seed`` makes it repeatable); the last partial batch is kept.
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int,
                 shuffle: bool, resize: int | tuple[int, int] | None = None,
                 ctx: mx.Context | None = None) -> None:
        if len(images) != len(labels):
            raise IDXFormatError(f"{len(images)} images but {len(labels)} labels: the image "
                                 "and label files do not belong together.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
        self.images = images  # uint8 (n, h, w), kept compact; scaled per batch
        self.labels = labels.astype(np.int32)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.resize = (resize, resize) if isinstance(resize, int) else resize
        self.ctx = ctx or mx.cpu()

    @property
    def num_examples(self) -> int:
        """Return the number of examples in the data set."""
        return len(self.labels)

    def __len__(self) -> int:
        """Return the number of batches per epoch."""
        return -(-len(self.labels) // self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        """Yield the batches of one epoch, in a fresh random order when shuffling."""
        n = len(self.labels)
        order = np.random.permutation(n) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            stop = min(start + self.batch_size, n)
            idx = order[start:stop] if order is not None else slice(start, stop)
            yield self._batch(self.images[idx], self.labels[idx])

    def _batch(self, images: np.ndarray, labels: np.ndarray) -> Batch:
        """Turn uint8 images and int labels into device arrays of the documented layout."""
        X = mx.np.array(images[:, None], dtype=np.uint8, ctx=self.ctx).astype(np.float32) / 255
        if self.resize is not None:
            X = npx.image.resize(X.transpose(0, 2, 3, 1), size=self.resize[::-1])
            X = X.transpose(0, 3, 1, 2)
        return X, mx.np.array(labels, dtype=np.int32, ctx=self.ctx)


def _load_data(spec: DatasetSpec, batch_size: int, resize: int | tuple[int, int] | None,
               root: str | os.PathLike | None, ctx: mx.Context | None
               ) -> tuple[ArrayDataIter, ArrayDataIter]:
    """Build the shuffled training and ordered test iterators of a data set."""
    arrays = load_arrays(spec, root)
    train_iter = ArrayDataIter(arrays["train_images"], arrays["train_labels"], batch_size,
                               shuffle=True, resize=resize, ctx=ctx)
    test_iter = ArrayDataIter(arrays["test_images"], arrays["test_labels"], batch_size,
                              shuffle=False, resize=resize, ctx=ctx)
    return train_iter, test_iter


def load_data_fashion_mnist(batch_size: int, resize: int | tuple[int, int] | None = None,
                            root: str | os.PathLike | None = None,
                            ctx: mx.Context | None = None
                            ) -> tuple[ArrayDataIter, ArrayDataIter]:
    """Return (train_iter, test_iter) over Fashion-MNIST, found offline first (see storage)."""
    return _load_data(FASHION_MNIST, batch_size, resize, root, ctx)


def load_data_mnist(batch_size: int, resize: int | tuple[int, int] | None = None,
                    root: str | os.PathLike | None = None, ctx: mx.Context | None = None
                    ) -> tuple[ArrayDataIter, ArrayDataIter]:
    """Return (train_iter, test_iter) over MNIST digits, found offline first (see storage)."""
    return _load_data(MNIST, batch_size, resize, root, ctx)


def get_fashion_mnist_labels(labels: Sequence[int] | np.ndarray | mx.np.ndarray) -> list[str]:
    """Return the text labels of Fashion-MNIST class indices."""
    return [FASHION_MNIST_LABELS[int(i)] for i in labels]
