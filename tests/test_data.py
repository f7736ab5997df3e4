"""The minibatch iterators of d2l_helpers.data, on the real data sets.

The tests read batches through ``asnumpy()``, which both array kinds have; the kind
itself is checked in and outside d2l's NumPy mode.
"""

import mxnet as mx
import numpy as np
import pytest
from mxnet import npx

import d2l_helpers as d2l


@pytest.fixture(scope="module")
def iters():
    """The Fashion-MNIST iterators with the course's batch size."""
    return d2l.load_data_fashion_mnist(256)


def test_sizes_and_class_balance(iters):
    train_iter, test_iter = iters
    assert (train_iter.num_examples, test_iter.num_examples) == (60_000, 10_000)
    assert np.bincount(train_iter.labels).tolist() == [6_000] * 10
    assert np.bincount(test_iter.labels).tolist() == [1_000] * 10


def test_batch_layout_and_range(iters):
    X, y = next(iter(iters[0]))
    assert X.shape == (256, 1, 28, 28) and X.dtype == np.float32
    assert y.shape == (256,) and y.dtype == np.int32
    assert X.asnumpy().min() == 0.0 and X.asnumpy().max() == 1.0


def test_last_partial_batch_is_kept(iters):
    train_iter, test_iter = iters
    sizes = [y.shape[0] for _, y in train_iter]
    assert len(sizes) == len(train_iter) == 235
    assert sizes[-1] == 60_000 - 234 * 256 and sum(sizes) == 60_000
    assert sum(y.shape[0] for _, y in test_iter) == 10_000


def test_training_data_is_reshuffled_every_epoch(iters):
    train_iter = iters[0]
    first = np.concatenate([y.asnumpy() for _, y in train_iter])
    second = np.concatenate([y.asnumpy() for _, y in train_iter])
    assert not np.array_equal(first, second)
    assert np.array_equal(np.sort(first), np.sort(train_iter.labels))  # a permutation


def test_test_data_is_in_file_order(iters):
    test_iter = iters[1]
    labels = np.concatenate([y.asnumpy() for _, y in test_iter])
    assert np.array_equal(labels, test_iter.labels)


def test_numpy_seed_makes_shuffling_repeatable(iters):
    train_iter = iters[0]
    np.random.seed(7)
    X1, y1 = next(iter(train_iter))
    np.random.seed(7)
    X2, y2 = next(iter(train_iter))
    assert np.array_equal(y1.asnumpy(), y2.asnumpy())
    assert np.array_equal(X1.asnumpy(), X2.asnumpy())


def test_batches_match_the_files(iters):
    X, y = next(iter(iters[1]))
    expected = iters[1].images[:256].astype(np.float32) / 255
    np.testing.assert_allclose(X.asnumpy()[:, 0], expected, rtol=1e-6)
    assert np.array_equal(y.asnumpy(), iters[1].labels[:256])


def test_resize():
    train_iter, _ = d2l.load_data_fashion_mnist(32, resize=64)
    X, _ = next(iter(train_iter))
    assert X.shape == (32, 1, 64, 64)
    assert 0.0 <= X.asnumpy().min() and X.asnumpy().max() <= 1.0


def test_text_labels():
    assert d2l.get_fashion_mnist_labels([0, 9, 3]) == ["t-shirt", "ankle boot", "dress"]


def test_mnist_loader():
    train_iter, test_iter = d2l.load_data_mnist(256)
    assert (train_iter.num_examples, test_iter.num_examples) == (60_000, 10_000)
    X, y = next(iter(test_iter))
    assert X.shape == (256, 1, 28, 28)
    first_digits = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the well-known first test digits
    assert y[:10].asnumpy().tolist() == first_digits


@pytest.mark.parametrize("batch_size", [0, -256, 256.0, "256", True])
def test_bad_batch_size(iters, batch_size):
    message = (
        rf"^batch_size must be a positive integer \(e.g. 256\), got {batch_size!r}"
    )
    with pytest.raises(d2l.DataArgumentError, match=message) as info:
        d2l.ArrayDataIter(iters[1].images, iters[1].labels, batch_size, shuffle=False)
    assert isinstance(info.value, ValueError)  # what code catching ValueError expects


def test_numpy_integer_batch_size(iters):
    data_iter = d2l.ArrayDataIter(
        iters[1].images, iters[1].labels, np.int64(2500), shuffle=False
    )
    assert len(data_iter) == 4


def test_arrays_sliced_differently_are_refused(iters):
    """A learner who slices only the images hears about slicing, not about files."""
    images, labels = iters[1].images[:1000], iters[1].labels
    with pytest.raises(d2l.DataArgumentError) as info:
        d2l.ArrayDataIter(images, labels, 256, shuffle=False)
    assert str(info.value) == (
        "ArrayDataIter got 1000 images but 10000 labels: it needs one label per "
        "image. Slice both arrays the same way, e.g. "
        "ArrayDataIter(images[:n], labels[:n], ...)."
    )
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, d2l.IDXFormatError)  # no file is involved


def test_shuffled_batches_follow_numpy_permutation(iters):
    train_iter = iters[0]
    np.random.seed(3)
    order = np.random.permutation(train_iter.num_examples)[:256]
    np.random.seed(3)
    X, y = next(iter(train_iter))
    expected = train_iter.images[order].astype(np.float32) / 255
    np.testing.assert_array_equal(X.asnumpy()[:, 0], expected)
    assert np.array_equal(y.asnumpy(), train_iter.labels[order])


def test_changing_a_batch_in_place_leaves_the_data_set_alone(iters):
    test_iter = iters[1]
    X, y = next(iter(test_iter))
    X[:] = -1
    y[:] = -1
    X2, y2 = next(iter(test_iter))
    assert X2.asnumpy().min() == 0.0
    assert np.array_equal(y2.asnumpy(), test_iter.labels[:256])


def test_batches_are_made_on_the_requested_device(fashion_arrays):
    _, _, X_test, y_test = fashion_arrays
    device = mx.cpu(1)  # a second CPU context: a device other than the default
    data_iter = d2l.ArrayDataIter(
        X_test[:600], y_test[:600], 256, shuffle=True, device=device
    )
    for X, y in data_iter:
        assert X.ctx == device and y.ctx == device
    train_iter, test_iter = d2l.load_data_mnist(500, device=device)
    assert {a.ctx for a in next(iter(train_iter)) + next(iter(test_iter))} == {device}


def test_batches_come_in_the_array_kind_in_use(iters):
    """Legacy mx.nd NDArrays outside npx.set_np(), mx.np arrays inside it."""
    npx.reset_np()  # the mode a fresh `import d2l_helpers` leaves
    X_nd, y_nd = next(iter(iters[1]))
    npx.set_np()
    try:
        X_np, y_np = next(iter(iters[1]))
    finally:
        npx.reset_np()
    assert type(X_nd) is mx.nd.NDArray and type(y_nd) is mx.nd.NDArray
    assert type(X_np) is mx.np.ndarray and type(y_np) is mx.np.ndarray
    np.testing.assert_array_equal(X_nd.asnumpy(), X_np.asnumpy())
    assert (
        (X_nd.shape, y_nd.dtype)
        == (X_np.shape, y_np.dtype)
        == ((256, 1, 28, 28), np.int32)
    )
    assert d2l.get_fashion_mnist_labels(y_nd[:3]) == d2l.get_fashion_mnist_labels(
        y_np[:3]
    )
