"""Checks of the numbers the theory chapter states (read from its executed notebook)."""

import math

import pytest

from quiz_answers import in_correct_range, quiz_sets

pytestmark = pytest.mark.book  # needs the executed book (make book)

LOGITS = (1.0, 2.0, 0.5)  # the chapter's example logits o
FLOAT32_EPS = 2.0**-23


def test_dense_stores_the_transpose_of_the_books_w(values):
    assert values["softmax_theory_dense_weight_shape"] == [10, 784]
    assert values["softmax_theory_book_weight_shape"] == [784, 10]
    # 784-term float32 sums of values below 0.04: rounding, not a wrong orientation
    assert values["softmax_theory_dense_gap"] < 1e-5


def test_softmax_example_matches_closed_form(values):
    total = sum(math.exp(o) for o in LOGITS)
    for j, o in enumerate(LOGITS, start=1):
        assert values[f"softmax_theory_p{j}"] == pytest.approx(
            math.exp(o) / total, abs=1e-6
        )
    assert values["softmax_theory_sum"] == pytest.approx(1.0, abs=1e-6)


def test_softmax_properties(values):
    assert values["softmax_theory_shift_diff"] < 1e-6  # invariance up to rounding
    assert values["softmax_theory_argmax_logits"] == 1
    assert values["softmax_theory_argmax_probs"] == 1
    assert values["softmax_theory_sharp_p_max"] > 0.999  # near one-hot at scale 10


def test_gradient_formula_matches_autograd(values):
    assert values["softmax_theory_eps32"] == pytest.approx(FLOAT32_EPS)
    assert values["softmax_theory_grad_err32"] <= 8 * FLOAT32_EPS  # "a few units"
    assert values["softmax_theory_grad_err64"] < 1e-12


def test_information_theory_example(values):
    assert values["softmax_theory_h_p"] == pytest.approx(1.5, abs=1e-6)
    assert values["softmax_theory_h_pq"] == pytest.approx(math.log2(3), abs=1e-6)
    assert values["softmax_theory_kl_pq"] == pytest.approx(math.log2(3) - 1.5, abs=1e-6)
    assert values["softmax_theory_uniform_loss"] == pytest.approx(
        math.log(10), abs=1e-6
    )


def test_sigmoid_solution(values):
    assert values["softmax_theory_sigmoid_diff"] < 1e-6


def test_temperature_solution(values):
    entropies = values["softmax_theory_temperature_entropies"]
    assert entropies == sorted(entropies)  # higher temperature, higher entropy
    assert entropies[0] < 0.01
    assert math.log2(3) - 0.01 < entropies[-1] < math.log2(3)
    assert values["softmax_theory_temperature_entropy_high"] == entropies[-1]
    total = sum(math.exp(o) for o in LOGITS)
    p = [math.exp(o) / total for o in LOGITS]
    assert values["softmax_theory_temperature_entropy_1"] == pytest.approx(
        -sum(pj * math.log2(pj) for pj in p), abs=1e-5
    )
    variance = (
        sum(pj * o * o for pj, o in zip(p, LOGITS))
        - sum(pj * o for pj, o in zip(p, LOGITS)) ** 2
    )
    assert values["softmax_theory_temperature_var"] == pytest.approx(variance, rel=1e-6)
    # the finite difference (float64, step 1e-5) confirms dH/dT = Var[o] / T^3
    assert values["softmax_theory_temperature_dH"] == pytest.approx(variance, rel=1e-6)


def test_weight_gradient_solution(values):
    errors = values["softmax_theory_grad_w_errors"]
    assert set(errors) == {"float64", "float32"}
    for name, err in errors["float64"].items():
        assert err < 1e-8, name  # formula = autograd = finite differences
    assert errors["float32"]["autograd vs formula, W"] < 1e-5
    assert errors["float32"]["autograd vs formula, b"] < 1e-5
    # cancellation ruins float32 differences: eps * L / h is of order 1e-1
    assert values["softmax_theory_grad_w_fd_float32"] > 1e-3
    assert values["softmax_theory_grad_w_fd_float64"] < 1e-6
    assert values["softmax_theory_grad_w_autograd_float64"] < 1e-12


def test_gibbs_inequality_solution(values):
    assert values["softmax_theory_kl_min"] > 0
    assert values["softmax_theory_kl_self"] == pytest.approx(0.0, abs=1e-12)


def test_hessian_solution(values):
    assert values["softmax_theory_hessian_gap"] < 1e-8
    eigs = values["softmax_theory_hessian_eigs"]
    assert len(eigs) == 6
    assert abs(eigs[0]) < 1e-12  # the direction (1, ..., 1)
    assert min(eigs[1:]) > 1e-4  # the others positive
    assert values["softmax_theory_hessian_min_eig"] == eigs[0]
    assert values["softmax_theory_hessian_w_gap"] < 1e-7
    eigs_w = values["softmax_theory_hessian_w_eigs"]
    assert len(eigs_w) == 12
    assert min(eigs_w) > -1e-8  # positive semidefinite up to the differences' error
    assert values["softmax_theory_hessian_w_num_zero"] == 4  # d = 4 null directions
    assert values["softmax_theory_hessian_w_min_positive"] > 1e-4
    assert values["softmax_theory_hessian_w_min_eig"] == min(eigs_w)


def test_quiz_file_has_the_chapter_and_exercise_sets():
    sets = quiz_sets("softmax_theory")
    assert 3 <= len(sets["quiz"]) <= 5
    kinds = {question["type"] for question in sets["quiz"]}
    assert kinds == {"multiple_choice", "numeric"}
    for name in (
        "ex-theory-sigmoid",
        "ex-theory-temperature",
        "ex-theory-grad-w",
        "ex-theory-kl",
        "ex-theory-hessian",
    ):
        assert sets[name], name
    for questions in sets.values():
        for question in questions:
            for answer in question["answers"]:
                assert answer.get("feedback"), question["question"]


def test_quiz_answers_are_right(values):
    sets = quiz_sets("softmax_theory")
    quiz = sets["quiz"]
    assert in_correct_range(3 / (1 + 3), quiz[1])  # softmax(0, ln 3)[1]
    assert in_correct_range(math.log(4), quiz[3])  # -ln 0.25
    assert in_correct_range(0.25 - 1, quiz[4])  # softmax - one-hot at the true class
    assert in_correct_range(1 / (1 + math.exp(-2)), sets["ex-theory-sigmoid"][0])
    temperature = sets["ex-theory-temperature"]
    entropy_1 = values["softmax_theory_temperature_entropy_1"]
    assert in_correct_range(entropy_1, temperature[0])
    assert in_correct_range(math.log2(3), temperature[1])
    grad_w = sets["ex-theory-grad-w"]
    assert in_correct_range(2 * (0.5 - 1), grad_w[0])
    assert in_correct_range(0.5 - 0, grad_w[1])
    kl_bits = 0.5 * math.log2(0.5 / 0.25) + 0.5 * math.log2(0.5 / 0.75)
    assert in_correct_range(kl_bits, sets["ex-theory-kl"][0])
    hessian = sets["ex-theory-hessian"]
    assert in_correct_range(0.5 - 0.5**2, hessian[0])
    assert in_correct_range(1, hessian[1])
