"""Checks of the numbers the Fashion-MNIST chapter states."""

import pytest

pytestmark = pytest.mark.book  # needs the executed book (make book)


def test_sizes_and_balanced_classes(values):
    assert (values["fashion_num_train"], values["fashion_num_test"]) == (60_000, 10_000)
    assert values["fashion_class_counts"] == [6_000] * 10


def test_helper_batch_is_nchw_float32_in_unit_range(values):
    assert values["fashion_batch_shape"] == [256, 1, 28, 28]
    assert values["fashion_batch_dtype"] == "float32"
    assert values["fashion_label_dtype"] == "int32"
    assert values["fashion_pixel_range"] == [0.0, 1.0]


def test_last_partial_batch_is_kept(values):
    assert values["fashion_num_batches"] == 235
    assert values["fashion_last_batch"] == 60_000 - 234 * 256


def test_gluon_pipeline_gives_the_helpers_batches(values):
    assert values["fashion_gluon_sizes"] == [60_000, 10_000]
    assert values["fashion_gluon_batch_shape"] == [256, 1, 28, 28]
    assert values["fashion_gluon_batch_dtype"] == "float32"
    assert values["fashion_gluon_label_dtype"] == "int32"
    assert values["fashion_gluon_num_batches"] == 235
    assert values["fashion_gluon_pixel_gap"] == 0.0
    assert values["fashion_gluon_labels_agree"] is True


def test_sha1_mismatch_count_is_a_file_count(values):
    assert values["fashion_sha1_mismatches"] in range(5)


def test_in_memory_reading_is_faster_than_the_dataloader(values):
    # The prose calls the DataLoader "many times" slower; timings vary by machine.
    assert values["fashion_loader_seconds"] > values["fashion_helper_seconds"] > 0
    ratio = values["fashion_loader_seconds"] / values["fashion_helper_seconds"]
    assert values["fashion_loader_ratio"] == pytest.approx(ratio)
    assert values["fashion_loader_ratio"] > 3


def test_validation_split_keeps_classes_near_a_tenth(values):
    fit, valid = values["fashion_ex_fit_counts"], values["fashion_ex_valid_counts"]
    assert sum(valid) == 10_000 and sum(fit) == 50_000
    assert [f + v for f, v in zip(fit, valid)] == [6_000] * 10
    assert (
        900 < values["fashion_ex_valid_min"] <= values["fashion_ex_valid_max"] < 1_100
    )


def test_worker_timings_are_positive(values):
    assert values["fashion_ex_workers_0"] > 0 and values["fashion_ex_workers_2"] > 0
    speedup = values["fashion_ex_workers_0"] / values["fashion_ex_workers_2"]
    assert values["fashion_ex_workers_speedup"] == pytest.approx(speedup)


def test_to_tensor_by_hand_matches(values):
    assert values["fashion_ex_to_tensor_gap"] == 0.0


def test_training_images_take_47_megabytes(values):
    assert values["fashion_train_mb"] == pytest.approx(60_000 * 28 * 28 / 1e6)
