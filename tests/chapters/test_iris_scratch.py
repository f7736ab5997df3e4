"""Checks of the numbers the Iris from-scratch chapter states (executed notebook)."""

import math

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)


def binomial_se(percent: float, n: int) -> float:
    """Return the standard error, in points, of an accuracy in percent on n examples."""
    p = percent / 100
    return 100 * math.sqrt(p * (1 - p) / n)


def test_stratified_split_of_two_features(values):
    assert values["iris_scratch_train_counts"] == [35, 35, 35]
    assert values["iris_scratch_test_counts"] == [15, 15, 15]
    assert values["iris_scratch_num_features"] == 2


def test_petals_are_the_easier_pair_for_a_finished_classifier(values):
    # "The sepals are the harder problem": strictly more errors, by several flowers.
    petals = values["iris_scratch_petal_reference_errors"]
    sepals = values["iris_scratch_sepal_reference_errors"]
    assert 0 <= petals < sepals <= 20
    assert sepals - petals >= 4
    # The reference on the sepals makes the errors of our model (same split).
    assert sepals == values["iris_scratch_num_errors"]


def test_loss_starts_below_log3_and_falls_every_epoch(values):
    # With zero weights the loss is log(3); after one epoch it must already be lower.
    assert abs(values["iris_scratch_loss_zero"] - math.log(3)) < 1e-12
    assert values["iris_scratch_loss_start"] < values["iris_scratch_loss_zero"]
    assert values["iris_scratch_loss_end"] < values["iris_scratch_loss_start"]
    assert values["iris_scratch_loss_end"] < 0.6
    # "it fell after every single epoch": late epochs still gain far above rounding
    assert values["iris_scratch_loss_rises"] == 0
    assert values["iris_scratch_smallest_loss_gain"] > 1e-5


def test_training_accuracy_wobbles(values):
    assert values["iris_scratch_acc_drops"] >= 1


def test_accuracy_about_four_in_five_with_its_standard_error(values):
    # The band leaves room for a flower or two to change sides on another machine.
    acc = values["iris_scratch_test_acc"]
    assert 70 <= acc <= 86
    assert 70 <= values["iris_scratch_final_train_acc"] <= 90
    correct = values["iris_scratch_test_correct"]
    assert abs(100 * correct / 45 - acc) < 1e-4
    assert values["iris_scratch_test_se"] == pytest.approx(binomial_se(acc, 45))
    assert 5.5 < values["iris_scratch_test_se"] < 7.0  # "about 6 points"
    assert values["iris_scratch_test_low"] == pytest.approx(
        acc - values["iris_scratch_test_se"]
    )
    assert values["iris_scratch_test_high"] == pytest.approx(
        acc + values["iris_scratch_test_se"]
    )


def test_decisions_are_those_of_the_finished_classifier(values):
    # "more epochs would still make the model more confident": loss above the minimum
    assert values["iris_scratch_reference_loss"] < values["iris_scratch_loss_end"]
    assert 0.3 < values["iris_scratch_reference_loss"] < 0.45
    # "its decisions already agree ... on N of the 45"
    assert values["iris_scratch_reference_agree"] >= 43


def test_errors_mostly_between_versicolor_and_virginica_two_with_setosa(values):
    errors = values["iris_scratch_num_errors"]
    assert (
        errors == values["iris_scratch_num_test"] - values["iris_scratch_test_correct"]
    )
    mixed, setosa = (
        values["iris_scratch_num_mixed_errors"],
        values["iris_scratch_num_setosa_errors"],
    )
    assert mixed > errors / 2
    assert setosa >= 1  # the summary names them
    assert mixed + setosa == errors  # no setosa-virginica confusion


def test_manual_gradients_match_autograd(values):
    assert values["iris_scratch_grad_diff"] < 1e-6
    assert values["iris_scratch_grad_max"] > 1e-3  # a real test: a nonzero gradient


def test_gluon_model_ends_with_the_same_weights(values):
    assert values["iris_scratch_gluon_weight_shape"] == [3, 2]  # q x d, transposed
    assert values["iris_scratch_weight_diff"] < 1e-3
    assert values["iris_scratch_weight_max"] > 0.1  # the weights did move from zero
    assert values["iris_scratch_grid_agreement"] >= 99.0


