"""d2l_helpers.evaluation against independent computations, on real Fashion-MNIST.

The statistics are checked against SciPy (binomial distribution, binomial test, Wilson
interval) and scikit-learn (confusion matrix, recall, top-k accuracy, calibration
curve), or against a direct computation written differently (a loop over bins, the
standard deviation of per-image differences, Bayes' rule on a model whose posteriors
are known). The predictions come from real classifiers: scikit-learn's logistic
regression and a nearest-centroid rule, fitted on real training images and applied to
real test images. ``train_softmax_grid`` is checked against ``d2l.train_ch3``.
"""

import math

import mxnet as mx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib import pyplot as plt
from mxnet import gluon, init, npx
from mxnet.gluon import nn
from scipy import stats
from sklearn import metrics
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression

import d2l_helpers as d2l
from d2l_helpers import evaluation


@pytest.fixture(autouse=True)
def np_mode():
    """d2l's NumPy mode for the test, switched off afterwards (it is process-wide)."""
    npx.set_np()
    yield
    npx.reset_np()


@pytest.fixture(scope="module")
def predictions(fashion_arrays):
    """Real predictions on 2,000 real test images by two real classifiers.

    Returns (labels, probabilities of a logistic regression, its predictions,
    predictions of a nearest-centroid rule).
    """
    X_train, y_train, X_test, y_test = fashion_arrays
    train = X_train[:3000].reshape(3000, -1) / 255.0
    test = X_test[:2000].reshape(2000, -1) / 255.0
    model = LogisticRegression(max_iter=200, C=0.1).fit(train, y_train[:3000])
    probs = model.predict_proba(test)
    centroids = np.stack([train[y_train[:3000] == k].mean(axis=0) for k in range(10)])
    distances = ((test[:, None, :] - centroids[None]) ** 2).sum(axis=-1)
    labels = y_test[:2000].astype(np.int64)
    return labels, probs, probs.argmax(axis=1), distances.argmin(axis=1)


# How sure is an accuracy?


@pytest.mark.parametrize(
    ("p", "n"), [(0.83, 10_000), (43 / 45, 45), (0.5, 7), (1.0, 3)]
)
def test_standard_error_is_the_binomial_sd_of_the_mean(p, n):
    assert d2l.accuracy_standard_error(p, n) == pytest.approx(
        stats.binom(n, p).std() / n, rel=1e-12, abs=1e-15
    )


def test_standard_error_of_the_course_examples():
    assert 100 * d2l.accuracy_standard_error(0.83, 10_000) == pytest.approx(
        0.376, abs=1e-3
    )
    assert 100 * d2l.accuracy_standard_error(43 / 45, 45) == pytest.approx(
        3.07, abs=1e-2
    )


@pytest.mark.parametrize(("p", "n"), [(1.2, 10), (-0.1, 10), (0.5, 0)])
def test_standard_error_refuses_impossible_input(p, n):
    with pytest.raises(ValueError):
        d2l.accuracy_standard_error(p, n)


@pytest.mark.parametrize(
    ("k", "n"), [(43, 45), (0, 10), (10, 10), (8277, 10_000), (1, 3)]
)
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_wilson_interval_matches_scipy(k, n, confidence):
    expected = stats.binomtest(k, n).proportion_ci(confidence, method="wilson")
    low, high = d2l.wilson_interval(k, n, confidence)
    assert low == pytest.approx(expected.low, abs=1e-12)
    assert high == pytest.approx(expected.high, abs=1e-12)


def test_wilson_interval_of_real_predictions(predictions):
    labels, _, predicted, _ = predictions
    k = int((predicted == labels).sum())
    low, high = d2l.wilson_interval(k, len(labels))
    assert low < k / len(labels) < high
    expected = stats.binomtest(k, len(labels)).proportion_ci(0.95, method="wilson")
    assert (low, high) == pytest.approx((expected.low, expected.high), abs=1e-12)


def test_mean_interval_uses_students_t():
    values = np.array([83.76, 83.63, 83.82, 81.76, 83.68])
    mean, half = d2l.mean_interval(values)
    # t(4) at 97.5% is 2.7764 (any t table)
    assert float(mean) == pytest.approx(values.mean())
    assert float(half) == pytest.approx(
        2.7764 * values.std(ddof=1) / math.sqrt(5), rel=1e-4
    )
    low, high = stats.t.interval(0.95, 4, loc=values.mean(), scale=stats.sem(values))
    assert float(half) == pytest.approx((high - low) / 2, rel=1e-9)


def test_mean_interval_covers_the_mean_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    samples = rng.normal(3.0, 2.0, size=(4000, 5))
    mean, half = d2l.mean_interval(samples, axis=1)
    coverage = np.mean(np.abs(mean - 3.0) <= half)
    assert coverage == pytest.approx(0.95, abs=0.015)  # SE of the coverage: 0.0034


