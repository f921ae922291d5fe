"""User-facing errors of hublot-init, each with its own exit code."""

from __future__ import annotations


class HublotInitError(Exception):
    """An error the user can act on; `message` is printed on stderr."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownModelError(HublotInitError):
    """The model name is not in the catalog."""

    exit_code = 3


class HubUnreachableError(HublotInitError):
    """The handle could not be downloaded (network, HTTP error)."""

    exit_code = 4


class CorruptArchiveError(HublotInitError):
    """The downloaded archive is not a usable SavedModel."""

    exit_code = 5


class RepositoryNotWritableError(HublotInitError):
    """The model repository cannot be created or written."""

    exit_code = 6


class DiskFullError(HublotInitError):
    """The disk filled up while writing; nothing was kept."""

    exit_code = 7


class LabelsUnavailableError(HublotInitError):
    """The label file of a model could not be found or downloaded."""

    exit_code = 8


class ParityError(HublotInitError):
    """TensorFlow and ONNX Runtime disagree beyond the tolerance."""

    exit_code = 9


class ConversionError(HublotInitError):
    """Export or ONNX conversion failed, or the model has an unexpected shape."""

    exit_code = 10


class ModelNotPreparedError(HublotInitError):
    """`reference` was asked for a model that is not in the repository."""

    exit_code = 11


class ImageError(HublotInitError):
    """An input image could not be read."""

    exit_code = 12


class CatalogError(HublotInitError):
    """The catalog file is missing or malformed."""

    exit_code = 13


class MissingDependencyError(HublotInitError):
    """TensorFlow, tensorflow_hub or tf2onnx is not installed."""

    exit_code = 14


class QuantizationError(HublotInitError):
    """int8 quantization failed, or the int8 model disagrees with fp32 beyond the threshold."""

    exit_code = 15


class SettingError(HublotInitError):
    """An environment setting is not valid (as argparse refuses a bad option: exit 2)."""

    exit_code = 2
