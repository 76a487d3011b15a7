"""A folder of clean images given with `--source FOLDER` (recursive; png, jpg/jpeg, bmp, tif/tiff, webp)."""

from __future__ import annotations

from pathlib import Path

from uir_data.sources.base import CleanItem, SourceError, list_images


def folder_items(folder: Path, *, dataset_name: str | None = None, license_text: str = "unknown") -> list[CleanItem]:
    """Every image under folder as a CleanItem; the group is the image itself."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceError(f"{folder}: source folder not found (pass --source PATH to a folder of images)")
    name = dataset_name or folder.resolve().name or "folder"
    files = list_images(folder)
    if not files:
        raise SourceError(
            f"{folder}: no images found (looked recursively for .png .jpg .jpeg .bmp .tif .tiff .webp)"
        )
    items = []
    for path in files:
        relative = path.relative_to(folder).as_posix()
        items.append(
            CleanItem(
                source_dataset=name,
                source_path=relative,
                file=path,
                group_id=f"{name}/{relative}",
                license=license_text,
            )
        )
    return items
