"""Checks of the numbers the Iris from-scratch chapter states (executed notebook)."""

import math

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)


def test_stratified_split_of_two_features(values):
    assert values["iris_scratch_train_counts"] == [35, 35, 35]
    assert values["iris_scratch_test_counts"] == [15, 15, 15]
    assert values["iris_scratch_num_features"] == 2


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


def test_accuracy_about_four_in_five(values):
    # The band leaves room for a flower or two to change sides on another machine.
    assert 70 <= values["iris_scratch_test_acc"] <= 92
    assert 70 <= values["iris_scratch_final_train_acc"] <= 92
    correct = values["iris_scratch_test_correct"]
    assert abs(100 * correct / 45 - values["iris_scratch_test_acc"]) < 1e-4


def test_errors_mostly_between_versicolor_and_virginica(values):
    errors = values["iris_scratch_num_errors"]
    assert (
        errors == values["iris_scratch_num_test"] - values["iris_scratch_test_correct"]
    )
    assert values["iris_scratch_num_mixed_errors"] > errors / 2


def test_manual_gradients_match_autograd(values):
    assert values["iris_scratch_grad_diff"] < 1e-6
    assert values["iris_scratch_grad_max"] > 1e-3  # a real test: a nonzero gradient


def test_gluon_model_ends_with_the_same_weights(values):
    assert values["iris_scratch_gluon_weight_shape"] == [3, 2]
    assert values["iris_scratch_weight_diff"] < 1e-3
    assert values["iris_scratch_weight_max"] > 0.1  # the weights did move from zero
    assert values["iris_scratch_grid_agreement"] >= 99.0


def test_one_hot_product_gives_nan_and_picking_does_not(values):
    assert values["iris_scratch_onehot_zero_prob"] == "nan"
    assert values["iris_scratch_pick_zero_prob"] == 0.0


def test_learning_rate_chosen_by_validation_loss(values):
    table = values["iris_scratch_lr_table"]
    chosen = values["iris_scratch_chosen_lr"]
    losses = {float(lr): row["validation loss"] for lr, row in table.items()}
    assert chosen == min(losses, key=losses.get)
    assert values["iris_scratch_num_val"] == 30
    assert values["iris_scratch_num_val_accs"] == len(
        {round(row["validation acc"], 6) for row in table.values()}
    )
    assert values["iris_scratch_num_val_accs"] < len(table)  # the text: accuracies tie
    assert 60 <= values["iris_scratch_chosen_test_acc"] <= 95


def test_petals_halve_the_errors(values):
    assert values["iris_scratch_same_split"] is True
    assert values["iris_scratch_four_errors"] <= values["iris_scratch_num_errors"] / 2
    assert values["iris_scratch_four_test_acc"] > values["iris_scratch_test_acc"]
    assert (
        values["iris_scratch_four_mixed_errors"]
        < values["iris_scratch_num_mixed_errors"]
    )
