"""The bundled demo photos: colour and grayscale photographs shipped inside scikit-image (no download)."""

from __future__ import annotations

from pathlib import Path

from uir_data.sources.base import CleanItem, SourceError

BUNDLED_NAME = "bundled-demo"

# file in skimage/data -> license, as stated in scikit-image's data module docstrings.
BUNDLED_PHOTOS: dict[str, str] = {
    "astronaut.png": "public-domain (NASA)",
    "camera.png": "CC0-1.0 (Lav Varshney)",
    "chelsea.png": "CC0-1.0 (Stefan van der Walt)",
    "coffee.png": "CC0-1.0 (Rachel Michetti)",
    "hubble_deep_field.jpg": "public-domain (NASA)",
    "rocket.jpg": "public-domain (SpaceX)",
}


def bundled_data_dir() -> Path:
    import skimage

    return Path(skimage.__file__).resolve().parent / "data"


def bundled_items() -> list[CleanItem]:
    """One CleanItem per bundled photo, each its own group (one photo never spans two splits)."""
    folder = bundled_data_dir()
    items = []
    for name, license_text in BUNDLED_PHOTOS.items():
        path = folder / name
        if not path.is_file():
            raise SourceError(f"{path}: bundled photo missing from the scikit-image installation")
        items.append(
            CleanItem(
                source_dataset=BUNDLED_NAME,
                source_path=name,
                file=path,
                group_id=f"{BUNDLED_NAME}/{name}",
                license=license_text,
            )
        )
    return items
