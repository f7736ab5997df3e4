"""Checks of the numbers the exercises chapter states (from its executed notebook).

Most values are means over five seeds with the half-width of their 95% confidence
interval (glued as ``<name>`` and ``<name>_ci``). The prose draws conclusions from
them ("within the noise", "beyond the noise", "falls grow with the learning rate");
these tests fail when a run would make such a sentence false.
"""

import math

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)

INCLUDES_ZERO = "within the noise of five seeds (its interval includes zero)"
EXCLUDES_ZERO = "beyond the noise of five seeds (its interval excludes zero)"


def interval(values: dict, name: str) -> tuple[float, float]:
    """Return the (low, high) ends of a glued mean's 95% interval."""
    mean, half = values[name], values[f"{name}_ci"]
    assert half >= 0
    return mean - half, mean + half


def beyond_noise(values: dict, name: str) -> bool:
    """Whether the interval of a glued difference excludes zero."""
    low, high = interval(values, name)
    return low > 0 or high < 0


def test_validation_split_is_carved_from_the_training_set(values):
    assert values["exercises_num_train"] == 50_000
    assert values["exercises_num_val"] == 10_000


def test_train_many_computes_what_train_ch3_computes(values):
    # Same seed, same minibatches, same initial weights: the same SGD steps.
    assert values["exercises_check_acc_gap"] < 2e-4  # two images of 10,000 at most
    assert values["exercises_check_weight_gap"] < 1e-4
    assert 65 < values["exercises_check_val_acc"] < 85


def test_verdicts_say_what_the_intervals_say(values):
    verdicts = [name for name in values if name.endswith("_verdict")]
    assert len(verdicts) >= 7
    for name in verdicts:
        difference = name.removesuffix("_verdict")
        expected = EXCLUDES_ZERO if beyond_noise(values, difference) else INCLUDES_ZERO
        assert values[name] == expected, name


def test_batch_size_sets_the_number_of_updates(values):
    for batch_size in (64, 256, 1024):
        expected = math.ceil(50_000 / batch_size)
        assert values[f"exercises_bs{batch_size}_steps"] == expected
    assert values["exercises_bs_steps_ratio"] == pytest.approx(782 / 49)


def test_large_batches_learn_less_small_ones_no_more_than_the_noise(values):
    assert values["exercises_base_epochs"] == 2
    # 1024 minus 256: beyond the noise ("they have simply taken four times fewer steps")
    assert values["exercises_bs1024_minus_256"] < 0
    assert beyond_noise(values, "exercises_bs1024_minus_256")
    # 64 minus 256: the text explains why more steps need not be more progress
    assert not beyond_noise(values, "exercises_bs64_minus_256")
    for b in (64, 256, 1024):
        assert 74 < values[f"exercises_bs{b}_acc"] < 86
        assert 0 < values[f"exercises_bs{b}_acc_ci"] < 5


def test_small_batches_take_longer_per_epoch_but_not_proportionally(values):
    # Timings vary by machine and load; 16x the updates keep the order.
    assert values["exercises_bs64_sec"] > values["exercises_bs1024_sec"]
    assert 1 < values["exercises_bs_time_ratio"] < values["exercises_bs_steps_ratio"]


def test_learning_rate_too_small_is_slow_and_large_rates_are_a_lottery(values):
    # "0.03 trails 0.1": the sign is part of the sentence
    assert values["exercises_lr0p03_minus_0p1"] < 0
    sds = [values[f"exercises_lr{k}_sd"] for k in ("0p03", "0p1", "0p3", "1")]
    assert max(sds[:2]) < min(sds[2:])  # "... at 0.03 and 0.1, but ... at 0.3 and 1"
    assert max(sds[2:]) > 3 * sds[1]
    # the text lists the four means; 0.1 is not beaten beyond the noise by any rate
    for k in ("0p03", "0p3", "1"):
        low, high = interval(values, f"exercises_lr{k}_acc")
        assert low < values["exercises_lr0p1_acc"] + values["exercises_lr0p1_acc_ci"]


def test_epochs_the_second_helps_then_gains_of_the_size_of_the_noise(values):
    assert values["exercises_ep2_minus_1"] > 0
    assert beyond_noise(values, "exercises_ep2_minus_1")
    assert values["exercises_ep1_acc"] < values["exercises_ep2_acc"]
    # "the gains shrink": the next three epochs together add less than the second
    assert values["exercises_ep5_minus_2"] < values["exercises_ep2_minus_1"]
    assert values["exercises_ep5_minus_2"] > -1
    # "about a point" of noise after the first epochs at learning rate 0.1
    assert 0.3 < values["exercises_lr0p1_sd"] < 2.5


