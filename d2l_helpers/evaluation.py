"""Evaluating a classifier: uncertainty, errors, calibration, and many models at once.

Small functions on NumPy arrays of labels, predictions and probabilities, as the
evaluation chapter derives them:

- how sure an accuracy is: ``accuracy_standard_error`` (binomial), ``wilson_interval``,
  ``mean_interval`` (Student's t over seeds);
- two models on the same examples: ``mcnemar_test`` (exact and mid-p);
- where a classifier fails: ``confusion_matrix``, ``per_class_accuracy``,
  ``most_confused_pairs``, ``plot_confusion_matrix``;
- probabilities against decisions: ``reliability_bins``,
  ``expected_calibration_error``, ``plot_reliability_diagram``, ``top_k_accuracy``;
- label shift: ``adjust_to_prior`` (Bayes' rule with new class proportions);
- choosing a learning rate economically: ``train_softmax_grid`` trains several
  softmax regressions, one per learning rate, on the same minibatches in one Gluon
  model.
"""

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import mxnet as mx
import numpy as np
from matplotlib import pyplot as plt
from mxnet import autograd, gluon, init
from mxnet.gluon import nn
from scipy import stats

from .data import as_array_kind
from .devices import to_device, try_gpu
from .errors import EvaluationError
from .plotting import use_svg_display

__all__ = [
    "GridHistory",
    "McNemarResult",
    "ReliabilityBins",
    "accuracy_standard_error",
    "adjust_to_prior",
    "confusion_matrix",
    "expected_calibration_error",
    "mcnemar_test",
    "mean_interval",
    "most_confused_pairs",
    "per_class_accuracy",
    "plot_confusion_matrix",
    "plot_reliability_diagram",
    "reliability_bins",
    "top_k_accuracy",
    "train_softmax_grid",
    "wilson_interval",
]


# How sure is an accuracy?


def accuracy_standard_error(accuracy: float, num_examples: int) -> float:
    """Return the binomial standard error sqrt(p (1 - p) / n) of an accuracy p.

    Each of n independent test examples is right with probability p, so the number
    right is Binomial(n, p) and the accuracy, its mean, has variance p (1 - p) / n.
    Pass the measured accuracy as p (the usual plug-in estimate).
    """
    if num_examples < 1:
        raise EvaluationError(
            f"num_examples must be positive, got {num_examples}: pass the set's size."
        )
    if not 0.0 <= accuracy <= 1.0:
        raise EvaluationError(
            f"accuracy must lie in [0, 1], got {accuracy}: pass a fraction, not %."
        )
    return math.sqrt(accuracy * (1.0 - accuracy) / num_examples)


