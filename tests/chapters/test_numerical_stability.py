"""Checks of the numbers the numerical-stability chapter states."""

import math

import pytest

from quiz_answers import assert_chapter_quiz_shape, in_correct_range, quiz_sets

pytestmark = pytest.mark.book  # needs the executed book (make book)


def test_float32_limits_have_the_stated_logarithms(values):
    assert values["numerical_stability_log_max"] == pytest.approx(
        128 * math.log(2), abs=1e-6
    )
    assert values["numerical_stability_log_tiny"] == pytest.approx(-126 * math.log(2))
    assert values["numerical_stability_log_half_subnormal"] == pytest.approx(
        -150 * math.log(2)
    )


def test_bisection_on_mxnet_exp_finds_the_thresholds(values):
    # The thresholds the outline states: 88.72, -87.34 (subnormal), -103.97 (zero).
    assert values["numerical_stability_overflow_o"] == pytest.approx(
        values["numerical_stability_log_max"], abs=1e-3
    )
    assert values["numerical_stability_subnormal_o"] == pytest.approx(
        values["numerical_stability_log_tiny"], abs=1e-3
    )
    assert values["numerical_stability_zero_o"] == pytest.approx(
        values["numerical_stability_log_half_subnormal"], abs=1e-3
    )
    assert round(values["numerical_stability_zero_o"], 2) == -103.97
    assert values["numerical_stability_exp_89_is_inf"] is True
    assert values["numerical_stability_exp_minus_104"] == 0.0


def test_subnormal_results_lose_precision(values):
    assert values["numerical_stability_normal_error_80"] < 1e-6
    assert 1e-3 < values["numerical_stability_subnormal_error_100"] < 0.1


def test_shifted_softmax_fixes_overflow(values):
    assert values["numerical_stability_shift_gap_rows_12"] < 1e-6
    assert values["numerical_stability_naive_row3_all_nan"] is True
    assert values["numerical_stability_shifted_all_finite"] is True
    assert values["numerical_stability_shifted_row_sums"] == pytest.approx(
        [1.0] * 3, rel=1e-6
    )
    assert values["numerical_stability_npx_softmax_gap"] < 1e-6


def test_softmax_then_log_gives_inf_loss_and_nan_gradient(values):
    assert values["numerical_stability_spread_prob_0"] == 0.0
    assert values["numerical_stability_softmax_then_log_loss"] == "inf"
    assert values["numerical_stability_softmax_then_log_grad_all_nan"] is True


def test_log_sum_exp_is_finite_with_the_right_gradient(values):
    assert values["numerical_stability_log_prob_first"] == pytest.approx(
        -210.0000454, rel=1e-7
    )
    assert values["numerical_stability_log_softmax_rows_finite"] is True
    assert values["numerical_stability_log_sum_exp_grad_gap"] < 1e-6


def test_fused_loss_matches_the_stable_one(values):
    assert values["numerical_stability_non_finite"]["3"] == {
        "naive": 0,
        "stable": 0,
        "fused": 0,
    }
    large = values["numerical_stability_non_finite"]["30"]
    assert large["naive"] == values["numerical_stability_naive_non_finite_30"] > 0
    assert large["stable"] == large["fused"] == 0
    assert values["numerical_stability_fused_stable_agree"] == {"3": True, "30": True}
    assert values["numerical_stability_max_loss_gap"] < 1e-4
    assert values["numerical_stability_max_grad_gap"] < 1e-5


def test_small_learning_rate_trains_with_the_naive_loss(values):
    assert values["numerical_stability_small_lr_all_finite"] is True
    assert values["numerical_stability_small_lr_max_logit"] < 50


def test_naive_loss_breaks_by_underflow_not_overflow(values):
    first_bad = values["numerical_stability_good_batches"]
    assert 0 < first_bad < 50
    assert values["numerical_stability_bad_batch"] == first_bad + 1
    assert values["numerical_stability_finite_before_bad"] is True
    assert (
        values["numerical_stability_bad_max_logit"]
        < values["numerical_stability_log_max"]
    )
    assert values["numerical_stability_inverse_overflows"] is True
    prob = values["numerical_stability_worst_prob_value"]
    stated = "exactly 0" if prob == 0 else f"{prob:.1e}, a subnormal number"
    assert values["numerical_stability_worst_prob"] == stated
    assert prob < 2.0**-126  # subnormal or zero, as the prose says


def test_nan_spreads_to_every_weight(values):
    assert values["numerical_stability_later_losses_nan"] is True
    assert values["numerical_stability_naive_weights_nan"] is True
    # nan weights predict class 0 for every image: the share of class 0 in the test set
    assert values["numerical_stability_naive_test_acc"] == 0.1


