"""Checks of the numbers the from-scratch chapter states (its executed notebook)."""

import math

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)

BATCH_SIZE = 256
NUM_TEST = 10_000
ONE_IMAGE = 1 / 60_000  # the smallest change of an accuracy over the training set
RUNS = ("gluonbook", "zeros", "seed_43")


def value(values: dict, name: str):
    """Return a value the chapter glued, by its name without the chapter prefix."""
    return values[f"softmax_scratch_{name}"]


def test_parameters_and_pick_example(values):
    assert value(values, "num_params") == 784 * 10 + 10
    assert value(values, "W_shape") == [784, 10]  # d x q: examples are rows
    assert value(values, "picked") == pytest.approx([0.1, 0.5], abs=1e-7)
    assert value(values, "example_acc") == 0.5  # one of two rows: exact


def test_minibatches_of_an_epoch(values):
    assert value(values, "num_train") == 60_000
    assert value(values, "full_batches") == 234
    assert value(values, "last_batch") == 96


def test_untrained_model_guesses(values):
    # Small random weights: accuracy near the 1 in 10 of guessing, and the helper's
    # evaluate_accuracy counts the same images as the chapter's own.
    assert 0.03 < value(values, "initial_acc") < 0.25
    assert value(values, "initial_acc_d2l") == pytest.approx(
        value(values, "initial_acc"), abs=0.5 / NUM_TEST
    )


def test_one_hot_product_is_slower_bigger_and_fragile(values):
    assert value(values, "loss_max_diff_10") < 1e-6
    assert value(values, "loss_max_diff_1000") < 1e-6
    assert value(values, "one_hot_ratio_1000") > 2  # measured 35-90x; machine-dependent
    assert value(values, "one_hot_ratio_1000") > value(values, "one_hot_ratio_10")
    assert value(values, "one_hot_bytes") == 3 * BATCH_SIZE * 1000 * 4
    assert value(values, "pick_bytes") == 2 * BATCH_SIZE * 4
    assert value(values, "zero_one_hot_is_nan") is True
    assert value(values, "zero_pick_loss") == pytest.approx(-math.log(0.6), abs=1e-6)


def test_own_loop_reaches_82_percent(values):
    assert value(values, "num_epochs") == 10
    assert value(values, "test_acc") >= 82.0
    assert value(values, "train_acc") >= 82.0
    losses = value(values, "losses")
    assert len(losses) == 10
    assert 0.7 < losses[0] < 0.9 and losses[-1] < 0.5  # as the figure's alt text says
    assert losses[-1] == min(losses)
    assert value(values, "first_loss") == losses[0]
    assert value(values, "last_loss") == losses[-1]
    curve = value(values, "test_curve")
    assert len(curve) == 10
    assert value(values, "test_acc") == pytest.approx(100 * curve[-1])


def test_standard_error_of_the_test_accuracy(values):
    p = value(values, "test_acc") / 100
    assert value(values, "test_se") == pytest.approx(
        100 * math.sqrt(p * (1 - p) / NUM_TEST), rel=1e-9
    )
    assert 0.3 < value(values, "test_se") < 0.45  # "about 0.4 points"


def test_predictions_figure(values):
    assert value(values, "shown_total") == 8
    assert value(values, "shown_correct") >= 5


def test_d2l_train_ch3_is_our_loop(values):
    # Same start, same minibatches, same arithmetic: the accuracies count the same
    # images (a difference of one image would be >= 1/60,000) and the losses differ
    # only by the order of summation.
    assert value(values, "packaged_acc_gap") < ONE_IMAGE / 10
    assert value(values, "packaged_loss_gap") < 1e-5
    # The reference of the comparisons is that packaged run after two epochs,
    # whose test accuracy is that of our own run's second epoch.
    curve = value(values, "test_curve")
    assert value(values, "ref_acc") == pytest.approx(100 * curve[1])


def test_gluonbook_call_is_our_gluonbook_updater(values):
    # Same start, same minibatches, same arithmetic: identical weights; d2l's form
    # differs through the last minibatch of 136 images.
    assert value(values, "old_call_gap") <= 1e-7
    assert value(values, "d2l_form_gap") > 1e-4
    for history in value(values, "run_histories").values():
        assert len(history) == 2


