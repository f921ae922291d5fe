"""The images int8 quantization is calibrated and evaluated on: real photographs packaged with
hublot-init (`calibration/`, from the data of scikit-image, scikit-learn and matplotlib; sources and
licences in `calibration/README.md`), split by source photo, each extended by the same deterministic
crops, flips and scales."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

# Split by source photo: no photo is in both sets. The evaluation photos show things ImageNet has a
# class for (a cat, a wall clock, an espresso, a palace, a daisy, a uniform), so that top-1 agreement
# measures answers the model means; the photos it has no class for (textures, a star field, medical
# and grayscale pictures, a rocket) widen the calibration's activation ranges instead.
CALIBRATION_PHOTOS = ("astronaut", "brick", "camera", "coins", "grass", "gravel", "hubble_deep_field",
                      "immunohistochemistry", "retina", "rocket")
EVALUATION_PHOTOS = ("chelsea", "clock", "coffee", "china", "flower", "grace_hopper")
# (name, top, left, height, width as fractions of the photo, mirrored): 8 views per photo.
VIEWS = (
    ("full", 0.0, 0.0, 1.0, 1.0, False),
    ("full-flipped", 0.0, 0.0, 1.0, 1.0, True),
    ("centre-75", 0.125, 0.125, 0.75, 0.75, False),
    ("centre-75-flipped", 0.125, 0.125, 0.75, 0.75, True),
    ("top-left-60", 0.0, 0.0, 0.6, 0.6, False),
    ("top-right-60", 0.0, 0.4, 0.6, 0.6, False),
    ("bottom-left-60", 0.4, 0.0, 0.6, 0.6, True),
    ("bottom-right-60", 0.4, 0.4, 0.6, 0.6, True),
)


@dataclass(frozen=True)
class Sample:
    """One view of one photo: `<photo>/<view>` and its pixels ([H, W, 3] integers)."""

    photo: str
    view: str
    pixels: np.ndarray

    @property
    def name(self) -> str:
        """`<photo>/<view>`."""
        return f"{self.photo}/{self.view}"


def photo_path(photo: str) -> Path:
    """The packaged file of a source photo."""
    return Path(str(resources.files("hublot_init").joinpath("calibration", f"{photo}.jpg")))


def views(photo: str) -> list[Sample]:
    """The deterministic views of one packaged photo."""
    from .preprocess import decode

    pixels = decode(photo_path(photo))
    height, width = pixels.shape[:2]
    samples = []
    for name, top, left, h, w, mirrored in VIEWS:
        y, x = round(top * height), round(left * width)
        crop = pixels[y:y + round(h * height), x:x + round(w * width)]
        samples.append(Sample(photo, name, np.ascontiguousarray(crop[:, ::-1] if mirrored else crop)))
    return samples


def samples(photos: tuple[str, ...]) -> list[Sample]:
    """Every view of every photo, in order."""
    return [sample for photo in photos for sample in views(photo)]


def batch(chosen: list[Sample], height: int, width: int) -> np.ndarray:
    """The samples through the model's own preprocessing (`preprocess.preprocess`): float32 [N, H, W, 3]."""
    from .preprocess import preprocess

    return np.concatenate([preprocess(sample.pixels, height, width) for sample in chosen], axis=0)
