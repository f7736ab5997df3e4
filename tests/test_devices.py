"""Device selection (d2l_helpers.devices) on this machine, with or without a GPU."""

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
    def broken() -> int:
        raise mx.base.MXNetError("CUDA driver version is insufficient")
    monkeypatch.setattr(mx.context, "num_gpus", broken)
    assert d2l.num_gpus() == 0 and d2l.try_gpu() == mx.cpu()
