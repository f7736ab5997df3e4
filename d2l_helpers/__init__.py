"""Helpers for the softmax regression course: data, training loop, plots, devices.

Import as ``import d2l_helpers as d2l``. Importing leaves MXNet's array mode alone:
call ``npx.set_np()`` for d2l's ``mx.np`` code (as every chapter of the book does),
or not, for gluonbook's legacy ``mx.nd`` code; the helpers follow either.
"""

from .data import (
    ArrayDataIter,
    get_fashion_mnist_labels,
    load_data_fashion_mnist,
    load_data_mnist,
)
from .devices import (
    get_device,
    model_device,
    num_gpus,
    to_device,
    try_all_gpus,
    try_gpu,
)
from .errors import (
    CallFormError,
    ChecksumError,
    D2LError,
    DataArgumentError,
    DataError,
    DataNotFoundError,
    DeviceError,
    IDXFormatError,
    ShapeMismatchError,
    TrainingDivergedError,
    TrainingError,
    UnsafePickleError,
)
from .plotting import (
    TrainingPlot,
    plot,
    set_axes,
    set_figsize,
    show_images,
    use_svg_display,
)
from .quiz import show_quiz
from .training import (
    Accumulator,
    TrainHistory,
    accuracy,
    evaluate_accuracy,
    predict_ch3,
    sgd,
    train_ch3,
    train_ch3_gluonbook,
    train_epoch_ch3,
)

__all__ = [
    "Accumulator",
    "ArrayDataIter",
    "CallFormError",
    "ChecksumError",
    "D2LError",
    "DataArgumentError",
    "DataError",
    "DataNotFoundError",
    "DeviceError",
    "IDXFormatError",
    "ShapeMismatchError",
    "TrainHistory",
    "TrainingDivergedError",
    "TrainingError",
    "TrainingPlot",
    "UnsafePickleError",
    "accuracy",
    "evaluate_accuracy",
    "get_device",
    "get_fashion_mnist_labels",
    "load_data_fashion_mnist",
    "load_data_mnist",
    "model_device",
    "num_gpus",
    "plot",
    "predict_ch3",
    "set_axes",
    "set_figsize",
    "sgd",
    "show_images",
    "show_quiz",
    "to_device",
    "train_ch3",
    "train_ch3_gluonbook",
    "train_epoch_ch3",
    "try_all_gpus",
    "try_gpu",
    "use_svg_display",
]
