"""Device selection and moves (d2l_helpers.devices) on this machine, GPU or not.

The assertions pin behaviour: every device returned holds arrays and computes on
them, fallbacks land on the CPU, errors name what was asked and what to do.
"""

import os
import shutil
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest
from mxnet import init
from mxnet.gluon import nn

import d2l_helpers as d2l


def computes_on(device: mx.Context) -> bool:
    """Whether an array can be made on device and a sum computed there correctly."""
    x = mx.np.arange(6, ctx=device).reshape(2, 3)
    total = (x * 2).sum(axis=1)
    return total.ctx == device and total.asnumpy().tolist() == [6.0, 24.0]


def test_num_gpus_matches_the_build_and_the_hardware():
    if not mx.runtime.Features().is_enabled("CUDA"):
        assert d2l.num_gpus() == 0  # a CPU build uses no GPU, whatever is installed
    elif shutil.which("nvidia-smi"):
        listed = subprocess.run(
            ["nvidia-smi", "-L"], check=False, capture_output=True, text=True
        ).stdout
        assert d2l.num_gpus() == listed.count("GPU ")


def test_try_gpu_returns_a_device_that_computes():
    for i in range(d2l.num_gpus() + 1):
        assert computes_on(d2l.try_gpu(i))
    past_the_last = d2l.try_gpu(d2l.num_gpus())
    assert past_the_last.device_type == "cpu"  # falls back instead of failing
    assert d2l.try_gpu(10_000).device_type == "cpu"
    if d2l.num_gpus():
        assert d2l.try_gpu().device_type == "gpu"


def test_try_all_gpus_lists_usable_devices():
    devices = d2l.try_all_gpus()
    assert len(devices) == len(set(devices)) == max(d2l.num_gpus(), 1)
    assert all(computes_on(device) for device in devices)
    expected_kind = "gpu" if d2l.num_gpus() else "cpu"
    assert {device.device_type for device in devices} == {expected_kind}


def test_get_device_by_name_or_variable(monkeypatch):
    monkeypatch.setenv("D2L_DEVICE", " CPU ")
    assert d2l.get_device().device_type == "cpu"  # the variable wins over a GPU
    assert d2l.get_device("cpu").device_type == "cpu"
    monkeypatch.delenv("D2L_DEVICE")
    device = d2l.get_device()
    assert computes_on(device)
    assert device.device_type == ("gpu" if d2l.num_gpus() else "cpu")


def test_asking_for_a_missing_gpu_says_what_to_do():
    missing = f"gpu:{d2l.num_gpus()}"
    with pytest.raises(d2l.DeviceError) as info:
        d2l.get_device(missing)
    message = str(info.value)
    for part in (
        repr(missing),
        f"sees {d2l.num_gpus()} GPU(s)",
        "mxnet-cu",
        "D2L_DEVICE",
    ):
        assert part in message


@pytest.mark.parametrize("name", ["tpu", "gpu:x", "gpu:-1", "cuda:0"])
def test_an_unknown_device_name_lists_the_valid_ones(name):
    with pytest.raises(d2l.DeviceError) as info:
        d2l.get_device(name)
    message = str(info.value)
    assert repr(name) in message
    assert all(valid in message for valid in ("'cpu'", "'gpu'", "'gpu:N'"))


def test_num_gpus_survives_a_broken_driver(monkeypatch):
    # A CUDA build with a driver too old raises from num_gpus(); this CPU build cannot,
    # so the failure is simulated (the only stand-in in the suite).
    def broken() -> int:
        raise mx.base.MXNetError("CUDA driver version is insufficient")

    monkeypatch.setattr(mx.context, "num_gpus", broken)
    assert d2l.num_gpus() == 0
    assert d2l.try_gpu() == mx.cpu() and computes_on(d2l.try_gpu())


GPU_HIDDEN = """
import d2l_helpers as d2l, mxnet as mx
print(d2l.num_gpus(), d2l.try_gpu(), d2l.try_all_gpus())
x = mx.np.ones((2, 3), ctx=d2l.try_gpu())  # usable, not just returned
print(float(x.sum()))
try:
    d2l.get_device()
except d2l.DeviceError as err:
    print(err)
"""


def test_a_machine_without_a_gpu_runs_on_the_cpu_unless_a_gpu_is_demanded():
    # A fresh process that sees no GPU (none here, or hidden from a CUDA build) and
    # demands one through D2L_DEVICE.
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", D2L_DEVICE="gpu")
    result = subprocess.run(
        [sys.executable, "-c", GPU_HIDDEN],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found, total, error = result.stdout.splitlines()
    assert found == "0 cpu(0) [cpu(0)]" and total == "6.0"
    for part in ("'gpu'", "D2L_DEVICE", "0 GPU(s)", "mxnet-cu", "unset D2L_DEVICE"):
        assert part in error


def test_model_device_is_where_the_parameters_are():
    device = mx.cpu(1)  # a second CPU context: a device other than the default
    net = nn.Dense(10)
    assert d2l.model_device(net) is None  # not initialized: cannot tell
    net.initialize(init.Normal(sigma=0.01), ctx=device)
    assert d2l.model_device(net) == device
    assert d2l.model_device(net, device=mx.cpu(2)) == mx.cpu(2)  # asked for: wins
    W = mx.nd.zeros((784, 10), ctx=device)
    assert d2l.model_device(lambda X: X, [W]) == device  # from scratch: params
    assert d2l.model_device(lambda X: X) is None


@pytest.mark.parametrize("kind", [mx.nd, mx.np])
def test_to_device_moves_and_keeps_the_array_kind(kind):
    array = kind.array(np.arange(4, dtype=np.float32))
    moved = d2l.to_device(array, mx.cpu(1))
    assert type(moved) is type(array) and moved.ctx == mx.cpu(1)
    np.testing.assert_array_equal(moved.asnumpy(), array.asnumpy())
    assert d2l.to_device(array, None) is array