def test_fused_loss_trains_from_the_same_start(values):
    assert values["numerical_stability_fused_all_finite"] is True
    assert values["numerical_stability_fused_test_acc"] > 60
    assert values["numerical_stability_first_loss_gap"] < 1e-5
    assert values["numerical_stability_first_loss"] == pytest.approx(
        math.log(10), rel=0.02
    )


def test_breaking_point_over_seeds(values):
    by_seed = values["numerical_stability_first_bad_by_seed"]
    assert by_seed[0] == values["numerical_stability_bad_batch"]
    broken = [b for b in by_seed.values() if b is not None]
    assert values["numerical_stability_num_seeds"] == len(by_seed) == 5
    assert values["numerical_stability_num_broken"] == len(broken) > 0
    assert values["numerical_stability_first_bad_min"] == min(broken)
    assert values["numerical_stability_first_bad_max"] == max(broken)


def test_figure_alt_text_matches_the_fused_curve(values):
    low, high = values["numerical_stability_fused_loss_range_shown"]
    assert high / low > 5  # "jumping up and down by about an order of magnitude"
    assert (
        values["numerical_stability_num_shown"]
        > values["numerical_stability_bad_batch"]
    )


def test_train_ch3_explains_the_divergence(values):
    message = values["numerical_stability_diverged_message"]
    assert "diverged" in message and "SoftmaxCrossEntropyLoss" in message


FLOAT16_SPACING = {"overflow": 2.0**-7, "subnormal": 2.0**-7, "zero": 2.0**-6}


def test_other_formats(values):
    thresholds = values["numerical_stability_ex_format_thresholds"]
    assert set(thresholds) == {"float16", "float64"}
    limits = {
        "float16": {
            "overflow": math.log(65504),
            "subnormal": -14 * math.log(2),
            "zero": -25 * math.log(2),
        },
        "float64": {
            "overflow": math.log(1.7976931348623157e308),
            "subnormal": -1022 * math.log(2),
            "zero": -1075 * math.log(2),
        },
    }
    for name, kinds in limits.items():
        for kind, limit in kinds.items():
            assert thresholds[name][f"log of the {kind} limit"] == pytest.approx(limit)
            # bisection in the format: within one spacing of the format at that value
            tolerance = FLOAT16_SPACING[kind] if name == "float16" else 1e-9
            assert abs(thresholds[name][kind] - limit) <= tolerance, (name, kind)
            glued = values[f"numerical_stability_ex_{name}_{kind}"]
            assert glued == thresholds[name][kind]
    assert values["numerical_stability_ex_float16_zero_gap"] == pytest.approx(
        25 * math.log(2)
    )
    assert values["numerical_stability_ex_float16_spacing"] == 2.0**-7


def test_shifted_log_sum_exp_has_the_softmax_gradient(values):
    gaps = values["numerical_stability_ex_lse_gradient_gaps"]
    assert len(gaps) == 6
    assert max(gaps.values()) < 1e-6  # float32 rounding
    assert values["numerical_stability_ex_lse_largest_gap"] == max(gaps.values())
    # MXNet's max gives every tied position a 1: not a subgradient, and harmless
    assert values["numerical_stability_ex_max_gradient_at_tie"] == [1.0, 1.0, 0.0]
    assert values["numerical_stability_ex_max_gradient_at_tie_sum"] == 2.0
    # MXNet's compensated sum of (inf, 1, ...) is nan, so value and gradient are nan
    assert values["numerical_stability_ex_unshifted_value"] == "nan"
    assert values["numerical_stability_ex_unshifted_gradient"] == "(nan, nan, nan)"


def test_nan_model_predicts_one_class(values):
    assert values["numerical_stability_naive_predicted_classes"] == [0]
    assert values["numerical_stability_naive_predicted_class"] == 0


def test_quiz_sets_and_answers(values):
    sets = quiz_sets("numerical_stability")
    assert_chapter_quiz_shape(sets)
    quiz = sets["quiz"]
    assert in_correct_range(values["numerical_stability_overflow_o"], quiz[0])
    assert in_correct_range(values["numerical_stability_log_prob_first"], quiz[2])
    formats = sets["ex-stability-formats"]
    float16 = values["numerical_stability_ex_format_thresholds"]["float16"]
    assert in_correct_range(float16["overflow"], formats[0])
    assert in_correct_range(
        values["numerical_stability_ex_float16_zero_gap"], formats[1]
    )
    lse = sets["ex-stability-lse-gradient"]
    assert in_correct_range(3 / (1 + 3), lse[0])
    assert in_correct_range(1 / (2 * math.exp(3) + 1), lse[1])
