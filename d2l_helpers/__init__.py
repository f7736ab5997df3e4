"""Helpers for the softmax regression course: data, training loop, plots, devices.

Import as ``import d2l_helpers as d2l``. Importing switches MXNet to its NumPy
interface (``npx.set_np()``), as every chapter of the book uses it.
"""

from mxnet import npx

from .data import (ArrayDataIter, get_fashion_mnist_labels, load_data_fashion_mnist,
                   load_data_mnist)
from .devices import get_device, num_gpus, try_all_gpus, try_gpu
from .errors import (ChecksumError, D2LError, DataError, DataNotFoundError, DeviceError,
                     IDXFormatError, ShapeMismatchError, TrainingDivergedError, TrainingError)
from .plotting import TrainingPlot, plot, set_axes, set_figsize, show_images, use_svg_display
from .training import (TrainHistory, accuracy, evaluate_accuracy, predict_ch3, sgd,
                       train_ch3, train_epoch_ch3)

npx.set_np()

__all__ = [
    "ArrayDataIter", "get_fashion_mnist_labels", "load_data_fashion_mnist", "load_data_mnist",
    "get_device", "num_gpus", "try_all_gpus", "try_gpu",
    "ChecksumError", "D2LError", "DataError", "DataNotFoundError", "DeviceError",
    "IDXFormatError", "ShapeMismatchError", "TrainingDivergedError", "TrainingError",
    "TrainingPlot", "plot", "set_axes", "set_figsize", "show_images", "use_svg_display",
    "TrainHistory", "accuracy", "evaluate_accuracy", "predict_ch3", "sgd", "train_ch3",
    "train_epoch_ch3",
]