def test_mean_interval_along_an_axis_and_refuses_one_run():
    values = np.arange(24.0).reshape(2, 3, 4)
    mean, half = d2l.mean_interval(values)
    assert mean.shape == half.shape == (3, 4)
    with pytest.raises(ValueError):
        d2l.mean_interval([1.0])


# McNemar


def test_mcnemar_counts_and_exact_p_on_real_predictions(predictions):
    labels, _, logistic, centroid = predictions
    a, b = logistic == labels, centroid == labels
    result = d2l.mcnemar_test(a, b)
    assert result.only_a == int(np.sum(a & ~b))
    assert result.only_b == int(np.sum(~a & b))
    assert result.num_examples == len(labels)
    assert result.difference == pytest.approx(a.mean() - b.mean())
    m = result.only_a + result.only_b
    assert result.p_exact == pytest.approx(
        stats.binomtest(result.only_a, m).pvalue, rel=1e-9
    )
    # the logistic regression is far better than the nearest centroid: a real difference
    assert result.difference > 0.05 and result.p_exact < 1e-6


def test_mcnemar_paired_standard_error_is_the_sd_of_the_differences(predictions):
    labels, _, logistic, centroid = predictions
    a, b = logistic == labels, centroid == labels
    differences = a.astype(float) - b.astype(float)
    result = d2l.mcnemar_test(a, b)
    assert result.difference_se == pytest.approx(
        differences.std(ddof=0) / math.sqrt(len(differences)), rel=1e-9
    )
    unpaired = math.hypot(
        d2l.accuracy_standard_error(a.mean(), len(a)),
        d2l.accuracy_standard_error(b.mean(), len(b)),
    )
    assert result.difference_se < unpaired  # the models agree on most images


def mid_p(b: int, c: int) -> float:
    """The mid-p value from SciPy's binomial distribution (Fagerland et al. 2013)."""
    m, k = b + c, min(b, c)
    if m == 0:
        return 1.0
    dist = stats.binom(m, 0.5)
    return min(1.0, 2 * (dist.cdf(k) - 0.5 * dist.pmf(k)))


@settings(max_examples=60, deadline=None)
@given(b=st.integers(0, 80), c=st.integers(0, 80), both=st.integers(0, 50))
def test_mcnemar_p_values_match_scipy_for_any_counts(b, c, both):
    a = np.r_[np.ones(b, bool), np.zeros(c, bool), np.ones(both, bool)]
    other = np.r_[np.zeros(b, bool), np.ones(c, bool), np.ones(both, bool)]
    if len(a) == 0:
        return
    result = d2l.mcnemar_test(a, other)
    expected = stats.binomtest(b, b + c).pvalue if b + c else 1.0
    assert result.p_exact == pytest.approx(expected, rel=1e-9, abs=1e-300)
    assert result.p_mid == pytest.approx(mid_p(b, c), rel=1e-7, abs=1e-300)
    assert result.p_mid <= result.p_exact


def test_mcnemar_with_many_discordant_examples_does_not_overflow():
    a = np.r_[np.ones(3000, bool), np.zeros(2600, bool)]
    result = d2l.mcnemar_test(a, ~a)
    assert result.p_exact == pytest.approx(stats.binomtest(3000, 5600).pvalue, rel=1e-6)


def test_mcnemar_refuses_unpaired_input():
    with pytest.raises(ValueError):
        d2l.mcnemar_test([True, False], [True])


# Confusion matrix and per-class accuracy


def test_confusion_matrix_matches_scikit_learn(predictions):
    labels, _, predicted, _ = predictions
    ours = d2l.confusion_matrix(labels, predicted, num_classes=10)
    np.testing.assert_array_equal(
        ours, metrics.confusion_matrix(labels, predicted, labels=range(10))
    )
    assert ours.sum() == len(labels)


def test_per_class_accuracy_is_recall(predictions):
    labels, _, predicted, _ = predictions
    confusion = d2l.confusion_matrix(labels, predicted, 10)
    np.testing.assert_allclose(
        d2l.per_class_accuracy(confusion),
        metrics.recall_score(labels, predicted, average=None, labels=range(10)),
    )


def test_most_confused_pairs_are_the_largest_symmetric_sums(predictions):
    labels, _, predicted, _ = predictions
    confusion = d2l.confusion_matrix(labels, predicted, 10)
    pairs = d2l.most_confused_pairs(confusion, k=45)
    assert len(pairs) == 45
    totals = [i_j + j_i for _, _, i_j, j_i in pairs]
    assert totals == sorted(totals, reverse=True)
    for i, j, i_as_j, j_as_i in pairs:
        assert i < j and (i_as_j, j_as_i) == (confusion[i, j], confusion[j, i])
    symmetric = confusion + confusion.T
    np.fill_diagonal(symmetric, -1)
    assert totals[0] == symmetric.max()
    # Fashion-MNIST's hardest pairs are upper-body garments, for any decent classifier
    top = d2l.most_confused_pairs(confusion, k=3)
    assert all({i, j} <= {0, 2, 4, 6} for i, j, _, _ in top)


