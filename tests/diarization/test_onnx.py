"""Device selection for the diarization models: CUDA when asked for and installed, the CPU otherwise."""

from castscript.diarization.onnx import providers_for

WITH_GPU = ["CUDAExecutionProvider", "CPUExecutionProvider"]
CPU_ONLY = ["AzureExecutionProvider", "CPUExecutionProvider"]


def test_cuda_is_used_first_when_installed_and_asked_for():
    assert providers_for("cuda", WITH_GPU) == WITH_GPU
    assert providers_for("auto", WITH_GPU) == WITH_GPU


def test_cpu_when_asked_for_or_when_onnxruntime_has_no_cuda():
    assert providers_for("cpu", WITH_GPU) == ["CPUExecutionProvider"]
    assert providers_for("cuda", CPU_ONLY) == ["CPUExecutionProvider"]
