"""What each data set is: its files, their content checksums, where copies live."""

from dataclasses import dataclass

ROLES = ("train_images", "train_labels", "test_images", "test_labels")

_FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


@dataclass(frozen=True)
class DatasetSpec:
    """A data set of four IDX files: names, content MD5s, shapes and where to look."""

    name: str
    md5: dict[str, str]
    mirrors: tuple[str, ...]
    system_dirs: tuple[str, ...]
    debian_package: str | None = None
    num_train: int = 60_000
    num_test: int = 10_000
    image_shape: tuple[int, int] = (28, 28)
    num_classes: int = 10

    def file_name(self, role: str) -> str:
        """Return the file name of one of the four roles in ROLES."""
        return _FILE_NAMES[role]

    def describe(self, role: str) -> str:
        """Return a role's file in words: "fashion-mnist's test labels file (...)"."""
        return f"{self.name}'s {role.replace('_', ' ')} file ({self.file_name(role)})"

    def expected_shape(self, role: str) -> tuple[int, ...]:
        """Return the array shape the file of a role must decode to."""
        count = self.num_train if role.startswith("train") else self.num_test
        return (count, *self.image_shape) if role.endswith("images") else (count,)


FASHION_MNIST = DatasetSpec(
    name="fashion-mnist",
    md5={
        "train_images": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train_labels": "9018921c3c673c538a1fc5bad174d6f9",
        "test_images": "8181f5470baa50b63fa0f6fddb340f0a",
        "test_labels": "15d484375f8d13e6eb1aabb0c3f46965",
    },
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    debian_package="dataset-fashion-mnist",
)

MNIST = DatasetSpec(
    name="mnist",
    md5={
        "train_images": "6bbc9ace898e44ae57da46a324031adb",
        "train_labels": "a25bea736e30d166cdddb491f175f624",
        "test_images": "2646ac647ad5339dbf082846283269ea",
        "test_labels": "27ae3e4e09519cfbb04c329615203637",
    },
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",),
    system_dirs=(),
)

SPECS = (FASHION_MNIST, MNIST)


def identify(md5: str) -> tuple[DatasetSpec, str] | None:
    """Return the data set and role whose published content MD5 is ``md5``, if any."""
    return next(
        ((spec, role) for spec in SPECS for role in ROLES if spec.md5[role] == md5),
        None,
    )


FASHION_MNIST_LABELS = (
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)
