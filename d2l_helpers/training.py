"""The chapter-3 training loop: accuracy, evaluation, epochs, predictions.

Every function accepts the array kind the learner's code uses: ``mx.np`` arrays after
``npx.set_np()`` (d2l) or legacy ``mx.nd`` NDArrays (gluonbook, d2l-classic), decided
per call with ``mx.util.is_np_array()``. The device is decided once per call by
``devices.model_device`` and every batch is moved there in one place (``_batches_for``).

Metrics stay on the device: the losses and outputs of the minibatches are kept and
reduced a few at a time (a handful of operations per 64 batches instead of several
per batch), and the sums are read back once per epoch, so the loop costs little more
than the SGD steps themselves. ``train_ch3`` also hybridizes Gluon models and losses
(see its ``hybridize`` parameter).
"""

import math
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import mxnet as mx
from mxnet import autograd, gluon

from .data import Array, Batch, as_array_kind, as_numpy_kind, get_fashion_mnist_labels
from .devices import model_device, to_device
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
        return (
            f"epoch {len(self.train_loss)}: train loss {self.train_loss[-1]:.3f}, "
            f"train acc {self.train_acc[-1]:.3f}, test acc {self.test_acc[-1]:.3f}"
        )


def to_float(value: float | Array) -> float:
    """Return a Python float from a number or a one-element array of either kind."""
    if isinstance(value, mx.nd.NDArray):
        return float(value.asnumpy().item())
    return float(value)


class Accumulator:
    """Running sums of ``n`` quantities, as in d2l (``add``, ``reset``, ``[i]``).

    ``add`` takes numbers or one-element arrays (``mx.np`` or legacy ``mx.nd``).
    """

    def __init__(self, n: int) -> None:
        self.data = [0.0] * n

    def add(self, *values: float | Array) -> None:
        """Add one value to each of the n sums."""
        self.data = [a + to_float(b) for a, b in zip(self.data, values)]

    def reset(self) -> None:
        """Set every sum back to zero."""
        self.data = [0.0] * len(self.data)

    def __getitem__(self, i: int) -> float:
        """Return the i-th sum."""
        return self.data[i]


def _num_correct(y_hat: mx.np.ndarray, y: mx.np.ndarray) -> mx.np.ndarray:
    """Return, as a one-element device array, how many rows of y_hat have argmax y.

    One element of shape (1,) rather than a scalar: outside npx.set_np() MXNet
    cannot infer the shape of operations on 0-d arrays.
    """
    if y_hat.ndim > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    return (y_hat.astype(y.dtype) == y).astype("float32").reshape(-1).sum(keepdims=True)


def _rows_align(y_hat_shape: tuple[int, ...], y_shape: tuple[int, ...]) -> bool:
    """Whether _num_correct compares outputs and labels row by row (no broadcasting)."""
    scores = len(y_hat_shape) > 1 and y_hat_shape[1] > 1
    predicted_shape = y_hat_shape[:1] + y_hat_shape[2:] if scores else y_hat_shape
    return predicted_shape == y_shape


def _concat_rows(arrays: Sequence[mx.np.ndarray]) -> mx.np.ndarray:
    """Concatenate arrays along the first axis (no copy for a single array)."""
    return arrays[0] if len(arrays) == 1 else mx.np.concatenate(arrays, axis=0)


class _DeviceSums:
    """Sum losses and correct predictions of many batches on the device, read back once.

    Batches of either array kind are viewed as mx.np arrays (no copy). Batches whose
    outputs line up row by row with their labels (class scores, or one prediction
    per label) are reduced together every ``group`` batches, with the rule of
    ``accuracy``; other shapes are counted batch by batch with that same rule.
    """

    def __init__(self, group: int = 64) -> None:
        self.group = group
        self.num_examples = 0
        self._loss: mx.np.ndarray | None = None
        self._correct: mx.np.ndarray | None = None
        self._losses: list[mx.np.ndarray] = []
        self._outputs: list[mx.np.ndarray] = []
        self._labels: list[mx.np.ndarray] = []

    def add(self, y_hat: Array, y: Array, losses: Array | None = None) -> None:
        """Record one batch: its outputs, labels and (optionally) per-example losses."""
        y_hat, y = as_numpy_kind(y_hat), as_numpy_kind(y)
        self.num_examples += y.shape[0]
        if losses is not None:
            self._losses.append(as_numpy_kind(losses))
        if _rows_align(y_hat.shape, y.shape):
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
            losses = mx.np.concatenate(self._losses, axis=None)
            self._loss = self._plus(self._loss, losses.sum(keepdims=True))
        if self._outputs:
            outputs, labels = _concat_rows(self._outputs), _concat_rows(self._labels)
            self._correct = self._plus(self._correct, _num_correct(outputs, labels))
        self._losses, self._outputs, self._labels = [], [], []

    @staticmethod
    def _plus(total: mx.np.ndarray | None, value: mx.np.ndarray) -> mx.np.ndarray:
        """Add a device sum to a running total that may not exist yet."""
        return value if total is None else total + value


