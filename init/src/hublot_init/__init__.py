"""hublot-init: the initialisation half of the Colab "Image classification with TensorFlow Hub".

Fetches a TF Hub classifier, exports it with a fixed input signature, converts it
to ONNX, checks parity against TensorFlow and writes it into a model repository.
"""

__version__ = "0.2.0"
