"""PainStream training kit: seed architectures, subject-wise training, calibration, ONNX export with manifests.

Run as ``python3 -m training <command>`` from the repository root (see ``training/README.md``).
The contract shared with the C# scorer and ``painstream eval`` is ``docs/model-contract.md``.
"""

__all__ = ["__version__"]
__version__ = "1.0.0"
