"""Checks of the numbers the theory chapter states (read from its executed notebook)."""

import math

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)

LOGITS = (1.0, 2.0, 0.5)  # the chapter's example logits o
FLOAT32_EPS = 2.0**-23


def test_softmax_example_matches_closed_form(values):
    total = sum(math.exp(o) for o in LOGITS)
    for j, o in enumerate(LOGITS, start=1):
        assert values[f"softmax_p{j}"] == pytest.approx(math.exp(o) / total, abs=1e-6)
    assert values["softmax_sum"] == pytest.approx(1.0, abs=1e-6)


def test_softmax_properties(values):
    assert values["shift_diff"] < 1e-6  # shift invariance up to float32 rounding
    assert values["argmax_logits"] == values["argmax_probs"] == 1
    assert values["sharp_p_max"] > 0.999  # soft argmax: near one-hot at scale 10


def test_gradient_formula_matches_autograd(values):
    assert values["eps32"] == pytest.approx(FLOAT32_EPS)
    assert values["grad_err32"] <= 8 * FLOAT32_EPS  # "a few units of the epsilon"
    assert values["grad_err64"] < 1e-12


def test_information_theory_example(values):
    assert values["h_p"] == pytest.approx(1.5, abs=1e-6)
    assert values["h_pq"] == pytest.approx(math.log2(3), abs=1e-6)
    assert values["kl_pq"] == pytest.approx(math.log2(3) - 1.5, abs=1e-6)
    assert values["uniform_loss"] == pytest.approx(math.log(10), abs=1e-6)


def test_temperature_solution(values):
    entropies = values["temperature_entropies"]
    assert entropies == sorted(entropies)  # higher temperature, higher entropy
    assert entropies[0] < 0.01
    assert math.log2(3) - 0.01 < entropies[-1] < math.log2(3)
    assert values["temperature_entropy_high"] == entropies[-1]


def test_sigmoid_solution(values):
    assert values["sigmoid_diff"] < 1e-6


def test_finite_difference_solution(values):
    assert values["fd_err64"] < 1e-8
    assert values["fd_err32"] > 1e-3  # cancellation ruins float32 differences