# Calibration


def reference_bins(confidence, correct, num_bins):
    """Bins (lo, hi] by an explicit loop: count, mean confidence, accuracy."""
    rows = []
    for b in range(num_bins):
        lo, hi = b / num_bins, (b + 1) / num_bins
        inside = [
            i for i, c in enumerate(confidence) if (lo < c <= hi) or (b == 0 and c == 0)
        ]
        if inside:
            rows.append(
                (len(inside), np.mean(confidence[inside]), np.mean(correct[inside]))
            )
        else:
            rows.append((0, math.nan, math.nan))
    return rows


def test_reliability_bins_match_a_loop_over_bins(predictions):
    labels, probs, predicted, _ = predictions
    confidence, correct = probs.max(axis=1), (predicted == labels).astype(float)
    bins = d2l.reliability_bins(confidence, correct, num_bins=15)
    reference = reference_bins(confidence, correct, 15)
    np.testing.assert_array_equal(bins.counts, [r[0] for r in reference])
    np.testing.assert_allclose(
        bins.confidence, [r[1] for r in reference], equal_nan=True
    )
    np.testing.assert_allclose(bins.accuracy, [r[2] for r in reference], equal_nan=True)
    ece = sum(n * abs(a - c) for n, c, a in reference if n) / len(labels)
    assert d2l.expected_calibration_error(confidence, correct) == pytest.approx(ece)


def test_reliability_bins_agree_with_scikit_learns_calibration_curve(predictions):
    labels, probs, predicted, _ = predictions
    confidence, correct = probs.max(axis=1), predicted == labels
    bins = d2l.reliability_bins(confidence, correct, num_bins=10)
    accuracy, mean_confidence = calibration_curve(
        correct, confidence, n_bins=10, strategy="uniform"
    )
    filled = bins.counts > 0
    # scikit-learn's bins are [lo, hi); no real confidence lies exactly on an edge
    np.testing.assert_allclose(bins.accuracy[filled], accuracy)
    np.testing.assert_allclose(bins.confidence[filled], mean_confidence)


def test_ece_is_at_least_the_gap_of_the_averages_and_small_when_calibrated(predictions):
    labels, probs, predicted, _ = predictions
    confidence, correct = probs.max(axis=1), predicted == labels
    ece = d2l.expected_calibration_error(confidence, correct)
    assert ece >= abs(correct.mean() - confidence.mean()) - 1e-12
    rng = np.random.default_rng(0)
    outcomes = rng.random(200_000) < (conf := rng.uniform(0.1, 1.0, 200_000))
    assert d2l.expected_calibration_error(conf, outcomes) < 0.01
    assert d2l.expected_calibration_error(conf, ~outcomes) > 0.2


def test_top_k_accuracy_matches_scikit_learn(predictions):
    labels, probs, _, _ = predictions
    for k in (1, 2, 3, 5):
        assert d2l.top_k_accuracy(probs, labels, k) == pytest.approx(
            metrics.top_k_accuracy_score(labels, probs, k=k, labels=range(10))
        )
    assert d2l.top_k_accuracy(probs, labels, 10) == 1.0


# Label shift


def test_adjust_to_prior_is_bayes_rule_on_known_posteriors():
    """Gaussian classes: the posteriors under both priors are known exactly."""
    rng = np.random.default_rng(0)
    means = rng.normal(size=(4, 3))
    x = rng.normal(size=(500, 3))
    log_lik = -0.5 * ((x[:, None, :] - means[None]) ** 2).sum(axis=-1)
    source, target = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.7, 0.1, 0.1, 0.1])

    def posterior(prior):
        joint = np.exp(log_lik) * prior
        return joint / joint.sum(axis=1, keepdims=True)

    np.testing.assert_allclose(
        d2l.adjust_to_prior(posterior(source), source, target), posterior(target)
    )


def test_adjust_to_prior_keeps_probabilities_and_the_identity(predictions):
    _, probs, _, _ = predictions
    uniform = np.full(10, 0.1)
    np.testing.assert_allclose(d2l.adjust_to_prior(probs, uniform, uniform), probs)
    target = np.full(10, 0.05)
    target[[0, 6]] = 0.3
    adjusted = d2l.adjust_to_prior(probs, uniform, target)
    np.testing.assert_allclose(adjusted.sum(axis=1), 1.0)
    changed = adjusted.argmax(axis=1) != probs.argmax(axis=1)
    assert changed.any()
    assert set(adjusted.argmax(axis=1)[changed]) <= {0, 6}  # only up-weighted classes


