"""Exponential moving average of a model's weights (BasicSR/timm convention: evaluate the EMA copy).

Parameters are averaged; buffers (none in NAFNet/Restormer, but e.g. norm statistics elsewhere) are
copied. The decay warms up as min(decay, (1 + t) / (10 + t)) so that short runs are not dominated by the
random initialisation (the TensorFlow ExponentialMovingAverage `num_updates` rule).
"""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Holds an eval-mode copy of `model` whose parameters track an exponential moving average."""

    def __init__(self, model: nn.Module, decay: float, warmup: bool = True):
        self.module = copy.deepcopy(model).eval().requires_grad_(False)
        self.decay = decay
        self.warmup = warmup
        self.updates = 0

    def current_decay(self) -> float:
        if not self.warmup:
            return self.decay
        return min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """One EMA step towards `model` (the unwrapped training module)."""
        decay = self.current_decay()
        ema_params = [p for p in self.module.parameters()]
        params = [p.detach() for p in model.parameters()]
        torch._foreach_lerp_(ema_params, params, 1.0 - decay)
        for ema_buffer, buffer in zip(self.module.buffers(), model.buffers(), strict=True):
            ema_buffer.copy_(buffer)
        self.updates += 1

    def state_dict(self) -> dict:
        return {"updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.updates = int(state["updates"])
