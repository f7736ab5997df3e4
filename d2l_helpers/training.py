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

Two editions' training loops, one meaning per parameter: ``train_ch3`` is d2l 0.x's
(``updater`` stepped with each minibatch's own size ``X.shape[0]``);
``train_ch3_gluonbook`` is gluonbook's (every step divided by the fixed
``batch_size`` argument, the last partial minibatch included). gluonbook's positional
call of ``train_ch3`` (an int in the updater's place) is forwarded to it.
"""

import math
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import mxnet as mx
from mxnet import autograd, gluon

from .arrays import Array, Batch, as_array_kind, as_numpy_kind, to_float
from .data import get_fashion_mnist_labels
from .devices import model_device, to_device
from .errors import CallFormError, ShapeMismatchError, TrainingDivergedError
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


class _GluonbookUpdater:
    """gluonbook's update step: every minibatch divided by the fixed ``batch_size``.

    gluonbook's ``train_ch3`` called ``sgd(params, lr, batch_size)`` or
    ``trainer.step(batch_size)`` with its ``batch_size`` argument at every step, so
    its last partial minibatch (60,000 = 234 x 256 + 96 images) was divided by 256.
    The size of the minibatch that ``train_epoch_ch3`` passes is ignored.
    """

    def __init__(
        self,
        batch_size: int,
        params: Sequence[Array] | None,
        lr: float | None,
        trainer: gluon.Trainer | None,
    ) -> None:
        self.batch_size = batch_size
        self.params = params
        self.lr = lr
        self.trainer = trainer

    @property
    def learning_rate(self) -> float:
        """Return the learning rate (the trainer's, or lr), for error messages."""
        return self.trainer.learning_rate if self.trainer is not None else self.lr

    def __call__(self, minibatch_size: int) -> None:
        """Take one step, divided by the fixed batch_size (not minibatch_size)."""
        if self.trainer is not None:
            self.trainer.step(self.batch_size)
        else:
            sgd(self.params, self.lr, self.batch_size)


def _step(updater: Updater, batch_size: int) -> None:
    """Apply one update with a gluon.Trainer or a function of the batch size."""
    if isinstance(updater, gluon.Trainer):
        updater.step(batch_size)
    else:
        updater(batch_size)


def _diverged_message(train_loss: float, updater: Updater, epoch: int | None) -> str:
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

    As in d2l 0.x, the updater (a ``gluon.Trainer`` or a function of the batch
    size) is stepped with each minibatch's own size ``X.shape[0]``. Every example
    weighs the same in the metrics (the last partial batch included). A loss that
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
        raise TrainingDivergedError(_diverged_message(train_loss, updater, epoch))
    return train_loss, sums.num_correct() / sums.num_examples


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


def _fit(
    net: Callable,
    train_iter: Iterable,
    test_iter: Iterable,
    loss: Callable,
    num_epochs: int,
    updater: Updater,
    device: mx.Context | None,
    plot: bool | None,
    hybridize: bool,
) -> TrainHistory:
    """Run the epochs of either call form with a resolved updater and device."""
    if hybridize:
        hybridize_blocks(net, loss)
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
        # Jupyter shows the figure once (not again at the cell's end); elsewhere a
        # figure with curves stays open for plt.savefig
        if figure is not None and (in_notebook() or not figure.xs):
            figure.close()
    return history


_D2L_FORM = "train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)"
_GLUONBOOK_FORMS = (
    "train_ch3(net, train_iter, test_iter, loss, num_epochs, batch_size, params, lr) "
    "or (..., num_epochs, batch_size, None, None, trainer)"
)


def _is_batch_size(value: object) -> bool:
    """Tell whether value is an integer (Python's or NumPy's, not a bool)."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_d2l_form(updater: object, extra: tuple) -> None:
    """Raise CallFormError unless (updater, *extra) is d2l's form: one updater."""
    if not (isinstance(updater, gluon.Trainer) or callable(updater)):
        raise CallFormError(
            "train_ch3's 6th argument must be an updater (a gluon.Trainer or a "
            "function of the batch size), as in d2l's form "
            f"{_D2L_FORM}, or the batch size (an int), as in gluonbook's form "
            f"{_GLUONBOOK_FORMS}; got {type(updater).__name__} {updater!r:.60}."
        )
    if extra:
        raise CallFormError(
            f"train_ch3 got {len(extra)} more positional argument(s) after the "
            f"updater ({type(updater).__name__}). d2l's form ends with the updater: "
            f"{_D2L_FORM}, with plot=, device= and hybridize= as keywords. "
            "gluonbook's form has the batch size (an int) in the updater's place: "
            f"{_GLUONBOOK_FORMS}; see train_ch3_gluonbook."
        )


def train_ch3(
    net: Callable,
    train_iter: Iterable,
    test_iter: Iterable,
    loss: Callable,
    num_epochs: int,
    updater: Updater,
    *gluonbook_args: Any,
    plot: bool | None = None,
    device: mx.Context | None = None,
    hybridize: bool = True,
) -> TrainHistory:
    """Train a classifier with d2l 0.x's loop, plotting live; return the history.

    d2l's form: ``train_ch3(net, train_iter, test_iter, loss, num_epochs,
    updater)``. ``updater`` is a ``gluon.Trainer``, stepped with each minibatch's
    own size (``updater.step(X.shape[0])``), or a function of the batch size, called
    with it (e.g. ``lambda n: d2l.sgd([W, b], lr, n)``); so the last partial
    minibatch is averaged over its own examples. ``mx.np`` and legacy ``mx.nd`` code
    both work. ``plot`` defaults to True inside Jupyter, where the figure is
    updated after every epoch; ``plot=True`` elsewhere draws it without showing it
    and leaves it as matplotlib's current figure (``plt.savefig``). The batches are
    moved to ``device``, by default where the parameters of a Gluon ``net`` are
    (from-scratch batches stay where the loader made them).

    gluonbook's form, forwarded unchanged to ``train_ch3_gluonbook``: an int (the
    batch size) in the updater's place, then gluonbook's positional ``params, lr,
    trainer``, e.g. ``train_ch3(net, train_iter, test_iter, loss, num_epochs,
    batch_size, [W, b], lr)``. Only an int there selects it; any other argument
    after the updater raises ``CallFormError``.

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
    if _is_batch_size(updater):
        if len(gluonbook_args) > 3:
            raise CallFormError(
                f"train_ch3 got {6 + len(gluonbook_args)} positional arguments; "
                f"gluonbook's form takes at most 9: {_GLUONBOOK_FORMS}."
            )
        return train_ch3_gluonbook(
            net,
            train_iter,
            test_iter,
            loss,
            num_epochs,
            updater,
            *gluonbook_args,
            plot=plot,
            device=device,
            hybridize=hybridize,
        )
    _check_d2l_form(updater, gluonbook_args)
    device = model_device(net, device=device)
    return _fit(
        net, train_iter, test_iter, loss, num_epochs, updater, device, plot, hybridize
    )


def _gluonbook_updater(
    batch_size: Any, params: Any, lr: Any, trainer: Any
) -> _GluonbookUpdater:
    """Check gluonbook's arguments (one way to update, no more); return its step."""
    if not _is_batch_size(batch_size) or batch_size < 1:
        raise CallFormError(
            f"gluonbook's form needs the batch size, a positive int, after num_epochs; "
            f"got {batch_size!r:.60}. For d2l's form pass an updater there: "
            f"{_D2L_FORM}."
        )
    if trainer is not None:
        sgd_too = params is not None or lr is not None
        if sgd_too or not isinstance(trainer, gluon.Trainer):
            raise CallFormError(
                "gluonbook's form takes either params and lr (SGD from scratch) or "
                "a gluon.Trainer as trainer, with params and lr None: "
                f"{_GLUONBOOK_FORMS}; got params={params!r:.40}, lr={lr!r}, "
                f"trainer={trainer!r:.40}."
            )
    elif params is None or lr is None:
        raise CallFormError(
            "gluonbook's form needs params and lr (SGD from scratch), or a "
            f"gluon.Trainer as trainer: {_GLUONBOOK_FORMS}. For d2l's form pass "
            f"an updater after num_epochs instead of the batch size: {_D2L_FORM}."
        )
    return _GluonbookUpdater(batch_size, params, lr, trainer)


def train_ch3_gluonbook(
    net: Callable,
    train_iter: Iterable,
    test_iter: Iterable,
    loss: Callable,
    num_epochs: int,
    batch_size: int,
    params: Sequence[Array] | None = None,
    lr: float | None = None,
    trainer: gluon.Trainer | None = None,
    *,
    plot: bool | None = None,
    device: mx.Context | None = None,
    hybridize: bool = True,
) -> TrainHistory:
    """Train a classifier with gluonbook's loop (fixed batch-size divisor).

    What gluonbook's ``train_ch3`` computed: without ``trainer``, SGD on ``params``
    at rate ``lr`` with ``sgd(params, lr, batch_size)``; with a ``gluon.Trainer``
    (``params`` and ``lr`` None), ``trainer.step(batch_size)``. Both divide every
    step's summed gradient by the fixed ``batch_size`` argument, also for the last
    partial minibatch (60,000 / 256 = 234 full minibatches and one of 96, whose
    step is then 96/256 of an average step); d2l's ``train_ch3`` divides by each
    minibatch's own size instead. When the data divide evenly into minibatches of
    ``batch_size`` the two compute the same updates.

    The metrics (``TrainHistory``), ``plot``, ``hybridize`` and the divergence check
    are those of ``train_ch3``; the batches are moved to ``device``, by default
    where the parameters are (``params``, or those of a Gluon ``net``). Arguments
    that fit neither way to update raise ``CallFormError``.
    """
    updater = _gluonbook_updater(batch_size, params, lr, trainer)
    device = model_device(net, params, device)
    return _fit(
        net, train_iter, test_iter, loss, num_epochs, updater, device, plot, hybridize
    )


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
