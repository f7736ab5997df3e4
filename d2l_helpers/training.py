"""The chapter-3 training loop: accuracy, evaluation, one epoch, many epochs, predictions.

Metrics stay on the device: the losses and outputs of the minibatches are kept and
reduced a few at a time (a handful of operations per 64 batches instead of several
per batch), and the sums are read back once per epoch, so the loop costs little more
than the SGD steps themselves. ``train_ch3`` also hybridizes Gluon models and losses.
"""

import math
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import mxnet as mx
from mxnet import autograd, gluon

from .data import Batch, get_fashion_mnist_labels
from .errors import ShapeMismatchError, TrainingDivergedError
from .plotting import TrainingPlot, in_notebook, show_images

Updater = gluon.Trainer | Callable[[int], None]


@dataclass
class TrainHistory:
    """Per-epoch metrics returned by train_ch3 (lists indexed by epoch - 1)."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)

    def __str__(self) -> str:
        """Summarize the last epoch in one line."""
        return (f"epoch {len(self.train_loss)}: train loss {self.train_loss[-1]:.3f}, "
                f"train acc {self.train_acc[-1]:.3f}, test acc {self.test_acc[-1]:.3f}")


def _num_correct(y_hat: mx.np.ndarray, y: mx.np.ndarray) -> mx.np.ndarray:
    """Return, as a device scalar, how many rows of y_hat have their argmax at y."""
    if y_hat.ndim > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    return (y_hat.astype(y.dtype) == y).astype("float32").sum()


def _rows_align(y_hat_shape: tuple[int, ...], y_shape: tuple[int, ...]) -> bool:
    """Whether _num_correct compares outputs and labels row by row, without broadcasting."""
    scores = len(y_hat_shape) > 1 and y_hat_shape[1] > 1
    predicted_shape = y_hat_shape[:1] + y_hat_shape[2:] if scores else y_hat_shape
    return predicted_shape == y_shape


def _concat_rows(arrays: Sequence[mx.np.ndarray]) -> mx.np.ndarray:
    """Concatenate arrays along the first axis (no copy for a single array)."""
    return arrays[0] if len(arrays) == 1 else mx.np.concatenate(arrays, axis=0)


class _DeviceSums:
    """Sum losses and correct predictions of many batches on the device, read back once.

    Batches whose outputs line up row by row with their labels (class scores, or one
    prediction per label) are reduced together every ``group`` batches, with the rule
    of ``accuracy``; other shapes are counted batch by batch with that same rule.
    """

    def __init__(self, group: int = 64) -> None:
        self.group = group
        self.num_examples = 0
        self._loss: mx.np.ndarray | None = None
        self._correct: mx.np.ndarray | None = None
        self._losses: list[mx.np.ndarray] = []
        self._outputs: list[mx.np.ndarray] = []
        self._labels: list[mx.np.ndarray] = []

    def add(self, y_hat: mx.np.ndarray, y: mx.np.ndarray, l: mx.np.ndarray | None = None) -> None:
        """Record one batch: its outputs, labels and (optionally) per-example losses."""
        y_shape = y.shape
        self.num_examples += y_shape[0]
        if l is not None:
            self._losses.append(l)
        if _rows_align(y_hat.shape, y_shape):
            self._outputs.append(y_hat)
            self._labels.append(y)
        else:
            self._correct = self._plus(self._correct, _num_correct(y_hat, y))
        if max(len(self._losses), len(self._outputs)) >= self.group:
            self._reduce()

    def loss_sum(self) -> float:
        """Return the sum of all recorded losses (waits for the device)."""
        self._reduce()
        return float(self._loss.item()) if self._loss is not None else 0.0

    def num_correct(self) -> float:
        """Return the number of correct predictions recorded (waits for the device)."""
        self._reduce()
        return float(self._correct.item()) if self._correct is not None else 0.0

    def _reduce(self) -> None:
        """Fold the pending batches into the running device sums."""
        if self._losses:
            batch_sum = mx.np.concatenate(self._losses, axis=None).sum()
            self._loss = self._plus(self._loss, batch_sum)
        if self._outputs:
            correct = _num_correct(_concat_rows(self._outputs), _concat_rows(self._labels))
            self._correct = self._plus(self._correct, correct)
        self._losses, self._outputs, self._labels = [], [], []

    @staticmethod
    def _plus(total: mx.np.ndarray | None, value: mx.np.ndarray) -> mx.np.ndarray:
        """Add a device scalar to a running total that may not exist yet."""
        return value if total is None else total + value


def accuracy(y_hat: mx.np.ndarray, y: mx.np.ndarray) -> float:
    """Return the number of correct predictions in a batch (divide by len(y) for a rate)."""
    return float(_num_correct(y_hat, y).item())


def device_of(net: Any, params: Sequence[mx.np.ndarray] | None = None) -> mx.Context | None:
    """Return the device holding the model's parameters, or None if it cannot tell."""
    if isinstance(net, gluon.Block):
        for param in net.collect_params().values():
            try:
                return param.list_ctx()[0]
            except RuntimeError:  # not initialized: MXNet will say so itself
                return None
    return params[0].ctx if params else None


