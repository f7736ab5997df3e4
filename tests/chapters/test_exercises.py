"""Checks of the numbers the exercises chapter states (from its executed notebook)."""

import math

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)


def test_validation_split_is_carved_from_the_training_set(values):
    assert values["exercises_num_train"] == 50_000
    assert values["exercises_num_val"] == 10_000


def test_batch_size_sets_the_number_of_updates(values):
    for batch_size in (64, 256, 1024):
        expected = math.ceil(50_000 / batch_size)
        assert values[f"exercises_bs{batch_size}_steps"] == expected


def test_large_batches_learn_less_in_five_epochs(values):
    assert values["exercises_bs1024_acc"] < values["exercises_bs64_acc"] - 1.0
    assert values["exercises_bs1024_acc"] < values["exercises_bs256_acc"] - 1.0


def test_small_batches_take_longer_per_epoch(values):
    # Timings vary by machine and load; the ratio of updates (16x) keeps the order.
    assert values["exercises_bs64_sec"] > values["exercises_bs1024_sec"]


def test_learning_rate_too_small_is_slow_and_too_large_overshoots(values):
    assert values["exercises_lr0p01_acc"] < values["exercises_lr0p1_acc"] - 2.0
    assert values["exercises_lr1_acc"] < values["exercises_lr0p1_acc"]
    best = values["exercises_sweep_best_lr"]
    assert values[f"exercises_lr{f'{best:g}'.replace('.', 'p')}_acc"] == max(
        values[f"exercises_lr{k}_acc"] for k in ("0p01", "0p03", "0p1", "0p3", "1")
    )


def test_more_epochs_help_with_diminishing_returns(values):
    one, five, twenty = (values[f"exercises_ep{e}_acc"] for e in (1, 5, 20))
    assert one < five < twenty
    assert twenty - five < five - one


def test_validation_accuracy_falls_most_at_the_largest_rate(values):
    falls = [values[f"exercises_lr{k}_fall"] for k in ("0p3", "0p1", "0p03")]
    assert falls[0] > falls[1] > falls[2]
    assert values["exercises_lr0p3_falls"] >= 1  # "Yes": it does fall
    assert falls[0] > 1.0  # "by several points"
    assert falls[2] < 0.5  # "rises smoothly"


def test_little_overfitting_on_fifty_thousand_images(values):
    for k in ("0p3", "0p1", "0p03"):
        assert abs(values[f"exercises_lr{k}_gap"]) < 2.0
    assert values["exercises_lr0p1_gap_again"] == values["exercises_lr0p1_gap"]


def test_small_rate_ends_below_the_best_of_the_larger_rates(values):
    assert values["exercises_lr0p03_final"] < max(
        values["exercises_lr0p3_best"], values["exercises_lr0p1_best"]
    )


def test_early_stopping_choice_and_the_one_test_measurement(values):
    best_by_run = [values[f"exercises_lr{k}_best"] for k in ("0p3", "0p1", "0p03")]
    assert values["exercises_chosen_val_acc"] == max(best_by_run)
    # Chosen as the largest of many noisy numbers: the test accuracy is close, below.
    gap = values["exercises_test_minus_val"]
    assert -3.0 < gap < 0.5
    test_acc, val_acc = values["exercises_test_acc"], values["exercises_chosen_val_acc"]
    assert abs(test_acc - val_acc - gap) < 1e-6
    assert values["exercises_test_acc"] >= 83.0


def test_patience_saves_epochs_but_stops_noisy_runs_early(values):
    stops = values["exercises_patience_stops"]
    assert values["exercises_patience_saved"] == sum(20 - s for s in stops.values())
    assert values["exercises_patience_saved"] > 0
    for k in ("0p3", "0p1"):  # the text: both stopped before their best epoch
        assert values[f"exercises_lr{k}_stop"] < values[f"exercises_lr{k}_best_epoch"]


def test_parameter_count_is_7850(values):
    assert values["exercises_num_params"] == 28 * 28 * 10 + 10
    assert values["exercises_params_per_image"] == values["exercises_num_params"] / 500


def test_five_hundred_images_overfit_and_weight_decay_does_not_help(values):
    assert values["exercises_wd0_gap"] > 8.0
    assert values["exercises_wd0p03_gap"] < values["exercises_wd0_gap"]
    assert values["exercises_wd0p03_train"] < values["exercises_wd0_train"]
    assert values["exercises_wd0p03_val"] <= values["exercises_wd0_val"] + 0.5
    assert values["exercises_wd0p03_best_val"] <= values["exercises_wd0_best_val"] + 0.5


def test_validation_accuracy_levels_off_on_five_hundred_images(values):
    assert values["exercises_wd0_best_val"] - values["exercises_wd0_late_val"] < 3.0
