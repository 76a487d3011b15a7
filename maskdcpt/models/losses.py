"""Focal loss for degradation classification on long-tailed data (MaskDCPT Eq. 5)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

# research/paper.md §6.3: gamma is not stated by the paper; 2 is the focal-loss paper's default and the
# recommended choice (gamma 0 would be plain cross-entropy, the code default of DCPT).
DEFAULT_FOCAL_GAMMA = 2.0


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
