"""Device selection (d2l_helpers.devices) on this machine, with or without a GPU."""

import os
import subprocess
import sys

import mxnet as mx
import pytest

import d2l_helpers as d2l


def test_try_gpu_falls_back_to_cpu_without_a_gpu():
    expected = mx.gpu(0) if d2l.num_gpus() > 0 else mx.cpu()
    assert d2l.try_gpu() == expected
    assert d2l.try_gpu(d2l.num_gpus()) == mx.cpu()  # one past the last GPU


def test_try_all_gpus_is_never_empty():
    devices = d2l.try_all_gpus()
    assert devices == ([mx.gpu(i) for i in range(d2l.num_gpus())] or [mx.cpu()])


def test_get_device(monkeypatch):
    monkeypatch.delenv("D2L_DEVICE", raising=False)
    assert d2l.get_device() == d2l.try_gpu()
    assert d2l.get_device("cpu") == mx.cpu()
    monkeypatch.setenv("D2L_DEVICE", "cpu")
    assert d2l.get_device() == mx.cpu()


def test_asking_for_a_missing_gpu_is_a_clear_error():
    missing = f"gpu:{d2l.num_gpus()}"
    with pytest.raises(d2l.DeviceError, match="mxnet-cu"):
        d2l.get_device(missing)
    with pytest.raises(d2l.DeviceError, match="Unknown device"):
        d2l.get_device("tpu")


def test_num_gpus_survives_a_broken_driver(monkeypatch):
    # A CUDA build with a driver too old raises from num_gpus(); this CPU build cannot, so
    # the failure is simulated (the only stand-in in the suite).
    def broken() -> int:
        raise mx.base.MXNetError("CUDA driver version is insufficient")
    monkeypatch.setattr(mx.context, "num_gpus", broken)
    assert d2l.num_gpus() == 0 and d2l.try_gpu() == mx.cpu()


GPU_HIDDEN = """
import d2l_helpers as d2l, mxnet as mx
assert d2l.num_gpus() == 0 and d2l.try_gpu() == mx.cpu() and d2l.try_all_gpus() == [mx.cpu()]
x = mx.np.ones((2, 3), ctx=d2l.try_gpu())  # usable, not just returned
assert float(x.sum()) == 6.0
try:
    d2l.get_device()
except d2l.DeviceError as err:
    print(err)
"""


def test_a_machine_without_a_gpu_runs_on_the_cpu_unless_a_gpu_is_demanded():
    # A fresh process that sees no GPU (none here, or hidden from a CUDA build) and
    # demands one through D2L_DEVICE.
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", D2L_DEVICE="gpu")
    result = subprocess.run([sys.executable, "-c", GPU_HIDDEN], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Device 'gpu' was asked for (argument or D2L_DEVICE), but MXNet sees 0 GPU(s). Install "
        "the mxnet-cu* package matching your CUDA version instead of mxnet (see README.md), or "
        "unset D2L_DEVICE to use the CPU.\n")
