"""Device selection for the diarization models: CUDA when asked for and installed, the CPU otherwise."""

from castscript.diarization.embedding import MODEL_NAME
from castscript.diarization.onnx import model_file, providers_for, session

WITH_GPU = ["CUDAExecutionProvider", "CPUExecutionProvider"]
CPU_ONLY = ["AzureExecutionProvider", "CPUExecutionProvider"]


def test_cuda_is_used_first_when_installed_and_asked_for():
    assert providers_for("cuda", WITH_GPU) == WITH_GPU
    assert providers_for("auto", WITH_GPU) == WITH_GPU


def test_cpu_when_asked_for_or_when_onnxruntime_has_no_cuda():
    assert providers_for("cpu", WITH_GPU) == ["CPUExecutionProvider"]
    assert providers_for("cuda", CPU_ONLY) == ["CPUExecutionProvider"]


def test_worker_threads_sleep_rather_than_spin():
    """Spinning between the many short model calls doubled diarization's CPU time on 2 cores."""
    options = session(model_file(MODEL_NAME, None), 2).get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.intra_op_num_threads == 2