def accuracy(y_hat: Array, y: Array) -> float:
    """Return the number of correct predictions in a batch (divide by len(y): rate)."""
    return float(_num_correct(as_numpy_kind(y_hat), as_numpy_kind(y)).item())


def check_input_shape(net: Any, X: Array) -> None:
    """Raise ShapeMismatchError if X cannot feed the first Dense layer as made."""
    if not isinstance(net, gluon.Block):
        return
    first = next(iter(net.collect_params().values()), None)
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


def _batches_for(
    net: Any, data_iter: Iterable, device: mx.Context | None
) -> Iterator[Batch]:
    """Yield data_iter's batches in the array kind in use, on the device.

    The first batch is checked against the shape the net was initialized with.
    """
    for i, (X, y) in enumerate(data_iter):
        X = to_device(as_array_kind(X), device)
        y = to_device(as_array_kind(y), device)
        if i == 0:
            check_input_shape(net, X)
        yield X, y


def evaluate_accuracy(
    net: Callable, data_iter: Iterable, device: mx.Context | None = None
) -> float:
    """Return the accuracy of a model over a whole data iterator.

    The batches are moved to ``device``, by default where the model's parameters are.
    """
    sums = _DeviceSums()
    for X, y in _batches_for(net, data_iter, model_device(net, device=device)):
        sums.add(net(X), y)
    return sums.num_correct() / sums.num_examples


def sgd(params: Sequence[Array], lr: float, batch_size: int) -> None:
    """Minibatch stochastic gradient descent on parameters with attached gradients."""
    for param in params:
        param[:] = param - lr * param.grad / batch_size


class _SGDUpdater:
    """The updater of the from-scratch call form: sgd on params at a fixed rate."""

    def __init__(self, params: Sequence[Array], learning_rate: float) -> None:
        self.params, self.learning_rate = params, learning_rate

    def __call__(self, batch_size: int) -> None:
        """Take one SGD step for a batch of batch_size examples."""
        sgd(self.params, self.learning_rate, batch_size)


def _step(updater: Updater, batch_size: int) -> None:
    """Apply one update with a gluon.Trainer or a function of the batch size."""
    if isinstance(updater, gluon.Trainer):
        updater.step(batch_size)
    else:
        updater(batch_size)


def _diverged(train_loss: float, updater: Updater, epoch: int | None) -> str:
    """Return the TrainingDivergedError message: what happened, what to do."""
    where = f"Epoch {epoch}" if epoch is not None else "This epoch"
    lr = getattr(updater, "learning_rate", None)
    now = f" (now {lr})" if lr is not None else ""
    return (
        f"{where}: the average training loss is {train_loss}, so training has "
        f"diverged and the parameters are no longer usable. Lower the learning "
        f"rate{now}, and compute the loss with the numerically stable "
        "gluon.loss.SoftmaxCrossEntropyLoss (log-sum-exp) instead of "
        "-log(softmax(...)); see the chapter on numerical stability. Then "
        "re-initialize the model."
    )


def train_epoch_ch3(
    net: Callable,
    train_iter: Iterable,
    loss: Callable,
    updater: Updater,
    device: mx.Context | None = None,
    epoch: int | None = None,
) -> tuple[float, float]:
    """Train for one epoch; return (average loss, accuracy) over the training data.

    Every example weighs the same (the last partial batch included). A loss that
    is inf or nan raises TrainingDivergedError.
    """
    sums = _DeviceSums()
    for X, y in _batches_for(net, train_iter, model_device(net, device=device)):
        with autograd.record():
            y_hat = net(X)
            losses = loss(y_hat, y)
        losses.backward()
        _step(updater, X.shape[0])
        sums.add(y_hat, y, losses)
    train_loss = sums.loss_sum() / sums.num_examples
    if not math.isfinite(train_loss):
        raise TrainingDivergedError(_diverged(train_loss, updater, epoch))
    return train_loss, sums.num_correct() / sums.num_examples


