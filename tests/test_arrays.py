"""The array kinds of d2l_helpers.arrays: conversions that follow MXNet's mode."""

import mxnet as mx
import numpy as np
import pytest
from mxnet import npx

from d2l_helpers.arrays import as_array_kind, as_numpy_kind, to_float


@pytest.fixture(params=["np mode", "nd mode"])
def mode(request):
    """Run the test in d2l's NumPy mode and in legacy nd mode; reset afterwards."""
    if request.param == "np mode":
        npx.set_np()
    yield request.param
    npx.reset_np()


def both_kinds() -> dict[str, mx.nd.NDArray]:
    """The same values as an mx.np array and as a legacy NDArray."""
    values = np.arange(6, dtype=np.float32).reshape(2, 3)
    return {"mx.np": mx.np.array(values), "mx.nd": mx.nd.array(values)}


def test_as_array_kind_follows_the_mode_and_shares_memory(mode):
    wanted = mx.np.ndarray if mode == "np mode" else mx.nd.NDArray
    for name, array in both_kinds().items():
        converted = as_array_kind(array)
        assert type(converted) is wanted, name
        np.testing.assert_array_equal(converted.asnumpy(), array.asnumpy())
        converted[0, 0] = 42  # the same memory: the original sees the change
        assert array.asnumpy()[0, 0] == 42, name


def test_as_numpy_kind_is_mx_np_in_either_mode(mode):
    for name, array in both_kinds().items():
        converted = as_numpy_kind(array)
        assert type(converted) is mx.np.ndarray, name
        converted[1, 2] = -1
        assert array.asnumpy()[1, 2] == -1, name


@pytest.mark.parametrize(
    "value, expected",
    [
        (2.5, 2.5),
        (3, 3.0),
        (np.float32(0.25), 0.25),
        (mx.nd.array([0.75]), 0.75),
        (mx.np.array([1.5]), 1.5),
    ],
    ids=["float", "int", "numpy scalar", "mx.nd one element", "mx.np one element"],
)
def test_to_float_reads_numbers_and_one_element_arrays(value, expected):
    result = to_float(value)
    assert type(result) is float and result == expected  # exact in binary


def test_to_float_refuses_arrays_of_several_elements():
    with pytest.raises(ValueError):
        to_float(mx.nd.array([1.0, 2.0]))
