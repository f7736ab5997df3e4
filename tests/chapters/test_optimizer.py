"""Checks of the numbers the optimizer chapter states (from its executed notebook)."""

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)


@pytest.fixture(scope="module")
def results(values):
    return values["optimizer_results"]


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


def test_every_variant_learns(results):
    for name, row in results.items():
        assert row["validation accuracy"] > 0.7, name  # chance is 0.1


def test_weight_decay_shrinks_the_weights(results):
    norms = {name: row["weight norm"] for name, row in results.items()}
    assert norms["wd 1e-2"] < norms["wd 1e-3"] < norms["sgd"]


def test_momentum_learns_fastest_and_moves_farthest(results, values):
    losses = {name: row["train loss (last epoch)"] for name, row in results.items()}
    assert min(losses, key=losses.get) == "momentum 0.9"
    assert results["momentum 0.9"]["weight norm"] > results["sgd"]["weight norm"]
    assert values["optimizer_max_acc"] == 100 * max(
        row["validation accuracy"] for row in results.values()
    )


def test_gradients_are_small_so_clipping_at_one_never_acts(results):
    assert results["sgd"]["largest gradient entry"] < 1.0
    assert (
        results["clip 0.01"]["largest gradient entry"] > 0.01
    )  # clipping at 0.01 acts
    clip_loss = results["clip 0.01"]["train loss (last epoch)"]
    assert clip_loss > results["sgd"]["train loss (last epoch)"]


def test_averaging_in_the_loss_takes_the_same_step(values):
    assert values["optimizer_mean_loss_diff"] < 1e-6


def test_momentum_at_a_tenth_of_the_rate_behaves_like_plain_sgd(values):
    assert (
        abs(values["optimizer_momentum_small_lr_loss"] - values["optimizer_sgd_loss"])
        < 0.05
    )
    assert (
        abs(values["optimizer_momentum_small_lr_acc"] - values["optimizer_sgd_acc"])
        < 1.5
    )
    small_norm = values["optimizer_momentum_small_lr_norm"]
    assert abs(small_norm / values["optimizer_sgd_norm"] - 1) < 0.2
    assert values["optimizer_lr_choice"] in {
        "sgd, lr 0.1",
        "momentum 0.9, lr 0.1",
        "momentum 0.9, lr 0.01",
    }


def test_norm_clipping_keeps_the_direction_and_entry_clipping_turns_it(values):
    assert values["optimizer_angle_norm"] < 0.1
    assert values["optimizer_angle_entry"] > 1.0