# Figures


def test_confusion_matrix_figure_shows_row_percentages(predictions):
    labels, _, predicted, _ = predictions
    confusion = d2l.confusion_matrix(labels, predicted, 10)
    names = d2l.get_fashion_mnist_labels(range(10))
    ax = d2l.plot_confusion_matrix(confusion, names)
    shown = ax.images[0].get_array()
    np.testing.assert_allclose(
        shown, 100 * confusion / confusion.sum(axis=1, keepdims=True)
    )
    assert len(ax.texts) == 100
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    plt.close(ax.figure)


def test_reliability_diagram_bars_are_the_bin_accuracies(predictions):
    labels, probs, predicted, _ = predictions
    bins = d2l.reliability_bins(probs.max(axis=1), predicted == labels)
    ax = d2l.plot_reliability_diagram(bins)
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, bins.accuracy[bins.counts > 0])
    plt.close(ax.figure)


# Several softmax regressions at once


@pytest.fixture(scope="module")
def split_iters(fashion_arrays):
    """A shuffling iterator over 6,000 real training images and 2,000 for validation."""
    X_train, y_train, _, _ = fashion_arrays
    fit = d2l.ArrayDataIter(X_train[:6000], y_train[:6000], 256, shuffle=True)
    valid = d2l.ArrayDataIter(X_train[-2000:], y_train[-2000:], 2000, shuffle=False)
    return fit, valid


def train_one(fit, valid, lr: float, seed: int, num_epochs: int) -> list[float]:
    """The concise chapter's model trained with d2l.train_ch3 after the same seeds."""
    mx.random.seed(seed)
    np.random.seed(seed)
    net = nn.Sequential()
    net.add(nn.Dense(10))
    net.initialize(init.Normal(sigma=0.01), ctx=mx.cpu())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    history = d2l.train_ch3(net, fit, valid, loss, num_epochs, trainer, plot=False)
    return history.test_acc


def test_grid_models_follow_train_ch3_with_the_same_seed(split_iters):
    fit, valid = split_iters
    grid = d2l.train_softmax_grid(
        fit, valid, [0.03, 0.1, 0.3], 3, seed=7, device=mx.cpu()
    )
    assert grid.valid_acc.shape == grid.train_loss.shape == (3, 3)
    for m, lr in enumerate([0.03, 0.1]):
        alone = train_one(fit, valid, lr, seed=7, num_epochs=3)
        # the same SGD steps up to float rounding: at most a couple of images apart
        np.testing.assert_allclose(grid.valid_acc[:, m], alone, atol=1.5e-3)


def test_grid_is_repeatable_and_seeds_differ(split_iters):
    fit, valid = split_iters
    first = d2l.train_softmax_grid(fit, valid, [0.1, 0.5], 2, seed=1, device=mx.cpu())
    again = d2l.train_softmax_grid(fit, valid, [0.1, 0.5], 2, seed=1, device=mx.cpu())
    other = d2l.train_softmax_grid(fit, valid, [0.1, 0.5], 2, seed=2, device=mx.cpu())
    np.testing.assert_array_equal(first.valid_acc, again.valid_acc)
    np.testing.assert_array_equal(first.scores, again.scores)
    assert not np.array_equal(first.scores, other.scores)


def test_grid_history_holds_scores_losses_and_correctness(split_iters):
    fit, valid = split_iters
    grid = d2l.train_softmax_grid(fit, valid, [0.01, 0.1], 3, seed=0, device=mx.cpu())
    assert grid.scores.shape == (2000, 2, 10)
    correct = grid.correct()
    assert correct.shape == (2000, 2) and correct.dtype == bool
    np.testing.assert_allclose(correct.mean(axis=0), grid.valid_acc[-1])
    assert np.all(np.isfinite(grid.train_loss))
    assert np.all(np.diff(grid.train_loss[:, 0]) < 0)  # small rate: loss falls steadily
    # after 3 epochs on 6,000 images the larger rate has gone further
    assert grid.train_loss[-1, 1] < grid.train_loss[-1, 0]
    assert 0.6 < grid.valid_acc[-1, 1] < 0.9


def test_grid_works_from_legacy_nd_mode(split_iters):
    npx.reset_np()
    fit, valid = split_iters
    grid = d2l.train_softmax_grid(fit, valid, [0.1], 1, seed=0, device=mx.cpu())
    assert not mx.util.is_np_array()  # the caller's mode is left alone
    assert 0.5 < grid.valid_acc[0, 0] < 0.9


def test_grid_refuses_no_or_nonpositive_rates(split_iters):
    fit, valid = split_iters
    for rates in ([], [0.1, 0.0]):
        with pytest.raises(ValueError):
            evaluation.train_softmax_grid(fit, valid, rates, 1, seed=0)