def _resolve_updater(
    batch_size: Any, params: Sequence | None, lr: float | None, trainer: Updater | None
) -> Updater:
    """Map both editions' call forms of train_ch3 to one updater."""
    if trainer is None and batch_size is not None and not isinstance(batch_size, int):
        trainer = batch_size  # new form: the 6th positional argument is the trainer
    if trainer is not None:
        return trainer
    if params is not None and lr is not None and isinstance(batch_size, int):
        return _SGDUpdater(params, lr)
    raise TypeError(
        "train_ch3 needs a trainer: train_ch3(net, train_iter, test_iter, loss, "
        "num_epochs, trainer), or batch_size, params and lr for from-scratch SGD."
    )


def hybridize_blocks(*blocks: Any) -> None:
    """Hybridize the Gluon blocks among ``blocks`` in place, with static memory.

    ``block.hybridize(static_alloc=True)``: at the next call MXNet traces the block's
    ``hybrid_forward`` into a static computation graph, then runs that graph instead
    of the Python code, with its memory allocated once and reused at every step.
    A plain ``nn.Sequential`` hybridizes its HybridBlock children (without MXNet's
    hint to use ``HybridSequential``); anything that is not a Gluon block is left
    alone.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All children of this Sequential")
        for block in blocks:
            if isinstance(block, gluon.Block):
                block.hybridize(static_alloc=True)


def train_ch3(
    net: Callable,
    train_iter: Iterable,
    test_iter: Iterable,
    loss: Callable,
    num_epochs: int,
    batch_size: Any = None,
    params: Sequence | None = None,
    lr: float | None = None,
    trainer: Updater | None = None,
    *,
    plot: bool | None = None,
    device: mx.Context | None = None,
    hybridize: bool = True,
) -> TrainHistory:
    """Train a classifier, plotting loss and accuracies live; return the history.

    Call forms: d2l's ``train_ch3(net, train_iter, test_iter, loss, num_epochs,
    updater)`` (a ``gluon.Trainer`` or a function of the batch size) and gluonbook's
    ``train_ch3(net, train_iter, test_iter, loss, num_epochs, batch_size, params=None,
    lr=None, trainer=None)`` (SGD on ``params`` at rate ``lr`` when no trainer is
    given). ``mx.np`` and legacy ``mx.nd`` code both work. ``plot`` defaults to True
    inside Jupyter. The batches are moved to ``device``, by default where the
    model's parameters are.

    ``hybridize`` (default True): a Gluon ``net`` and ``loss`` are first hybridized
    with ``static_alloc=True`` (see ``hybridize_blocks``): at their first call MXNet
    traces ``hybrid_forward`` into a static computation graph and then runs that
    graph, with memory allocated once, instead of the Python code op by op. The
    values are the same and each step is usually faster (by how much depends on
    the machine: measure it). The blocks stay hybridized afterwards. Pass
    ``hybridize=False`` to run them imperatively, e.g. for a model whose forward
    uses Python control flow on values or prints intermediate arrays.
    From-scratch functions are never changed.

    A loss that becomes inf or nan raises ``TrainingDivergedError``, whose
    ``history`` keeps the epochs that finished.
    """
    updater = _resolve_updater(batch_size, params, lr, trainer)
    if hybridize:
        hybridize_blocks(net, loss)
    device = model_device(net, params, device)
    show = in_notebook() if plot is None else plot
    legend = ["train loss", "train acc", "test acc"]
    figure = TrainingPlot(legend, num_epochs) if show else None
    history = TrainHistory()
    try:
        for epoch in range(1, num_epochs + 1):
            start = time.perf_counter()
            train_loss, train_acc = train_epoch_ch3(
                net, train_iter, loss, updater, device, epoch
            )
            test_acc = evaluate_accuracy(net, test_iter, device)
            history.epoch_seconds.append(time.perf_counter() - start)
            history.train_loss.append(train_loss)
            history.train_acc.append(train_acc)
            history.test_acc.append(test_acc)
            if figure is not None:
                figure.add(epoch, (train_loss, train_acc, test_acc))
    except TrainingDivergedError as err:
        err.history = history  # the finished epochs stay available to the caller
        raise
    finally:
        if figure is not None:
            figure.close()
    return history


def predict_ch3(
    net: Callable,
    test_iter: Iterable,
    n: int = 6,
    label_names: Callable[[Any], list[str]] = get_fashion_mnist_labels,
    device: mx.Context | None = None,
) -> tuple[list[str], list[str]]:
    """Show the first n test images, true and predicted labels; return both lists."""
    X, y = next(_batches_for(net, test_iter, model_device(net, device=device)))
    trues = label_names(y[:n].asnumpy())
    preds = label_names(net(X[:n]).argmax(axis=1).asnumpy())
    titles = [f"{t}\n{p}" for t, p in zip(trues, preds)]
    show_images(X[:n].reshape(n, *X.shape[2:]), 1, n, titles=titles)
    return trues, preds
