"""Checks of the numbers the optimizer chapter states (from its executed notebook)."""

import math

import numpy as np
import pytest

from quiz_answers import assert_chapter_quiz_shape, in_correct_range, quiz_sets

pytestmark = pytest.mark.book  # needs the executed book (make book)

T_975_DF2 = 4.303  # Student's t quantile, 2 degrees of freedom
VARIANTS = {"sgd", "momentum 0.9", "wd 1e-2", "clip 0.01"}
SHORT = {"momentum 0.9": "momentum", "wd 1e-2": "wd", "clip 0.01": "clip"}


@pytest.fixture(scope="module")
def results(values):
    return values["optimizer_results"]


@pytest.fixture(scope="module")
def differences(values):
    return values["optimizer_differences"]


def test_sgd_defaults_are_plain_sgd(values):
    assert values["optimizer_default_momentum"] == 0.0
    assert values["optimizer_default_wd"] == 0.0
    assert values["optimizer_default_clip"] == "None"
    assert values["optimizer_grad_reqs"] == ["write"]


def test_backward_sums_and_step_divides(values):
    assert values["optimizer_tiny_grad_max"] > 1e-2  # a real gradient, not zeros
    assert values["optimizer_sum_diff"] < 1e-5
    assert values["optimizer_step_diff"] < 1e-6


def test_each_option_matches_its_formula_and_changes_the_step(values):
    assert set(values["optimizer_formula_diffs"]) == set(
        values["optimizer_option_effects"]
    )
    for option, diff in values["optimizer_formula_diffs"].items():
        assert diff < 1e-6, option
        assert values["optimizer_option_effects"][option] > 1e-3, option
    assert 0 < values["optimizer_share_clipped"] < 1
    assert (
        values["optimizer_share_clipped_pct"] == 100 * values["optimizer_share_clipped"]
    )
    # weight decay acts on the biases too (Gluon's wd_mult is 1 for every parameter)
    assert values["optimizer_bias_decay_effect"] > 1e-3


def test_three_seeds_per_variant(results, values):
    assert set(results) == VARIANTS
    assert values["optimizer_num_seeds"] == 3
    for name, by_measure in results.items():
        for measure, per_seed in by_measure.items():
            assert len(per_seed) == 3, (name, measure)
        assert min(by_measure["validation accuracy"]) > 70, name  # chance is 10


def test_summary_numbers_match_the_runs(results, values):
    sgd, momentum = results["sgd"], results["momentum 0.9"]
    for glued, runs in (("sgd", sgd), ("momentum", momentum)):
        for key, measure in (("loss", "train loss"), ("acc", "validation accuracy")):
            per_seed = np.array(runs[measure])
            assert values[f"optimizer_{glued}_{key}"] == pytest.approx(per_seed.mean())
            assert values[f"optimizer_{glued}_{key}_sd"] == pytest.approx(
                per_seed.std(ddof=1)
            )
    ratio = np.mean(np.array(momentum["weight norm"]) / np.array(sgd["weight norm"]))
    assert values["optimizer_norm_ratio"] == pytest.approx(ratio)


def test_paired_intervals_are_computed_right(results, differences):
    for name, short in SHORT.items():
        for measure, key, relative in (
            ("train loss", "train loss", False),
            ("validation accuracy", "validation accuracy (points)", False),
            ("weight norm", "weight norm (%)", True),
        ):
            variant = np.array(results[name][measure])
            sgd = np.array(results["sgd"][measure])
            diffs = 100 * (variant / sgd - 1) if relative else variant - sgd
            half = T_975_DF2 * diffs.std(ddof=1) / math.sqrt(3)
            d = differences[name][key]
            assert d["mean"] == pytest.approx(diffs.mean(), abs=1e-9)
            assert d["low"] == pytest.approx(diffs.mean() - half, abs=1e-9)
            assert d["high"] == pytest.approx(diffs.mean() + half, abs=1e-9)


