"""Reading .pt/.pth files without running code from them: one classification of what can go wrong.

`torch.load(weights_only=True)` refuses pickled classes, but it reports a refused class and plain garbage
(a truncated download, a text file renamed .pt) with the same exception type, both times advising
`weights_only=False`, i.e. executing the file. Callers need to tell the two apart to give the right
advice, and must never pass torch's advice on.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import torch


class TorchFileError(ValueError):
    """A .pt/.pth file that could not be loaded as tensors and plain values; `refused` says why."""

    def __init__(self, path: Path, refused: bool, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path, self.refused, self.detail = path, refused, detail


def load_tensors_only(path: str | Path) -> Any:
    """torch.load on the CPU with weights_only=True. Raises TorchFileError with refused=True when the file
    holds pickled objects other than tensors and plain containers, refused=False when it is not a readable
    PyTorch file at all (damaged, truncated, another format)."""
    path = Path(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "Unsupported global" in str(error):  # a class the weights-only unpickler refused to import
            raise TorchFileError(path, True, "holds pickled objects other than tensors and plain values") from None
        raise TorchFileError(path, False, "not a PyTorch file, or damaged") from None
    except (OSError, RuntimeError, EOFError, ValueError) as error:
        raise TorchFileError(path, False, f"not a PyTorch file, or damaged ({type(error).__name__}: {error})") from None
