"""Focal loss for degradation classification on long-tailed data (MaskDCPT Eq. 5)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

# The paper states no gamma; the official (DCPT) focal-loss class defaults to gamma 0, i.e. plain
# cross-entropy, and its configs are unreleased. The repeat sampler already balances the classes.
DEFAULT_FOCAL_GAMMA = 0.0


def focal_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    gamma: float = DEFAULT_FOCAL_GAMMA,
    alpha: float | Sequence[float] | torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean over the batch of -alpha_y (1 - p_y)^gamma log p_y; gamma=0, alpha=None is cross-entropy.

    `alpha` is None (no weighting), one float for every class, or one weight per class.
    """
    if logits.dim() != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(
            f"focal_loss expects logits (B, K) and labels (B,), got {tuple(logits.shape)} and "
            f"{tuple(labels.shape)}"
        )
    # Computed in float32: (1 - p)^gamma underflows badly in bf16 under autocast.
    log_probs = F.log_softmax(logits.float(), dim=1)
    log_p_true = log_probs.gather(1, labels.long().unsqueeze(1)).squeeze(1)
    loss = -log_p_true
    if gamma != 0:
        loss = loss * (1.0 - log_p_true.exp()).clamp_min(0.0).pow(gamma)
    if alpha is not None:
        if isinstance(alpha, int | float):
            loss = loss * float(alpha)
        else:
            class_weights = torch.as_tensor(alpha, dtype=loss.dtype, device=loss.device)
            if class_weights.shape != logits.shape[1:]:
                raise ValueError(
                    f"alpha needs one weight per class ({logits.shape[1]}), got {tuple(class_weights.shape)}"
                )
            loss = loss * class_weights[labels.long()]
    return loss.mean()
