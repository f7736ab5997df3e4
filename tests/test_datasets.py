"""What each data set is (d2l_helpers.datasets): files, checksums, shapes, labels.

That the published checksums are those of the real files is checked in
test_storage.py; here, that the descriptions are consistent and identify files.
"""

import pytest

from d2l_helpers.datasets import (
    FASHION_MNIST,
    FASHION_MNIST_LABELS,
    MNIST,
    ROLES,
    SPECS,
    identify,
)


def test_the_course_has_two_data_sets_of_four_files():
    assert [spec.name for spec in SPECS] == ["fashion-mnist", "mnist"]
    assert ROLES == ("train_images", "train_labels", "test_images", "test_labels")
    for spec in SPECS:
        assert set(spec.md5) == set(ROLES)
        assert all(len(md5) == 32 and int(md5, 16) >= 0 for md5 in spec.md5.values())


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@pytest.mark.parametrize("role", ROLES)
def test_identify_names_each_file_by_its_checksum(spec, role):
    assert identify(spec.md5[role]) == (spec, role)


def test_identify_knows_nothing_else():
    assert identify("0" * 32) is None
    assert identify(FASHION_MNIST.md5["train_images"].upper()) is None  # hex digests


def test_file_names_descriptions_and_shapes():
    assert FASHION_MNIST.file_name("test_labels") == "t10k-labels-idx1-ubyte.gz"
    assert MNIST.file_name("train_images") == "train-images-idx3-ubyte.gz"
    assert FASHION_MNIST.describe("test_labels") == (
        "fashion-mnist's test labels file (t10k-labels-idx1-ubyte.gz)"
    )
    assert FASHION_MNIST.expected_shape("train_images") == (60_000, 28, 28)
    assert FASHION_MNIST.expected_shape("train_labels") == (60_000,)
    assert MNIST.expected_shape("test_images") == (10_000, 28, 28)
    assert MNIST.expected_shape("test_labels") == (10_000,)


def test_where_copies_live():
    assert FASHION_MNIST.system_dirs == ("/usr/share/datasets/fashion-mnist",)
    assert FASHION_MNIST.debian_package == "dataset-fashion-mnist"
    assert MNIST.system_dirs == () and MNIST.debian_package is None  # no package
    for spec in SPECS:
        assert spec.mirrors and all(m.endswith("/") for m in spec.mirrors)


def test_the_ten_fashion_labels_in_class_order():
    assert len(set(FASHION_MNIST_LABELS)) == FASHION_MNIST.num_classes == 10
    assert FASHION_MNIST_LABELS[0] == "t-shirt"
    assert (
        FASHION_MNIST_LABELS[6] == "shirt" and FASHION_MNIST_LABELS[9] == "ankle boot"
    )