def test_verdicts_follow_the_intervals(values):
    for short in SHORT.values():
        for key in ("loss", "acc", "norm"):
            prefix = f"optimizer_{short}_d{key}"
            resolved = values[f"{prefix}_low"] > 0 or values[f"{prefix}_high"] < 0
            verdict = values[f"{prefix}_verdict"]
            assert verdict == (
                "a difference the three seeds resolve"
                if resolved
                else "not resolved by three seeds"
            )


def test_the_effects_the_text_states_are_resolved(values, results):
    # momentum: lower training loss, larger weights (the prose and the summary)
    assert values["optimizer_momentum_dloss_high"] < 0
    assert values["optimizer_momentum_dnorm_low"] > 0
    losses = {name: np.mean(r["train loss"]) for name, r in results.items()}
    assert min(losses, key=losses.get) == "momentum 0.9"  # "learns fastest"
    assert values["optimizer_norm_ratio"] > 1.5
    # weight decay shrinks the weights and costs training loss
    assert values["optimizer_wd_dnorm_high"] < 0
    assert values["optimizer_wd_dloss_mean"] > 0
    # clipping at 0.01 slows training
    assert values["optimizer_clip_dloss_low"] > 0


def test_gradients_are_small_so_clipping_at_one_never_acts(values):
    assert values["optimizer_sgd_max_grad"] < 1.0
    assert values["optimizer_clip_max_grad"] > 0.01  # clipping at 0.01 acts


def test_figure_alt_text(values):
    final = values["optimizer_smoothed_final"]
    assert set(final) == VARIANTS
    assert min(final, key=final.get) == "momentum 0.9"  # "stays lowest"
    assert max(final, key=final.get) == "clip 0.01"  # "stays highest"
    assert abs(final["wd 1e-2"] - final["sgd"]) < 0.03  # "almost on top"
    first = values["optimizer_smoothed_first"]
    assert all(
        0.4 < value < 2.0 for value in [*final.values(), *first.values()]
    )  # ylim
    assert all(first[name] > final[name] for name in VARIANTS)  # the curves fall
    assert values["optimizer_window"] == 20


def test_norm_clipping_keeps_the_direction_and_entry_clipping_turns_it(values):
    assert values["optimizer_angle_norm"] < 0.1
    assert values["optimizer_angle_entry"] > 1.0


def test_gradient_accumulation(values):
    gaps = values["optimizer_accumulation_gaps"]
    assert gaps["one step"] < 1e-6 and gaps["two steps, reset"] < 1e-6
    assert gaps["two steps, no reset"] > 1e-2
    assert values["optimizer_accumulation_one"] == gaps["one step"]
    assert values["optimizer_accumulation_no_reset"] == gaps["two steps, no reset"]


def test_momentum_follows_sgd_at_ten_times_the_rate(values):
    curves = values["optimizer_momentum_curves"]
    for curve in curves.values():
        assert curve[0] == pytest.approx(curves["sgd, lr 0.5"][0])  # same start
    assert values["optimizer_momentum_gap_early"] > 0.1  # lags while v builds up
    assert values["optimizer_momentum_gap_late"] < 0.1  # then follows
    assert values["optimizer_momentum_fast_ratio"] > 3


def test_quiz_sets_and_answers():
    sets = quiz_sets("optimizer")
    assert_chapter_quiz_shape(sets)
    quiz = sets["quiz"]
    assert in_correct_range(256, quiz[1])
    assert in_correct_range(1 - 0.1 * 0.01, quiz[2])
    angle = math.degrees(math.atan(0.1 / 1) - math.atan(0.1 / 3))
    assert in_correct_range(angle, sets["ex-optimizer-clip-norm"][0])
    assert in_correct_range(4 * 64, sets["ex-optimizer-accumulate"][0])
    momentum = sets["ex-optimizer-momentum-lr"]
    assert in_correct_range(1 / (1 - 0.9), momentum[0])
    assert in_correct_range(1 / (1 - 0.99), momentum[1])
