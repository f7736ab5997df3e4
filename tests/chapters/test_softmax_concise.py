"""Checks of the numbers the concise chapter states."""

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)


def test_reaches_82_percent_in_ten_epochs(values):
    # The lecture reports 83.7%; runs on different machines land within about a point.
    assert values["num_epochs"] == 10
    assert values["test_acc"] >= 82.0
    assert len(values["concise_test_acc_curve"]) == values["num_epochs"]
    assert values["test_acc"] == pytest.approx(
        100 * values["concise_test_acc_curve"][-1]
    )


def test_training_loss_falls(values):
    curve = values["concise_train_loss_curve"]
    assert len(curve) == values["num_epochs"]
    assert curve[-1] < 0.6 * curve[0]


def test_parameters_are_a_10_by_784_matrix_and_10_biases(values):
    assert values["concise_weight_shape"] == [10, 784]
    assert values["concise_num_params"] == 7_850


def test_only_calling_the_block_runs_hooks(values):
    assert values["concise_hook_calls"] == 1


def test_sgd_defaults_are_plain(values):
    assert values["concise_sgd_defaults"] == [0.0, 0.0, None]


def test_gradients_are_overwritten(values):
    assert values["concise_grad_req"] == "write"
    assert values["concise_grad_ratio"] == pytest.approx(1.0, rel=1e-6)


def test_hybridize_timing_and_verdict_agree(values):
    ratio = values["concise_imperative_seconds"] / values["concise_hybrid_seconds"]
    assert values["concise_hybrid_speedup"] == pytest.approx(ratio)
    verdict = "faster" if ratio > 1.05 else "not measurably faster"
    assert values["concise_hybrid_verdict"] == verdict
    # No bound on the ratio itself: on a busy shared machine it swings both ways
    # (the chapter says so); the timings must be real, though.
    assert (
        values["concise_imperative_seconds"] > 0
        and values["concise_hybrid_seconds"] > 0
    )
    assert values["concise_num_steps"] == 235


def test_learning_rate_chosen_on_validation(values):
    accuracy = values["concise_ex_lr_accuracy"]
    assert set(accuracy) == {"0.03", "0.1", "0.3"}
    best = max(accuracy, key=accuracy.get)
    assert float(best) == values["concise_ex_best_lr"]
    assert values["concise_ex_best_valid_acc"] == pytest.approx(100 * accuracy[best])
    assert values["concise_ex_best_valid_acc"] > 75


def test_momentum_verdict_matches_the_numbers(values):
    above = values["concise_ex_momentum_acc"] > values["concise_ex_plain_acc"]
    assert values["concise_ex_momentum_verdict"] == ("above" if above else "not above")
    assert values["concise_ex_plain_acc"] == pytest.approx(
        100 * values["concise_ex_lr_accuracy"]["0.1"]
    )


def test_grad_req_add_doubles_the_gradient(values):
    assert values["concise_ex_add_gap"] < 1e-5
