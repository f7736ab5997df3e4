"""Checks of the numbers the MNIST chapter states (from its executed notebook)."""

import math

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)


def test_sizes_shuffling_and_nearly_balanced_classes(values):
    assert (values["mnist_num_train"], values["mnist_num_test"]) == (60_000, 10_000)
    assert values["mnist_shuffles"] == [True, False]  # train shuffles, test does not
    counts = values["mnist_class_counts"]
    assert sum(counts) == 60_000
    assert len(set(counts)) > 1  # "not exactly balanced"
    assert max(counts) / min(counts) < 1.3  # "but close enough"


def test_batch_is_nchw_float32_in_unit_range_with_integer_labels(values):
    assert values["mnist_batch_shape"] == [256, 1, 28, 28]
    assert values["mnist_batch_dtype"] == "float32"
    assert values["mnist_batch_range"] == [0.0, 1.0]
    assert values["mnist_label_shape"] == [256]
    assert values["mnist_label_dtype"] == "int32"


def test_dense_flattens_and_the_loss_takes_indices(values):
    assert values["mnist_weight_shape"] == [10, 784]
    assert values["mnist_output_shape"] == [256, 10]
    assert values["mnist_flatten_diff"] < 1e-6
    assert values["mnist_onehot_diff"] < 1e-5


def binomial_se(percent: float, n: int = 10_000) -> float:
    """Return the standard error, in points, of an accuracy in percent on n examples."""
    p = percent / 100
    return 100 * math.sqrt(p * (1 - p) / n)


def test_reaches_about_92_percent(values):
    # TensorFlow's tutorial reports about 92%; runs on other machines land nearby.
    assert 90.5 <= values["mnist_test_acc"] <= 93.5
    assert values["mnist_test_se"] == pytest.approx(
        binomial_se(values["mnist_test_acc"])
    )
    assert abs(values["mnist_test_err"] - (100 - values["mnist_test_acc"])) < 1e-9
    history = values["mnist_test_acc_history"]
    assert abs(100 * history[-1] - values["mnist_test_acc"]) < 1e-9


def test_loss_falls_fast_then_flattens(values):
    losses = values["mnist_train_loss_history"]
    assert losses[-1] < 0.5 * losses[0]
    assert losses[0] - losses[1] > 5 * (losses[-2] - losses[-1])


def test_loss_on_probabilities_has_a_floor(values):
    assert abs(values["mnist_loss_floor"] - (math.log(math.e + 9) - 1)) < 1e-5
    assert values["mnist_loss_on_probs"] > values["mnist_loss_floor"]
    assert values["mnist_loss_floor"] > values["mnist_loss_on_logits"]


def test_predictions_agree_with_the_evaluation(values):
    assert abs(100 * values["mnist_full_test_acc"] - values["mnist_test_acc"]) < 1e-4
    assert values["mnist_num_wrong_shown"] == 10
    assert 7 <= values["mnist_shown_correct"] <= 10


def test_fashion_mnist_is_the_harder_task(values):
    assert values["mnist_fashion_num_train"] == values["mnist_num_train"]
    assert 80 <= values["mnist_fashion_test_acc"] <= values["mnist_test_acc"] - 5
    fashion_err = 100 - values["mnist_fashion_test_acc"]
    ratio = fashion_err / values["mnist_test_err"]
    assert abs(values["mnist_error_ratio"] - ratio) < 1e-6
    assert ratio > 1.5
    # "far beyond chance": the gap is many standard errors
    se = values["mnist_fashion_test_se"]
    assert se == pytest.approx(binomial_se(values["mnist_fashion_test_acc"]))
    gap = values["mnist_test_acc"] - values["mnist_fashion_test_acc"]
    assert gap > 10 * (se + values["mnist_test_se"])


def test_templates_resemble_their_own_class(values):
    assert values["mnist_template_own_min"] > 0.3
    assert values["mnist_template_own_corr"] > values["mnist_template_other_corr"] + 0.3
    assert abs(values["mnist_template_other_corr"]) < 0.2


def test_shifting_the_digits_hurts(values):
    accs = [values["mnist_shift_acc"][k] for k in range(5)]
    assert accs == sorted(accs, reverse=True)
    assert abs(100 * accs[0] - values["mnist_test_acc"]) < 1e-4
    assert values["mnist_shift2_acc"] < values["mnist_shift0_acc"] - 10
    assert values["mnist_shift4_acc"] < 50


def test_learning_rate_chosen_on_validation_with_intervals_then_tested_once(values):
    val_accs = {float(lr): acc for lr, acc in values["mnist_lr_val_accs"].items()}
    halves = {float(lr): h for lr, h in values["mnist_lr_val_halves"].items()}
    assert set(val_accs) == {0.1, 0.3, 1.0}
    assert all(0 < h < 3 for h in halves.values())
    chosen = values["mnist_chosen_lr"]
    assert chosen == max(val_accs, key=val_accs.get)
    ranked = sorted(val_accs, key=val_accs.get, reverse=True)
    assert values["mnist_second_lr"] == ranked[1]
    assert values["mnist_chosen_val_acc"] == pytest.approx(val_accs[chosen])
    assert values["mnist_chosen_val_acc_ci"] == pytest.approx(halves[chosen])
    assert values["mnist_lr_gap"] == pytest.approx(
        val_accs[chosen] - val_accs[ranked[1]]
    )
    # "the larger rates do better, not which of them is best"
    assert chosen in (0.3, 1.0) and ranked[1] in (0.3, 1.0)
    assert abs(values["mnist_lr_gap"]) <= values["mnist_lr_gap_ci"]
    assert values["mnist_lr_gap_verdict"].startswith("within the noise")
    # "0.1 ... behind the chosen one" beyond the noise
    assert values["mnist_lr0p1_val_acc"] == pytest.approx(val_accs[0.1])
    assert values["mnist_chosen_minus_0p1"] > values["mnist_chosen_minus_0p1_ci"] > 0
    assert 90.0 <= values["mnist_chosen_test_acc"] <= 94.0
    assert 0 < values["mnist_chosen_test_acc_ci"] < 2