def check_input_shape(net: Any, X: mx.np.ndarray) -> None:
    """Raise ShapeMismatchError if X cannot feed the first Dense layer as initialized."""
    first = next(iter(net.collect_params().values()), None) if isinstance(net, gluon.Block) else None
    if first is None or not first.name.endswith("weight") or len(first.shape) != 2:
        return
    in_units = first.shape[1]
    features = math.prod(X.shape[1:])
    if in_units > 0 and features != in_units:
        raise ShapeMismatchError(
            f"The model was initialized for {in_units} input features per example, but "
            f"this batch has shape {tuple(X.shape)}, i.e. {features} features. Feed "
            "images of the size the model first saw (check resize=), or create and "
            "initialize a new model for the new size."
        )


def _batches_for(net: Any, data_iter: Iterable, device: mx.Context | None) -> Iterator[Batch]:
    """Yield the batches of data_iter on the device, checking the first one fits the net."""
    for i, (X, y) in enumerate(data_iter):
        if device is not None:
            X, y = X.as_in_ctx(device), y.as_in_ctx(device)
        if i == 0:
            check_input_shape(net, X)
        yield X, y


def evaluate_accuracy(net: Callable, data_iter: Iterable, device: mx.Context | None = None) -> float:
    """Return the accuracy of a model over a whole data iterator."""
    sums = _DeviceSums()
    for X, y in _batches_for(net, data_iter, device or device_of(net)):
        sums.add(net(X), y)
    return sums.num_correct() / sums.num_examples


def sgd(params: Sequence[mx.np.ndarray], lr: float, batch_size: int) -> None:
    """Minibatch stochastic gradient descent on parameters with attached gradients."""
    for param in params:
        param[:] = param - lr * param.grad / batch_size


def _step(updater: Updater, batch_size: int) -> None:
    """Apply one update with a gluon.Trainer or a function of the batch size."""
    if isinstance(updater, gluon.Trainer):
        updater.step(batch_size)
    else:
        updater(batch_size)


def _learning_rate(updater: Updater) -> str:
    """Describe the learning rate of an updater for error messages."""
    return f"{updater.learning_rate}" if isinstance(updater, gluon.Trainer) else "yours"


def train_epoch_ch3(net: Callable, train_iter: Iterable, loss: Callable, updater: Updater,
                    device: mx.Context | None = None, epoch: int | None = None
                    ) -> tuple[float, float]:
    """Train for one epoch; return (average loss, accuracy) over the training data."""
    sums = _DeviceSums()
    for X, y in _batches_for(net, train_iter, device or device_of(net)):
        with autograd.record():
            y_hat = net(X)
            l = loss(y_hat, y)
        l.backward()
        _step(updater, X.shape[0])
        sums.add(y_hat, y, l)
    train_loss = sums.loss_sum() / sums.num_examples
    if not math.isfinite(train_loss):
        where = f"Epoch {epoch}" if epoch is not None else "This epoch"
        raise TrainingDivergedError(
            f"{where}: the average training loss is {train_loss}, so training has diverged "
            f"and the parameters are no longer usable. Lower the learning rate (now "
            f"{_learning_rate(updater)}), and compute the loss with the numerically stable "
            "gluon.loss.SoftmaxCrossEntropyLoss (log-sum-exp) instead of -log(softmax(...)); "
            "see the chapter on numerical stability. Then re-initialize the model."
        )
    return train_loss, sums.num_correct() / sums.num_examples