def test_zero_start_gradient(values):
    # The formula for the gradient at W = 0 matches autograd, and no two columns
    # of the gradient are alike (nothing symmetric to break).
    assert value(values, "zero_formula_gap") < 1e-5
    assert value(values, "zero_min_gap_ratio") > 0.05


def test_comparison_table_is_consistent(values):
    ref = value(values, "ref_acc")
    histories = value(values, "run_histories")
    for run in RUNS:
        acc = value(values, f"{run}_test_acc")
        assert acc == pytest.approx(100 * histories[run.replace("_", " ")][-1][2])
        assert value(values, f"{run}_diff") == pytest.approx(acc - ref)
        assert value(values, f"{run}_abs_diff") == pytest.approx(abs(acc - ref))
        # The paired standard error counts the images only one model gets right:
        # between 0 and the images whose prediction changed.
        se = value(values, f"{run}_se")
        changed = value(values, f"{run}_changed")
        assert 0 <= se <= 100 * math.sqrt(changed) / NUM_TEST + 1e-12
        assert 0 <= changed <= NUM_TEST


def test_zero_start_trains_like_the_random_start(values):
    # "changes almost nothing": a few dozen images, no real accuracy difference.
    assert value(values, "zeros_abs_diff") <= 0.3
    assert value(values, "zeros_changed") <= 200
    assert value(values, "zeros_abs_diff") <= 2 * value(values, "zeros_se") + 0.05


def test_gluonbook_step_small_in_weights_visible_in_predictions(values):
    moved = value(values, "gluonbook_W_moved")
    assert moved < 0.05
    assert moved < value(values, "zeros_W_moved") / 3
    assert value(values, "gluonbook_changed") >= 200  # "hundreds of test images"
    direction = "better" if value(values, "gluonbook_diff") > 0 else "worse"
    assert value(values, "gluonbook_direction") == direction
    z = value(values, "gluonbook_abs_diff") / value(values, "gluonbook_se")
    assert value(values, "gluonbook_z") == pytest.approx(z)


def test_test_accuracy_moves_from_epoch_to_epoch(values):
    curve = [100 * a for a in value(values, "test_curve")]
    drops = [curve[i] - curve[i + 1] for i in range(len(curve) - 1)]
    assert value(values, "largest_drop") == pytest.approx(max(drops))
    assert value(values, "drop_epoch") == drops.index(max(drops)) + 2
    assert value(values, "num_drops") == sum(d > 0 for d in drops)
    assert value(values, "largest_drop") > 0.3  # "fell ... by as much as"


def test_another_seed_moves_the_weights_most(values):
    moved = value(values, "seed_43_W_moved")
    assert moved > 0.1
    assert moved > value(values, "zeros_W_moved")
    assert moved > value(values, "gluonbook_W_moved")
    assert value(values, "seed_43_changed") >= 200


def test_scratch_matches_the_concise_chapter(values, glued):
    concise = glued("softmax_concise")["softmax_concise_test_acc"]
    assert abs(value(values, "test_acc") - concise) <= 1.0  # "within a point"


def test_overflow_exercise(values):
    assert value(values, "naive_has_nan") is True
    probs = value(values, "stable_probs")
    assert probs[0] == pytest.approx(1.0, abs=1e-6)
    assert probs[2] == 0.0  # exp(-200) underflows in float32
    assert value(values, "stable_loss_is_inf") is True


def test_last_batch_exercise(values):
    assert value(values, "largest_divisor") == 250
    assert value(values, "form_gap_250") <= 1e-7  # no partial batch: same arithmetic


def test_gradient_exercise(values):
    assert value(values, "gradient_gap_W") < 1e-5
    assert value(values, "gradient_gap_b") < 1e-5


def test_symmetry_exercise(values):
    assert value(values, "symmetry_constant") == 1
    assert value(values, "symmetry_random") == 16
    assert value(values, "symmetry_spread") < 1e-3
