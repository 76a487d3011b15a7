"""DDP from torchrun's environment (nanoGPT style): RANK/LOCAL_RANK/WORLD_SIZE present means distributed.

gloo on CPU, nccl on CUDA; LOCAL_RANK picks the GPU. Without RANK the run is a single process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

from uir_data.errors import UsageError

COLLECTIVE_TIMEOUT = timedelta(minutes=int(os.environ.get("UIR_COLLECTIVE_TIMEOUT_MIN", "120")))


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """'auto' -> cuda when available, else cpu; 'cuda' without a GPU is a usage error."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise UsageError("--device cuda was requested but torch sees no CUDA device; use --device cpu")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    return torch.device("cpu")


def setup(device_name: str) -> DistContext:
    """Join the process group when launched by torchrun; otherwise a single-process context."""
    if "RANK" not in os.environ or int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return DistContext(device=resolve_device(device_name))
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    world_size = int(os.environ["WORLD_SIZE"])
    device = resolve_device(device_name, local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        # Rank 0 evaluates and writes checkpoints while the others wait in a barrier: a full-size evaluation
        # can outlast the 10-minute default and kill the job, so collectives wait up to COLLECTIVE_TIMEOUT.
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo", timeout=COLLECTIVE_TIMEOUT)
    return DistContext(rank, local_rank, world_size, device)


def barrier(ctx: DistContext) -> None:
    if ctx.enabled:
        dist.barrier()


def mean_over_ranks(values: torch.Tensor, ctx: DistContext) -> torch.Tensor:
    """Element-wise mean of a small tensor over ranks (for logging; every rank must call it)."""
    if ctx.enabled:
        values = values.clone()
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
        values /= ctx.world_size
    return values


def broadcast_flag(flag: bool, ctx: DistContext) -> bool:
    """Rank 0's boolean, on every rank."""
    if not ctx.enabled:
        return flag
    tensor = torch.tensor([int(flag)], device=ctx.device)
    dist.broadcast(tensor, src=0)
    return bool(tensor.item())


def teardown(ctx: DistContext) -> None:
    if ctx.enabled and dist.is_initialized():
        dist.destroy_process_group()


def replicas_in_sync(module: torch.nn.Module, ctx: DistContext) -> bool:
    """True when every rank holds bit-identical parameter sums (DDP replicas must never drift apart)."""
    if not ctx.enabled:
        return True
    sums = torch.stack([p.detach().double().sum() for p in module.parameters()])
    low, high = sums.clone(), sums.clone()
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    return bool(torch.equal(low, high))
