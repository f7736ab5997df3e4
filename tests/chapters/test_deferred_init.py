"""Checks of the numbers the deferred-initialization chapter states."""

import pytest

from quiz_answers import assert_chapter_quiz_shape, in_correct_range, quiz_sets

pytestmark = pytest.mark.book  # needs the executed book (make book)

SIZE_4K = 3 * 2160 * 3840
SIZE_224 = 3 * 224 * 224


def test_first_batch_shapes_the_weights(values):
    assert values["deferred_init_weight_shape_28"] == [10, 784]
    assert values["deferred_init_output_shape_28"] == [256, 10]
    assert values["deferred_init_num_params_28"] == 10 * 784 + 10


def test_same_definition_fits_30_by_30(values):
    assert values["deferred_init_input_shape_30"] == [256, 1, 30, 30]
    assert values["deferred_init_weight_shape_30"] == [10, 900]
    assert values["deferred_init_output_shape_30"] == [256, 10]


def test_shaped_model_rejects_another_size(values):
    mxnet_message = values["deferred_init_mxnet_message"]
    assert "Shape inconsistent" in mxnet_message and "900" in mxnet_message
    helper_message = values["deferred_init_helper_message"]
    assert "784 input features" in helper_message and "900 features" in helper_message


def test_in_units_fixes_the_shape_up_front(values):
    assert values["deferred_init_fixed_weight_shape"] == [10, 784]
    assert "Shape inconsistent" in values["deferred_init_fixed_message"]


def test_cnn_weights_do_not_depend_on_image_size(values):
    # 16x3x3x3 + 16, 32x16x3x3 + 32, 10x32 + 10
    assert values["deferred_init_cnn_num_params"] == 448 + 4_640 + 330
    assert values["deferred_init_cnn_inferred_matches"] is True


def test_cnn_activations_grow_with_the_pixels(values):
    sizes = values["deferred_init_cnn_sizes"]
    assert sizes["224x224"][0] == 16 * 224 * 224
    assert sizes["3840x2160 (4K)"][:3] == [
        16 * 2160 * 3840,
        16 * 1080 * 1920,
        32 * 1080 * 1920,
    ]
    assert sizes["3840x2160 (4K)"][3:] == sizes["224x224"][3:] == [32, 10]
    mb_4k = values["deferred_init_act_mb_4k"]
    assert mb_4k == pytest.approx(4 * sum(sizes["3840x2160 (4K)"]) / 1e6)
    assert 900 < mb_4k < 1_000
    assert values["deferred_init_act_ratio_4k_224"] == pytest.approx(
        SIZE_4K / SIZE_224, rel=1e-3
    )
    assert values["deferred_init_act_gb_4k_batch32"] == pytest.approx(32 * mb_4k / 1e3)


def test_dense_parameters_allocated_as_computed(values):
    assert values["deferred_init_allocated"] == values["deferred_init_computed"]
    assert (
        values["deferred_init_computed"]["ImageNet-sized photo"] == SIZE_224 * 10 + 10
    )


def test_dense_recreated_for_4k_grows_its_weights(values):
    assert values["deferred_init_params_4k"] == SIZE_4K * 10 + 10
    assert values["deferred_init_mb_4k"] == pytest.approx(4 * (SIZE_4K * 10 + 10) / 1e6)
    assert values["deferred_init_batch_gb_4k"] == pytest.approx(4 * SIZE_4K * 256 / 1e9)
    assert values["deferred_init_work_ratio_4k"] == SIZE_4K // 784
    assert values["deferred_init_mb_28"] == pytest.approx(4 * 7_850 / 1e6)


def test_batch_that_fits_in_16_gb(values):
    assert values["deferred_init_ex_max_batch_4k"] == 16e9 // (
        2 * values["deferred_init_act_mb_4k"] * 1e6
    )
    assert (
        values["deferred_init_ex_max_batch_224"]
        > 100 * values["deferred_init_ex_max_batch_4k"]
    )


def test_cnn_weights_take_kilobytes(values):
    assert values["deferred_init_cnn_kb"] == pytest.approx(
        4 * values["deferred_init_cnn_num_params"] / 1e3
    )


def test_in_channels_fixes_the_channels_only(values):
    assert values["deferred_init_fixed_conv_weight_shape"] == [16, 3, 3, 3]


def test_mlp_exercise(values):
    assert values["deferred_init_ex_mlp_params"] == {
        "28x28": 784 * 256 + 256 + 256 * 10 + 10,
        "30x30": 900 * 256 + 256 + 256 * 10 + 10,
    }
    assert values["deferred_init_ex_mlp_params_28"] == 203_530
    assert values["deferred_init_ex_mlp_params_30"] == 233_226


def test_flatten_exercise(values):
    assert values["deferred_init_ex_flatten_weight_shape_224"] == [10, 32 * 112 * 112]
    message = values["deferred_init_ex_flatten_message"]
    assert "Shape inconsistent" in message and str(32 * 116 * 116) in message
    assert values["deferred_init_ex_flatten_params_4k"] == 10 * 32 * 1080 * 1920 + 10
    assert values["deferred_init_ex_flatten_mb_4k"] == pytest.approx(
        4 * (10 * 32 * 1080 * 1920 + 10) / 1e6
    )


def test_quiz_sets_and_answers(values):
    sets = quiz_sets("deferred_init")
    assert_chapter_quiz_shape(sets)
    quiz = sets["quiz"]
    assert in_correct_range(
        values["deferred_init_weight_shape_30"][1] * 10 + 10, quiz[1]
    )
    assert in_correct_range(values["deferred_init_act_ratio_4k_224"], quiz[4])
    mlp = sets["ex-deferred-mlp"]
    assert in_correct_range(values["deferred_init_ex_mlp_params_28"], mlp[0])
    assert in_correct_range(values["deferred_init_ex_mlp_params_30"], mlp[1])
    batch = sets["ex-deferred-batch"][0]
    assert in_correct_range(values["deferred_init_ex_max_batch_4k"], batch)
    flatten = sets["ex-deferred-flatten"][0]
    assert in_correct_range(values["deferred_init_ex_flatten_params_4k"] / 1e6, flatten)