def test_validation_accuracy_falls_more_and_more_often_at_larger_rates(values):
    assert values["exercises_lr0p03_falls"] == 0  # "it never fell"
    assert values["exercises_lr0p03_fall"] < 0  # its largest "fall" is a rise
    assert values["exercises_lr0p1_falls"] > 0  # "Yes"
    assert values["exercises_lr0p1_fall"] < values["exercises_lr0p3_fall"]
    assert values["exercises_lr0p3_fall"] > 2  # several points
    assert values["exercises_lr1_fall"] > 2
    assert values["exercises_lr0p03_falls"] < values["exercises_lr0p3_falls"]


def test_the_gap_says_noise_not_overfitting_on_fifty_thousand_images(values):
    # Within about two standard errors of the chance difference of two image sets.
    se = values["exercises_set_gap_se"]
    p = values["exercises_lr0p1_final"] / 100
    assert se == pytest.approx(100 * math.sqrt(2 * p * (1 - p) / 10_000), rel=1e-4)
    assert values["exercises_max_abs_gap"] < 3 * se
    for k in ("0p03", "0p1", "0p3", "1"):
        for epoch in (2, 5):
            assert abs(values[f"exercises_lr{k}_gap{epoch}"]) < 3 * se
    # "it does not widen"
    assert not beyond_noise(values, "exercises_gap_widening")
    # "the falls are falls of both": most large falls come with a training fall
    falls = values["exercises_num_big_falls"]
    assert falls >= 5
    assert values["exercises_big_falls_train_too"] >= 0.8 * falls


def test_small_rate_is_smooth_but_behind_after_five_epochs(values):
    assert values["exercises_lr0p03_final"] < values["exercises_lr0p1_final"]


def test_early_stopping_choice_and_the_one_test_measurement(values):
    chosen = values["exercises_chosen_lr"]
    assert chosen in (0.03, 0.1, 0.3, 1.0)
    assert values["exercises_runner_up_lr"] != chosen
    assert values["exercises_chosen_minus_runner_up"] >= 0
    epochs = values["exercises_chosen_epochs"]
    assert len(epochs) == 5 and all(1 <= e <= 5 for e in epochs)
    assert 80 < values["exercises_chosen_val"] < 87
    # The test accuracy is close to, and below, the optimistic validation accuracy.
    gap = values["exercises_test_minus_val"]
    assert -3.0 < gap < 0
    assert gap + values["exercises_test_minus_val_ci"] < 0.5
    assert values["exercises_test_acc"] == pytest.approx(
        values["exercises_chosen_val"] + gap, abs=1e-4
    )
    assert values["exercises_test_acc"] >= 80.0


def test_patience_replay(values):
    stops = values["exercises_patience_stops"]
    assert values["exercises_patience"] == 2
    assert values["exercises_num_runs"] == 20 == sum(len(row) for row in stops)
    assert values["exercises_long_epochs"] == 5
    assert values["exercises_patience_runs_epochs"] == 20 * 5
    assert values["exercises_patience_saved"] == sum(
        5 - s for row in stops for s in row
    )
    best = values["exercises_best_epochs"]
    early = sum(
        s < b for row_s, row_b in zip(stops, best) for s, b in zip(row_s, row_b)
    )
    assert values["exercises_patience_too_early"] == early


def test_parameter_count_is_7850(values):
    assert values["exercises_num_params"] == 28 * 28 * 10 + 10
    assert values["exercises_params_per_image"] == pytest.approx(7850 / 500)


def test_five_hundred_images_overfit_from_estimation_error(values):
    assert values["exercises_wd0_gap"] > 8.0  # "the signature of overfitting"
    assert values["exercises_wd0_gap"] > 3 * values["exercises_max_abs_gap"]
    assert values["exercises_wd0_train"] > values["exercises_wd0_val"]
    # the same model on 50,000 images does better, beyond the noise
    assert values["exercises_big_minus_small"] > 2
    assert beyond_noise(values, "exercises_big_minus_small")


def test_no_weight_decay_helps_and_the_largest_hurts(values):
    keys = ("0p001", "0p003", "0p01", "0p03", "0p1")
    for k in keys:  # "No lambda raised the validation accuracy beyond the noise"
        low, high = interval(values, f"exercises_wd{k}_val_gain")
        assert low <= 0, k
    assert beyond_noise(values, "exercises_wd0p1_val_gain")  # "the largest values hurt"
    assert values["exercises_wd0p1_val_gain"] < 0
    # "narrow the gap ... by lowering the training accuracy"
    assert values["exercises_wd0p1_gap"] < values["exercises_wd0_gap"]
    assert values["exercises_wd0p1_train"] < values["exercises_wd0_train"]
    trains = [values[f"exercises_wd{k}_train"] for k in ("0", *keys)]
    assert trains[0] >= trains[-1] + 5
    assert values["exercises_wd0_val_gain"] == 0.0
    assert values["exercises_wd_epochs_measured"] == [10, 20, 30, 40]
