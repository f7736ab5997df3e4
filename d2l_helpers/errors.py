"""The exceptions raised by d2l_helpers: one base class, one subclass per trouble.

Every message says what went wrong, where (file, setting, epoch, argument) and what to
do. Catch ``D2LError`` to handle them all. The errors about a wrong argument also
derive from the built-in exception Python would raise for it (``ValueError`` for a
wrong value, ``TypeError`` for a call that fits no call form), so code that catches
those keeps working.
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


class UnsafePickleError(DataError):
    """A data pickle asks to load something other than NumPy arrays; it is refused."""


class DataArgumentError(DataError, ValueError):
    """Arrays or settings given to a data iterator do not fit (counts, batch size).

    For example images and labels of different lengths, as after slicing only one of
    them, or a batch size below 1.
    """


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


class CallFormError(TrainingError, TypeError):
    """The arguments of ``train_ch3`` fit neither of its call forms, or both.

    d2l's form passes an updater (a ``gluon.Trainer`` or a function of the batch
    size) after ``num_epochs``; gluonbook's passes the batch size there, then
    ``params`` and ``lr``, or ``None, None, trainer``.
    """


class EvaluationError(D2LError, ValueError):
    """An evaluation helper got inputs it cannot measure.

    For example labels and predictions of different sizes, an accuracy outside
    [0, 1], or fewer than two repetitions for an interval.
    """


class QuizError(D2LError):
    """A quiz file or question set is missing or malformed."""


class DeviceError(D2LError):
    """A device was named that cannot be used: an unknown name, or a missing GPU."""