def wilson_interval(
    num_correct: int, num_examples: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Return Wilson's score interval for a binomial proportion (an accuracy).

    Unlike p +- z SE it stays inside [0, 1] and keeps its coverage near 0 and 1,
    where small test sets (45 Iris flowers) put accuracies.
    """
    if not 0 <= num_correct <= num_examples or num_examples < 1:
        raise EvaluationError(
            f"got num_correct={num_correct} of num_examples={num_examples}: "
            "need 0 <= num_correct <= num_examples and num_examples >= 1."
        )
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    n, p = num_examples, num_correct / num_examples
    center = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return max(0.0, center - half), min(1.0, center + half)


def mean_interval(
    values: Sequence[float] | np.ndarray, confidence: float = 0.95, axis: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return the mean of repeated measurements and the half-width of its t interval.

    ``values`` holds one measurement per repetition (e.g. per seed) along ``axis``;
    the half-width is t(n - 1) * s / sqrt(n), s the sample standard deviation.
    Scalars come back as 0-d arrays (``float()`` them).
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[axis]
    if n < 2:
        raise EvaluationError(
            f"an interval needs at least two repetitions, got {n}: run more seeds."
        )
    mean = values.mean(axis=axis)
    sem = values.std(axis=axis, ddof=1) / math.sqrt(n)
    return mean, stats.t.ppf(0.5 + confidence / 2, df=n - 1) * sem


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's test of two classifiers on the same examples.

    ``only_a``: examples model A gets right and B wrong (b); ``only_b``: the reverse
    (c). ``p_exact`` is the two-sided exact p-value (b ~ Binomial(b + c, 1/2) under
    equal accuracies), ``p_mid`` the mid-p value (less conservative, see Fagerland et
    al. 2013). ``difference`` is accuracy(A) - accuracy(B) = (b - c) / n and
    ``difference_se`` its standard error for paired examples.
    """

    num_examples: int
    only_a: int
    only_b: int
    p_exact: float
    p_mid: float
    difference: float
    difference_se: float


def _binomial_half_cdf(k: int, n: int) -> tuple[float, float]:
    """Return P(X <= k) and P(X = k) for X ~ Binomial(n, 1/2), in exact arithmetic."""
    total = 2**n
    pmf = math.comb(n, k)
    cdf = sum(math.comb(n, i) for i in range(k + 1))
    return cdf / total, pmf / total


def mcnemar_test(
    correct_a: Sequence[bool] | np.ndarray, correct_b: Sequence[bool] | np.ndarray
) -> McNemarResult:
    """Compare two classifiers evaluated on the same examples (McNemar's test).

    ``correct_a`` and ``correct_b`` say, per example, whether each model was right.
    Only the discordant examples (one right, the other wrong) carry information about
    which model is better; under the hypothesis of equal accuracies each of them is
    equally likely to favor A or B.
    """
    correct_a = np.asarray(correct_a, dtype=bool)
    correct_b = np.asarray(correct_b, dtype=bool)
    if correct_a.shape != correct_b.shape or correct_a.ndim != 1:
        raise EvaluationError(
            f"correct_a {correct_a.shape} and correct_b {correct_b.shape} must be 1-D "
            "and of the same length: score both models on the same test examples."
        )
    n = len(correct_a)
    b = int(np.sum(correct_a & ~correct_b))
    c = int(np.sum(~correct_a & correct_b))
    if b + c == 0:
        p_exact = p_mid = 1.0
    else:
        cdf, pmf = _binomial_half_cdf(min(b, c), b + c)
        p_exact = min(1.0, 2 * cdf)
        p_mid = min(1.0, 2 * cdf - pmf)
    se = math.sqrt(max(b + c - (b - c) ** 2 / n, 0.0)) / n if n else float("nan")
    return McNemarResult(n, b, c, p_exact, p_mid, (b - c) / n, se)


# Where does it fail?


def confusion_matrix(
    labels: Sequence[int] | np.ndarray,
    predictions: Sequence[int] | np.ndarray,
    num_classes: int,
) -> np.ndarray:
    """Return the q x q matrix of counts: row = true class, column = predicted class."""
    labels = np.asarray(labels, dtype=np.int64).ravel()
    predictions = np.asarray(predictions, dtype=np.int64).ravel()
    if labels.shape != predictions.shape:
        raise EvaluationError(
            f"labels {labels.shape} and predictions {predictions.shape} must have the "
            "same shape: predict every example of the labels' set once."
        )
    flat = np.bincount(labels * num_classes + predictions, minlength=num_classes**2)
    return flat.reshape(num_classes, num_classes)


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """Return, per true class, the fraction of its examples predicted correctly.

    This is each class's recall: the diagonal divided by the row sums (nan for a
    class without examples).
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diag(confusion) / confusion.sum(axis=1)


def most_confused_pairs(
    confusion: np.ndarray, k: int = 5
) -> list[tuple[int, int, int, int]]:
    """Return the k class pairs most often mistaken for each other.

    Each item is (i, j, i taken for j, j taken for i) with i < j, sorted by the total
    number of confusions in both directions, largest first.
    """
    confusion = np.asarray(confusion)
    pairs = [
        (i, j, int(confusion[i, j]), int(confusion[j, i]))
        for i in range(len(confusion))
        for j in range(i + 1, len(confusion))
    ]
    pairs.sort(key=lambda pair: (-(pair[2] + pair[3]), pair[0], pair[1]))
    return pairs[:k]


def plot_confusion_matrix(
    confusion: np.ndarray,
    class_names: Sequence[str],
    normalize: bool = True,
    ax: plt.Axes | None = None,
) -> plt.Axes:
    """Draw a confusion matrix as a heat map, with the count (or %) in every cell.

    With ``normalize`` each row is divided by its total, so a cell is the percentage
    of a true class given each predicted label and the diagonal is per-class accuracy.
    """
    use_svg_display()
    confusion = np.asarray(confusion, dtype=np.float64)
    shown = (
        100 * confusion / confusion.sum(axis=1, keepdims=True)
        if normalize
        else confusion
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(shown, cmap="Blues")
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, labels=class_names, rotation=45, ha="right")
    ax.set_yticks(ticks, labels=class_names)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    threshold = shown.max() / 2
    for i in range(len(shown)):
        for j in range(len(shown)):
            text = f"{shown[i, j]:.0f}"
            color = "white" if shown[i, j] > threshold else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color=color)
    colorbar = ax.figure.colorbar(image, ax=ax)
    colorbar.set_label("% of the true class" if normalize else "images")
    return ax


# Probabilities against decisions


@dataclass(frozen=True)
class ReliabilityBins:
    """Equal-width confidence bins: edges, count, mean confidence and accuracy of each.

    Empty bins have count 0 and nan confidence and accuracy.
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray

    def calibration_error(self) -> float:
        """Return the ECE: ``sum(n_b / n * abs(acc_b - conf_b))`` over the bins b."""
        filled = self.counts > 0
        gaps = np.abs(self.accuracy[filled] - self.confidence[filled])
        return float(np.sum(self.counts[filled] * gaps) / self.counts.sum())


def reliability_bins(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    num_bins: int = 15,
) -> ReliabilityBins:
    """Group predictions by confidence into num_bins equal-width bins (lo, hi].

    ``confidence`` is the probability the model gives its predicted class (the
    largest softmax output), ``correct`` whether that prediction was right. A
    confidence of exactly 0 goes into the first bin.
    """
    confidence = np.asarray(confidence, dtype=np.float64).ravel()
    correct = np.asarray(correct, dtype=np.float64).ravel()
    if confidence.shape != correct.shape:
        raise EvaluationError(
            f"confidence {confidence.shape} and correct {correct.shape} must have the "
            "same shape: give one confidence per scored example."
        )
    edges = np.linspace(0.0, 1.0, num_bins + 1)
    index = np.clip(
        np.ceil(confidence * num_bins).astype(np.int64) - 1, 0, num_bins - 1
    )
    counts = np.bincount(index, minlength=num_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, confidence, num_bins) / counts
        accuracy = np.bincount(index, correct, num_bins) / counts
    return ReliabilityBins(edges, counts, mean_confidence, accuracy)


def expected_calibration_error(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    num_bins: int = 15,
) -> float:
    """Return the expected calibration error (ECE) with num_bins equal-width bins.

    ECE = sum over the bins of (share of the examples in the bin) times the absolute
    difference between the bin's accuracy and its mean confidence (Naeini et al.
    2015, Guo et al. 2017).
    """
    return reliability_bins(confidence, correct, num_bins).calibration_error()


def plot_reliability_diagram(
    bins: ReliabilityBins, ax: plt.Axes | None = None, label: str = "model"
) -> plt.Axes:
    """Draw accuracy against confidence per bin, with the diagonal of calibration.

    Bars show each non-empty bin's accuracy; a bar above the diagonal means the model
    was under-confident there, below it over-confident.
    """
    use_svg_display()
    if ax is None:
        _, ax = plt.subplots(figsize=(3.5, 3.5))
    filled = bins.counts > 0
    width = np.diff(bins.edges)
    ax.bar(
        bins.edges[:-1][filled],
        bins.accuracy[filled],
        width=width[filled],
        align="edge",
        edgecolor="black",
        color="tab:blue",
        alpha=0.7,
        label=label,
    )
    ax.plot([0, 1], [0, 1], "k--", label="calibrated")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence (largest probability)")
    ax.set_ylabel("accuracy in the bin")
    ax.legend(loc="upper left")
    return ax


def top_k_accuracy(
    scores: np.ndarray, labels: Sequence[int] | np.ndarray, k: int
) -> float:
    """Return the share of examples whose true class is among the k highest scores.

    A true class counts as in the top k when fewer than k classes score strictly
    higher (ties resolved in its favor; with float probabilities they are rare).
    """
    scores = np.asarray(scores)
    labels = np.asarray(labels, dtype=np.int64).ravel()
    true_scores = scores[np.arange(len(labels)), labels]
    num_higher = (scores > true_scores[:, None]).sum(axis=1)
    return float(np.mean(num_higher < k))


def adjust_to_prior(
    probabilities: np.ndarray,
    source_prior: Sequence[float] | np.ndarray,
    target_prior: Sequence[float] | np.ndarray,
) -> np.ndarray:
    """Re-weight predicted class probabilities for new class proportions (label shift).

    If p(x | y) stays the same and only p(y) changes from ``source_prior`` to
    ``target_prior``, Bayes' rule gives p_new(y | x) proportional to
    p(y | x) * target_prior[y] / source_prior[y] (Saerens et al. 2002).
    """
    weights = np.asarray(target_prior, np.float64) / np.asarray(
        source_prior, np.float64
    )
    adjusted = np.asarray(probabilities, dtype=np.float64) * weights
    return adjusted / adjusted.sum(axis=1, keepdims=True)


# Several softmax regressions at once


@dataclass
class GridHistory:
    """What ``train_softmax_grid`` measured, one column per model of the grid.

    ``valid_acc`` and ``train_loss`` have shape (num_epochs, num_models); ``scores``
    holds the validation logits after the last epoch, shape (n, num_models, q), and
    ``labels`` the validation labels.
    """

    learning_rates: list[float]
    train_loss: np.ndarray
    valid_acc: np.ndarray
    scores: np.ndarray
    labels: np.ndarray

    def correct(self) -> np.ndarray:
        """Return whether each model's last prediction is right, shape (n, models)."""
        return self.scores.argmax(axis=-1) == self.labels[:, None]


@mx.util.use_np
class _WideSoftmax(nn.HybridBlock):
    """Several softmax regressions side by side: one Dense layer, its outputs in groups.

    Rows m * q to (m + 1) * q - 1 of the Dense weight (Gluon stores it q x d per model)
    are model m's; the logits come out as (batch, num_models, q).
    """

    def __init__(self, num_models: int, num_outputs: int) -> None:
        super().__init__()
        self.num_models, self.num_outputs = num_models, num_outputs
        self.dense = nn.Dense(num_models * num_outputs)

    def hybrid_forward(self, F, X):  # noqa: N803 (Gluon's signature)
        """Return the logits of every model, shape (batch, num_models, num_outputs)."""
        return F.npx.reshape(self.dense(X), (-2, self.num_models, self.num_outputs))


@mx.util.use_np
class _WeightedCrossEntropy(gluon.HybridBlock):
    """Every model's cross-entropy loss on every example, times the model's weight."""

    def __init__(self, weights: Sequence[float], num_outputs: int) -> None:
        super().__init__()
        self.num_outputs = num_outputs
        self.weights = self.params.get_constant(
            "weights", mx.np.array(weights, dtype=np.float32)
        )

    def hybrid_forward(self, F, logits, y, weights):  # noqa: N803 (Gluon's signature)
        """Return weights[m] * -log softmax(logits[i, m])[y[i]]: (batch, num_models)."""
        log_probs = F.npx.log_softmax(logits, axis=-1)
        one_hot = F.np.expand_dims(F.npx.one_hot(y, self.num_outputs), axis=1)
        return -(log_probs * one_hot).sum(axis=-1) * weights


@mx.util.use_np
def train_softmax_grid(
    train_iter: Iterable,
    valid_iter: Iterable,
    learning_rates: Sequence[float],
    num_epochs: int,
    seed: int,
    sigma: float = 0.01,
    num_outputs: int = 10,
    device: mx.Context | None = None,
) -> GridHistory:
    """Train one softmax regression per learning rate, all on the same minibatches.

    Model m is the concise chapter's model (``nn.Dense(num_outputs)``,
    ``init.Normal(sigma)``, softmax cross-entropy, plain SGD dividing by each
    minibatch's size) with learning rate ``learning_rates[m]``. The models sit side by
    side in one hybridized Dense layer (``num_models * num_outputs`` outputs) and one
    SGD step with learning rate 1 minimizes the sum of their losses, model m's loss
    weighted by its learning rate: the gradient of that sum with respect to model m's
    rows is ``learning_rates[m]`` times the gradient of model m's own loss, so each
    model takes exactly its own SGD step. This is training the models one after the
    other, in one pass over the data, at about the cost of one.

    ``seed`` fixes what a seed fixes in the book: ``mx.random.seed(seed)`` draws the
    initial weights (one draw, the one a single ``nn.Dense`` gets after that seed,
    copied to every model) and ``np.random.seed(seed)`` the order of the minibatches
    of ``train_iter`` (a shuffling ``d2l.ArrayDataIter``). So model m follows
    ``d2l.train_ch3`` of one model with the same seeds and learning rate, up to
    floating-point rounding (at large learning rates such rounding differences can
    grow, over many steps, as a change of seed would). After every epoch all models
    are evaluated on ``valid_iter``.
    """
    rates = [float(lr) for lr in learning_rates]
    if not rates or min(rates) <= 0:
        raise EvaluationError(
            f"learning rates {list(rates)}: give at least one, all positive."
        )
    device = device or try_gpu()
    mx.random.seed(seed)
    np.random.seed(seed)
    X0, _ = next(iter(valid_iter))
    X0 = to_device(as_array_kind(X0), device)[:1]
    template = nn.Dense(num_outputs)  # draws the initial weights of a single model
    template.initialize(init.Normal(sigma=sigma), ctx=device)
    template(X0)
    net = _WideSoftmax(len(rates), num_outputs)
    net.initialize(init.Zero(), ctx=device)
    net(X0)
    net.dense.weight.set_data(mx.np.tile(template.weight.data(), (len(rates), 1)))
    net.dense.bias.set_data(mx.np.tile(template.bias.data(), len(rates)))
    loss = _WeightedCrossEntropy(rates, num_outputs)
    loss.initialize(ctx=device)
    net.hybridize(static_alloc=True)
    loss.hybridize(static_alloc=True)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 1.0})
    train_loss = np.zeros((num_epochs, len(rates)))
    valid_acc = np.zeros((num_epochs, len(rates)))
    for epoch in range(num_epochs):
        loss_sums, num_examples = [], 0
        for X, y in train_iter:
            X, y = (
                to_device(as_array_kind(X), device),
                to_device(as_array_kind(y), device),
            )
            with autograd.record():
                losses = loss(net(X), y)
            losses.backward()  # the gradient of the sum over examples and models
            trainer.step(X.shape[0])
            loss_sums.append(losses.sum(axis=0))  # per model, kept on the device
            num_examples += X.shape[0]
        sums = mx.np.stack(loss_sums).sum(axis=0).asnumpy()
        train_loss[epoch] = sums / np.array(rates) / num_examples
        scores, labels = _scores(net, valid_iter, device)
        valid_acc[epoch] = (scores.argmax(axis=-1) == labels[:, None]).mean(axis=0)
    return GridHistory(rates, train_loss, valid_acc, scores, labels)


def _scores(
    net: nn.HybridBlock, data_iter: Iterable, device: mx.Context
) -> tuple[np.ndarray, np.ndarray]:
    """Return all stacked logits of a data iterator and its labels, as NumPy arrays."""
    scores, labels = [], []
    for X, y in data_iter:
        scores.append(net(to_device(as_array_kind(X), device)))
        labels.append(y)
    scores_np = np.concatenate([s.asnumpy() for s in scores])
    labels_np = np.concatenate([np.asarray(y.asnumpy()) for y in labels])
    return scores_np, labels_np.astype(np.int64)