def _resolve_updater(batch_size: Any, params: Sequence | None, lr: float | None,
                     trainer: Updater | None) -> Updater:
    """Map both editions' call forms of train_ch3 to one updater."""
    if trainer is None and batch_size is not None and not isinstance(batch_size, int):
        trainer = batch_size  # new form: the 6th positional argument is the trainer
    if trainer is not None:
        return trainer
    if params is not None and lr is not None and isinstance(batch_size, int):
        return lambda n: sgd(params, lr, n)
    raise TypeError("train_ch3 needs a trainer: train_ch3(net, train_iter, test_iter, loss, "
                    "num_epochs, trainer), or batch_size, params and lr for from-scratch SGD.")


def hybridize_blocks(*blocks: Any) -> None:
    """Hybridize the Gluon blocks among ``blocks`` in place, with static memory allocation.

    A plain ``nn.Sequential`` hybridizes its HybridBlock children (without MXNet's hint
    to use ``HybridSequential``); anything that is not a Gluon block is left alone.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All children of this Sequential")
        for block in blocks:
            if isinstance(block, gluon.Block):
                block.hybridize(static_alloc=True)


def train_ch3(net: Callable, train_iter: Iterable, test_iter: Iterable, loss: Callable,
              num_epochs: int, batch_size: Any = None, params: Sequence | None = None,
              lr: float | None = None, trainer: Updater | None = None, *,
              plot: bool | None = None, device: mx.Context | None = None,
              hybridize: bool = True) -> TrainHistory:
    """Train a classifier, plotting train loss/acc and test acc live; return the history.

    Call forms: ``train_ch3(net, train_iter, test_iter, loss, num_epochs, trainer)`` and
    the older ``train_ch3(net, train_iter, test_iter, loss, num_epochs, batch_size,
    params=None, lr=None, trainer=None)``. ``plot`` defaults to True inside Jupyter.
    With ``hybridize`` (the default) a Gluon ``net`` and ``loss`` are hybridized first
    (see ``hybridize_blocks``), which makes each step about a third faster and computes
    the same values; they stay hybridized afterwards. Pass ``hybridize=False`` for a
    model whose ``hybrid_forward`` cannot be traced (Python control flow on values).
    """
    updater = _resolve_updater(batch_size, params, lr, trainer)
    if hybridize:
        hybridize_blocks(net, loss)
    device = device or device_of(net, params)
    figure = TrainingPlot(["train loss", "train acc", "test acc"], num_epochs) \
        if (in_notebook() if plot is None else plot) else None
    history = TrainHistory()
    try:
        for epoch in range(1, num_epochs + 1):
            start = time.perf_counter()
            train_loss, train_acc = train_epoch_ch3(net, train_iter, loss, updater, device, epoch)
            test_acc = evaluate_accuracy(net, test_iter, device)
            history.epoch_seconds.append(time.perf_counter() - start)
            for values, value in zip((history.train_loss, history.train_acc, history.test_acc),
                                     (train_loss, train_acc, test_acc)):
                values.append(value)
            if figure is not None:
                figure.add(epoch, (train_loss, train_acc, test_acc))
    except TrainingDivergedError as err:
        err.history = history  # the finished epochs stay available to the caller
        raise
    finally:
        if figure is not None:
            figure.close()
    return history


def predict_ch3(net: Callable, test_iter: Iterable, n: int = 6,
                label_names: Callable[[Any], list[str]] = get_fashion_mnist_labels,
                device: mx.Context | None = None) -> tuple[list[str], list[str]]:
    """Show the first n test images with true and predicted labels; return both lists."""
    X, y = next(iter(test_iter))
    device = device or device_of(net)
    if device is not None:
        X = X.as_in_ctx(device)
    trues = label_names(y[:n].asnumpy())
    preds = label_names(net(X[:n]).argmax(axis=1).asnumpy())
    titles = [f"{t}\n{p}" for t, p in zip(trues, preds)]
    show_images(X[:n].reshape(n, *X.shape[2:]), 1, n, titles=titles)
    return trues, preds