def test_one_hot_product_gives_nan_and_picking_does_not(values):
    assert values["iris_scratch_onehot_zero_prob"] == "nan"
    assert values["iris_scratch_pick_zero_prob"] == 0.0


def test_learning_rate_chosen_by_validation_loss_with_intervals(values):
    table = values["iris_scratch_lr_table"]
    chosen = values["iris_scratch_chosen_lr"]
    losses = {float(lr): row["validation loss"] for lr, row in table.items()}
    assert set(losses) == {0.1, 1.0, 10.0}
    assert chosen == min(losses, key=losses.get)
    second = values["iris_scratch_second_lr"]
    assert second == sorted(losses, key=losses.get)[1]
    assert values["iris_scratch_chosen_val_loss"] == pytest.approx(losses[chosen])
    assert values["iris_scratch_chosen_val_loss_ci"] > 0
    # the runner-up's mean excess loss is the paired difference of the two means
    gap = values["iris_scratch_loss_gap"]
    assert gap == pytest.approx(losses[second] - losses[chosen], abs=1e-6)
    assert 0 < values["iris_scratch_loss_gap_ci"] < 1
    assert values["iris_scratch_num_val"] == 30
    assert values["iris_scratch_num_val_accs"] == len(
        {round(row["validation acc"], 6) for row in table.values()}
    )
    assert values["iris_scratch_num_val_accs"] < len(table)  # the text: accuracies tie
    assert 60 <= values["iris_scratch_chosen_test_acc"] <= 95
    assert values["iris_scratch_chosen_test_se"] == pytest.approx(
        binomial_se(values["iris_scratch_chosen_test_acc"], 45)
    )
    assert 5 < values["iris_scratch_val_acc_se"] < 9.2  # 30 flowers: "about 7"


def test_step_budgets_compared_with_fashion_mnist(values):
    assert values["iris_scratch_fit_steps"] == 50 * math.ceil(75 / 16)
    assert values["iris_scratch_fashion_steps"] == 10 * math.ceil(60_000 / 256)


def test_four_features_under_trained_at_first_then_finished(values):
    short = values["iris_scratch_four_short_test_acc"]
    finished = values["iris_scratch_four_test_acc"]
    # the chapter's settings leave the loss high and still falling fast
    assert values["iris_scratch_four_short_loss"] > 0.1
    assert values["iris_scratch_four_short_loss_drop"] > 0.005
    assert values["iris_scratch_four_reference_loss"] < 0.01
    assert values["iris_scratch_four_reference_train_acc"] == 100.0  # separable
    # the finished run: about 95.6%, as the reference, and better than the short run
    assert 91 <= finished <= 100
    reference = values["iris_scratch_four_reference_test_acc"]
    assert abs(finished - reference) <= 100 / 45 + 1e-6  # a flower at most
    assert short < finished
    assert values["iris_scratch_four_loss"] < values["iris_scratch_four_short_loss"]
    assert values["iris_scratch_four_agree"] >= 42
    se = values["iris_scratch_four_test_se"]
    assert se == pytest.approx(binomial_se(finished, 45))
    assert values["iris_scratch_four_lr"] == pytest.approx(1.0)


def test_petals_shrink_the_versicolor_virginica_errors_beyond_the_noise(values):
    errors4 = values["iris_scratch_four_errors"]
    assert abs(100 * (45 - errors4) / 45 - values["iris_scratch_four_test_acc"]) < 1e-4
    assert errors4 <= values["iris_scratch_num_errors"] / 2
    assert values["iris_scratch_four_test_acc"] > values["iris_scratch_test_acc"]
    assert (
        values["iris_scratch_four_mixed_errors"]
        < values["iris_scratch_num_mixed_errors"]
    )
    only4 = values["iris_scratch_only_four_right"]
    only2 = values["iris_scratch_only_two_right"]
    # the paired counts explain the difference in errors
    assert only4 - only2 == values["iris_scratch_num_errors"] - errors4
    # the exact two-sided McNemar (binomial) p-value of that split
    n, k = only4 + only2, min(only4, only2)
    p = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)
    assert values["iris_scratch_mcnemar_p"] == pytest.approx(p)
    assert values["iris_scratch_mcnemar_p"] < 0.05  # "stands out from the noise"
