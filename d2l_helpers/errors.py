"""The exceptions raised by d2l_helpers: one base class, one subclass per trouble.

Every message says what went wrong, where (file, setting, epoch) and what to do.
Catch ``D2LError`` to handle them all.
"""


class D2LError(Exception):
    """Base class of every error that d2l_helpers raises on purpose."""


class DataError(D2LError):
    """A data set could not be found, read or trusted, or a data setting is invalid."""


class DataNotFoundError(DataError):
    """No copy of a data set's files was found and none could be downloaded."""


class ChecksumError(DataError):
    """A data file's decompressed content does not match its published checksum."""


class IDXFormatError(DataError):
    """A file is not a valid (gzip-compressed) IDX file of the expected layout."""


class TrainingError(D2LError):
    """Training cannot go on: the loss diverged or the inputs do not fit the model."""


class TrainingDivergedError(TrainingError):
    """The training loss became inf or nan; ``history`` keeps the epochs completed.

    ``train_ch3`` sets ``history`` (a ``TrainHistory``) so that the metrics of the
    epochs that did finish are not lost with the run.
    """

    history = None


class ShapeMismatchError(TrainingError):
    """A batch's shape does not fit the shape the model was initialized with."""


class DeviceError(D2LError):
    """A device (GPU) was asked for explicitly but is not available."""
