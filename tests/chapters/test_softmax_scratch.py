"""Checks of the numbers the from-scratch chapter states (its executed notebook)."""

import math

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)

BATCH_SIZE = 256


def as_fraction(accuracy: float) -> float:
    """An accuracy glued either as a fraction or as a percentage, as a fraction."""
    return accuracy / 100 if accuracy > 1 else accuracy


def test_parameters_and_pick_example(values):
    assert values["num_params"] == 784 * 10 + 10
    assert values["picked"] == pytest.approx([0.1, 0.5], abs=1e-7)


def test_untrained_model_guesses(values):
    # Small random weights: accuracy near the 1 in 10 of guessing, and the helper's
    # evaluate_accuracy agrees with the chapter's own.
    assert 0.03 < values["initial_acc"] < 0.25
    assert values["initial_acc_d2l"] == pytest.approx(values["initial_acc"], abs=1e-9)


def test_one_hot_product_is_slower_bigger_and_fragile(values):
    assert values["loss_max_diff_10"] < 1e-6 and values["loss_max_diff_1000"] < 1e-6
    assert values["one_hot_ratio_1000"] > 2  # measured about 35-90x; machine-dependent
    assert values["one_hot_ratio_1000"] > values["one_hot_ratio_10"]
    assert values["one_hot_bytes"] == 3 * BATCH_SIZE * 1000 * 4
    assert values["pick_bytes"] == 2 * BATCH_SIZE * 4
    assert values["zero_one_hot_is_nan"] is True
    assert values["zero_pick_loss"] == pytest.approx(-math.log(0.6), abs=1e-6)


def test_scratch_training_reaches_82_percent(values):
    assert values["num_epochs"] == 10
    assert values["scratch_test_acc"] >= 0.82
    assert values["scratch_train_acc"] >= 0.82
    losses = values["scratch_losses"]
    assert len(losses) == 10
    assert 0.7 < losses[0] < 0.9 and losses[-1] < 0.5  # as the figure's alt text says
    assert losses[-1] == min(losses)


def test_predictions_figure(values):
    assert values["shown_total"] == 8
    assert values["shown_correct"] >= 5


def test_older_call_form_trains(values):
    assert values["old_form_test_acc"] >= 0.78  # two epochs


def test_scratch_matches_gluon_in_the_chapter(values):
    assert as_fraction(values["concise_test_acc"]) >= 0.82
    gap = abs(values["scratch_test_acc"] - values["concise_test_acc"])
    assert gap <= 0.01
    assert values["acc_gap"] == pytest.approx(gap, abs=1e-9)


def test_scratch_matches_the_concise_chapter(values, glued):
    concise = as_fraction(glued("softmax_concise")["test_acc"])
    assert abs(values["scratch_test_acc"] - concise) <= 0.01


def test_learning_rate_exercise(values):
    val_acc = {float(k): v for k, v in values["val_acc"].items()}
    assert set(val_acc) == {0.03, 0.1, 0.3}
    assert values["best_lr"] == max(val_acc, key=val_acc.get)
    assert val_acc[0.03] == min(val_acc.values())  # "too slowly in two epochs"
    assert all(acc > 0.75 for acc in val_acc.values())


def test_overflow_exercise(values):
    assert values["naive_has_nan"] is True
    assert values["stable_probs"][0] == pytest.approx(1.0, abs=1e-6)
    assert values["stable_probs"][2] == 0.0  # exp(-200) underflows in float32
    assert values["stable_loss_is_inf"] is True


def test_call_forms_exercise(values):
    assert values["small_last_batch"] == 136
    assert values["forms_max_diff"] <= 1e-7
