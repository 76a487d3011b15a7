"""One training loop for both stages (nanoGPT-style: readable in one sitting, no trainer framework).

pretrain: MaskDCPT, masked LQ -> backbone -> (restored, class logits); loss = w_pix L1 + w_cls focal.
finetune: the plain backbone (official forward with +input), no mask, no classifier; loss = L1.

Rerunning with the same RUN_DIR resumes from its newest complete checkpoint: weights, EMA, optimizer,
scheduler, RNG and data position (a function of the step, see maskdcpt.sampling), so the resumed run
reproduces the uninterrupted one. Under torchrun every rank runs this loop on its share of the global
batch; rank 0 alone evaluates, logs and writes checkpoints.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from rich.console import Console

from maskdcpt import checkpoint as ckpt
from maskdcpt import distributed as dist_util
from maskdcpt.config import ConfigError, TrainConfig, from_mapping, load_mapping, to_toml
from maskdcpt.data import ClassMap, DataError, PairIndex, TrainPairs, make_loader, open_index
from maskdcpt.ema import EMA
from maskdcpt.evaluate import Restorer, build_model, evaluate
from maskdcpt.models import MaskDCPT, focal_loss, load_official_weights
from maskdcpt.runlog import MetricsLog, ProgressLine
from maskdcpt.sampling import StepSampler, epoch_shares, repeat_counts
from maskdcpt.stopping import StopFlag, TrainingStopped
from maskdcpt.threads import default_threads, thread_budget
from uir_data.atomic import write_text_atomic

CONFIG_FILE = "config.toml"
TAG_MASK = 0x4D41
# Keys that may change when a run is resumed: they do not alter what the finished run computes.
# (A moved dataset may be resumed: the checkpoint's row digest refuses one whose rows changed.)
RESUMABLE_KEYS = ("data.manifests", "run.steps", "run.eval_every", "run.ckpt_every", "run.log_every", "run.keep_checkpoints",
                  "run.device", "run.compile", "data.workers", "data.val_max_images", "data.val_crop",
                  "finetune.init", "run.threads", "data.allow_incomplete", "run.channels_last")


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat = {}
    for key, value in data.items():
        if isinstance(value, dict) and key not in ("kwargs", "repeat_factors"):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def check_resumable(run_dir: Path, config: TrainConfig) -> None:
    """Refuse to resume a run folder with settings that would change what it computes."""
    saved_path = Path(run_dir) / CONFIG_FILE
    if not saved_path.is_file() or ckpt.latest_checkpoint(run_dir) is None:
        return
    saved = _flatten(from_mapping(load_mapping(saved_path), str(saved_path)).to_dict())
    current = _flatten(config.to_dict())
    differ = sorted(k for k in saved.keys() | current.keys() if saved.get(k) != current.get(k) and k not in RESUMABLE_KEYS)
    if differ:
        shown = ", ".join(f"{k} ({saved.get(k)!r} -> {current.get(k)!r})" for k in differ[:4])
        raise ConfigError(f"{run_dir} holds a run with other settings: {shown}; resume with the same settings "
                          "or choose a new --out")


def lr_factor(step: int, total: int, schedule: str, warmup: int, min_ratio: float) -> float:
    """Multiplier of the base LR at `step`: linear warmup, then constant or cosine down to min_ratio."""
    if warmup and step < warmup:
        return (step + 1) / warmup
    if schedule == "constant":
        return 1.0
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


_M31 = (1 << 31) - 1


def _mix31(values: torch.Tensor) -> torch.Tensor:
    """A 31-bit integer hash (xorshift-multiply rounds); int64 products stay below 2**62, so every device
    computes the same bits."""
    for multiplier in (0x2C1B3C6D, 0x297A2D39, 0x5BD1E995 & _M31):
        values = values ^ (values >> 15)
        values = (values * multiplier) & _M31
    return values ^ (values >> 13)


def draw_masks(model: MaskDCPT, seed: int, first_position: int, batch: int, size: tuple[int, int],
               device: torch.device | str = "cpu") -> torch.Tensor:
    """One patch mask per sample (True = visible), drawn on `device` and keyed by (seed, global sample
    position): the same bits on CPU and GPU, for any number of ranks, with no host-to-device copy."""
    grid_height, grid_width = size[0] // model.mask_patch, size[1] // model.mask_patch
    cells = grid_height * grid_width
    visible = round(cells * (1.0 - model.mask_ratio))
    positions = torch.arange(first_position, first_position + batch, device=device, dtype=torch.int64)
    cell = torch.arange(cells, device=device, dtype=torch.int64)
    key = _mix31((seed * 0x9E37 + TAG_MASK) & _M31 ^ _mix31(positions & _M31)[:, None]) ^ cell[None, :] * 0x61C8
    scores = _mix31(key & _M31) * cells + cell  # distinct per cell: the ranking is the same on every device
    ranks = scores.argsort(dim=1).argsort(dim=1)
    return (ranks < visible).view(batch, 1, grid_height, grid_width)


def init_backbone(backbone: torch.nn.Module, config: TrainConfig) -> str:
    """Load --init weights into the backbone (our run/checkpoint, or an official .pth); returns a note."""
    source = config.finetune.init
    if ckpt.is_uir_checkpoint(source):
        state, meta = ckpt.load_weights(source, which=config.finetune.init_weights)
        if meta["model"]["name"] != config.model.name or meta["model"]["kwargs"] != config.model.kwargs:
            raise ckpt.CheckpointError(
                f"{source}: trained {meta['model']['name']} {meta['model']['kwargs']}, but this run builds "
                f"{config.model.name} {config.model.kwargs}; use the same [model] settings")
        try:
            backbone.load_state_dict(ckpt.backbone_state(state, meta["stage"]), strict=True)
        except RuntimeError as error:
            raise ckpt.CheckpointError(f"{source}: incompatible backbone weights ({error})") from None
        note = ""
        if meta["stage"] == "pretrain" and config.stage == "finetune" and config.finetune.reset_head:
            # Pre-training taught the head to output the whole image (no +input residual); the fine-tuning
            # forward adds the input, so that head would start at ~2x the image. Start it as from scratch.
            start_head(backbone, config)
            note = f", output head re-initialised ({config.finetune.head_init})"
        return (f"initialised from {meta['stage']} checkpoint {source} (step {meta['step']}, "
                f"{config.finetune.init_weights} weights{note})")
    load_official_weights(backbone, source, key=config.finetune.init_key, strict=True)
    return f"initialised from official checkpoint {source} ({config.finetune.init_key})"


def start_head(backbone: torch.nn.Module, config: TrainConfig) -> None:
    """Initialise the output head of a fine-tune that does not load one: zeros (identity start) or default."""
    head = backbone.reconstruction_head()
    if config.finetune.head_init == "zero":
        with torch.no_grad():
            for parameter in head.parameters():
                parameter.zero_()
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.run.seed)
        for module in head.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()


def _autocast(config: TrainConfig, device: torch.device):
    precision = config.run.precision
    if precision == "auto":
        precision = "bf16" if device.type == "cuda" else "fp32"
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def train(config: TrainConfig, run_dir: Path | str, *, stop_at: int | None = None,
          console: Console | None = None) -> dict[str, Any]:
    """Run (or resume) training into run_dir; `stop_at` ends this invocation early (as a preemption would)."""
    ctx = dist_util.setup(config.run.device)
    if ctx.device.type == "cuda":
        # Fixed 256 px crops: cuDNN's autotuner picks the fastest kernels once; TF32 for the fp32 parts
        # (bf16 autocast covers the convs; norms, losses and the optimizer stay fp32).
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    local_ranks = int(os.environ.get("LOCAL_WORLD_SIZE", "1")) if ctx.enabled else 1
    threads = config.run.threads or default_threads(config.data.workers, local_ranks)
    try:
        with thread_budget(threads), StopFlag().installed() as stop:
            return _train(config, Path(run_dir), ctx, stop_at, console, stop)
    finally:
        dist_util.teardown(ctx)


def _train(config: TrainConfig, run_dir: Path, ctx: dist_util.DistContext, stop_at: int | None,
           console: Console | None, stop: StopFlag) -> dict[str, Any]:
    seed, total, stage = config.run.seed, config.run.steps, config.stage
    device = ctx.device
    check_resumable(run_dir, config)  # on every rank, so that all of them stop on a refusal
    if ctx.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        ckpt.remove_stale(run_dir)
        write_text_atomic(run_dir / CONFIG_FILE, to_toml(config))
    dist_util.barrier(ctx)
    progress = ProgressLine(total, enabled=ctx.is_main, console=console)

    # --- data -------------------------------------------------------------------------------------------
    train_index = open_index(config.data.manifests, config.data.train_split, config.data.types,
                             allow_incomplete=config.data.allow_incomplete)
    classes = ClassMap.from_index(train_index)
    if stage == "pretrain" and len(classes) < 2:
        raise DataError(f"pre-training classifies degradations but the train split holds one type only ({classes.names[0]})")
    val_index: PairIndex | None = None
    try:
        val_index = open_index(config.data.manifests, config.data.val_split, config.data.types, config.data.val_max_images,
                               allow_incomplete=config.data.allow_incomplete)
    except DataError as problem:
        progress.message(f"no evaluation during training: {problem}")
    if config.data.batch_size % ctx.world_size:
        raise ConfigError(f"data.batch_size {config.data.batch_size} (global) is not divisible by {ctx.world_size} ranks")

    # --- model, EMA, optimizer ----------------------------------------------------------------------------
    with torch.random.fork_rng(devices=[]):  # seeded init without touching the caller's global RNG
        torch.manual_seed(seed)
        model = build_model(config.model.name, config.model.kwargs, stage, classes,
                            config.pretrain.mask_ratio, config.pretrain.mask_patch)
    backbone = model.backbone if isinstance(model, MaskDCPT) else model
    multiple = model.mask_patch if isinstance(model, MaskDCPT) else backbone.size_multiple
    if config.data.crop_size % math.lcm(multiple, backbone.downsampling_factor):
        raise ConfigError(f"data.crop_size {config.data.crop_size} must be a multiple of {multiple} for this model")
    resume_point = ckpt.load_resume_point(run_dir)  # newest checkpoint that loads, past damaged ones
    latest = resume_point.folder if resume_point is not None else None
    if latest is None and config.finetune.init:
        progress.message(init_backbone(backbone, config))
    elif latest is None and stage == "finetune":
        start_head(backbone, config)  # from scratch: the same head start as after pre-training
    memory_format = torch.channels_last if config.run.channels_last else torch.contiguous_format
    model.to(device, memory_format=memory_format)
    ema = EMA(model, config.optim.ema_decay)
    # Paper: encoder at 3e-4, decoders (classifier + reconstruction head) at 1e-4; fine-tuning: one LR.
    heads = model.head_parameters() if isinstance(model, MaskDCPT) else []
    encoder = model.backbone_parameters() if isinstance(model, MaskDCPT) else list(backbone.parameters())
    groups = [{"params": encoder, "lr": config.optim.lr_backbone, "name": "backbone"}]
    if heads:
        groups.append({"params": heads, "lr": config.optim.lr_heads, "name": "heads"})
    optimizer = torch.optim.AdamW(groups, betas=tuple(config.optim.betas), weight_decay=config.optim.weight_decay,
                                  fused=device.type == "cuda")
    min_ratios = [config.optim.min_lr / g["lr"] for g in groups]
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, [
        (lambda s, r=r: lr_factor(s, total, config.schedule, config.optim.warmup_steps, min(1.0, r))) for r in min_ratios
    ])

    # --- resume -------------------------------------------------------------------------------------------
    start = 0
    metrics = MetricsLog(run_dir, tensorboard=ctx.is_main)
    if resume_point is not None and latest is not None:
        for reason in resume_point.skipped:
            progress.message(f"skipped a damaged checkpoint: {reason}")
        meta = resume_point.meta
        if meta["stage"] != stage or meta["classes"]["names"] != list(classes.names):
            raise ckpt.CheckpointError(
                f"{latest}: stage {meta['stage']} with classes {meta['classes']['names']}, but this run is {stage} "
                f"with classes {list(classes.names)}; the dataset or stage changed, use a new --out")
        if meta.get("train_rows") not in (None, rows_digest(train_index)):
            # the data position (step -> rows) is only meaningful over the same rows
            raise ckpt.CheckpointError(f"{latest}: the training rows changed since this checkpoint was written "
                                       f"({meta['train_rows']['count']} -> {len(train_index)} pairs); use a new --out")
        model.load_state_dict(resume_point.model)
        ema.module.load_state_dict(resume_point.ema)
        state = resume_point.state
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        ema.load_state_dict(state["ema"])
        torch.set_rng_state(state["rng_cpu"])
        start = int(state["step"])
        progress.message(f"resuming {run_dir} from step {start}")
    if ctx.is_main:
        # records past the resumed step (all of them when no checkpoint was reached) are recomputed below
        metrics.truncate_after(start)
        if resume_point is not None:
            ckpt.set_aside(resume_point.skipped_folders)
    end = total if stop_at is None else min(total, stop_at)

    train_model: torch.nn.Module = model
    if ctx.enabled:
        train_model = torch.nn.parallel.DistributedDataParallel(
            train_model, device_ids=[device.index] if device.type == "cuda" else None)
    if config.run.compile:
        # Compiled after the DDP wrap, as PyTorch recommends: DDPOptimizer then splits the graph at the
        # gradient buckets so all-reduce overlaps the backward pass (compiling first hides the buckets).
        train_model = torch.compile(train_model)

    train_index.keep_row_groups(config.data.shuffle_window)
    sampler = StepSampler(repeat_counts(train_index.degradations, config.data.repeat_factors), config.data.batch_size,
                          seed=seed, rank=ctx.rank, world_size=ctx.world_size, start_step=start, end_step=end,
                          blocks=train_index.read_blocks(), window=config.data.shuffle_window)
    dataset = TrainPairs(train_index, classes, config.data.crop_size, seed)
    loader = iter(make_loader(dataset, sampler, config.data.workers))
    if ctx.is_main and start == 0:
        counts = train_index.type_counts()
        shares = epoch_shares(train_index.degradations, config.data.repeat_factors)
        progress.message(f"{stage}: {len(train_index)} train pairs ({', '.join(f'{k} {v}' for k, v in counts.items())}), "
                         f"epoch of {sampler.epoch_len} samples, global batch {config.data.batch_size} on "
                         f"{ctx.world_size} rank(s), {device}, {torch.get_num_threads()} thread(s) + "
                         f"{config.data.workers} data worker(s) per rank")
        progress.message("epoch share per class (after repeat factors): "
                         + ", ".join(f"{k} {shares[k]:.1%}" for k in counts))

    # --- the loop -----------------------------------------------------------------------------------------
    names = ["loss", "l1", "focal", "acc"] if stage == "pretrain" else ["loss", "l1"]
    sums = torch.zeros(len(names), dtype=torch.float64, device=device)
    reported: set[str] = set()
    window_start, window_steps = time.perf_counter(), 0
    last_eval: dict[str, Any] | None = None
    saved_at = start
    for step in range(start, end):
        try:
            batch = next(loader)
        except Exception:
            if stop.signal_name is None:
                raise
            # Ctrl-C also reaches the data workers (same process group), which then exit: stop at this step.
            _stop_cleanly(stop, run_dir, step, saved_at, lambda s: save(run_dir, s, config, model, ema, optimizer,
                          scheduler, classes, ctx, rows_digest(train_index)), ctx, progress)
        if "error" in batch:  # a dataset problem met in a data worker: its one sentence, no worker traceback
            raise DataError(batch["error"])
        for report in batch["skipped"]:
            if report not in reported and ctx.is_main:
                reported.add(report)
                progress.message(f"skipped unreadable pair: {report}")
        lq = batch["lq"].to(device, non_blocking=True, memory_format=memory_format)
        gt = batch["gt"].to(device, non_blocking=True, memory_format=memory_format)
        train_model.train()
        with _autocast(config, device):
            if stage == "pretrain":
                first = step * config.data.batch_size + ctx.rank * sampler.local_batch
                mask = draw_masks(model, seed, first, lq.shape[0], lq.shape[-2:], device)
                out = train_model(lq, mask=mask)
                labels = batch["cls"].to(device)
                l1 = F.l1_loss(out.restored.float(), gt)
                focal = focal_loss(out.logits.float(), labels, gamma=config.pretrain.focal_gamma)
                loss = config.pretrain.pixel_weight * l1 + config.pretrain.cls_weight * focal
                acc = (out.logits.argmax(1) == labels).double().mean()
                terms = torch.stack([loss.detach().double(), l1.detach().double(), focal.detach().double(), acc])
            else:
                l1 = F.l1_loss(train_model(lq).float(), gt)
                loss = l1
                terms = torch.stack([loss.detach().double(), l1.detach().double()])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.optim.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.optim.grad_clip)
        optimizer.step()
        scheduler.step()
        ema.update(model)
        sums += terms
        window_steps += 1
        done = step + 1

        if done % config.run.log_every == 0 or done == end:
            means = dist_util.mean_over_ranks(sums / window_steps, ctx).tolist()
            elapsed = time.perf_counter() - window_start
            record = {"kind": "train", "step": done, **dict(zip(names, means, strict=True)),
                      "lr_backbone": optimizer.param_groups[0]["lr"],
                      "img_per_s": window_steps * config.data.batch_size / elapsed}
            if heads:
                record["lr_heads"] = optimizer.param_groups[1]["lr"]
            if ctx.is_main:
                metrics.append(record)
                progress.update(done, dict(zip(names, means, strict=True)), record["img_per_s"], window_steps / elapsed)
            sums.zero_()
            window_start, window_steps = time.perf_counter(), 0
        if val_index is not None and (done % config.run.eval_every == 0 or done == total):
            if ctx.is_main:
                restorer = Restorer(ema.module, stage, classes, str(run_dir), seed=seed)
                last_eval = evaluate(restorer, val_index, device, crop=config.data.val_crop)
                metrics.append({"kind": "val", "step": done, **last_eval["mean"], "types": last_eval["types"]})
                mean = last_eval["mean"]
                progress.message(f"val @ {done}: PSNR {mean['psnr']:.2f} dB (input {mean['psnr_input']:.2f}), "
                                 f"SSIM {mean['ssim']:.4f}" + (f", acc {mean['accuracy']:.1%}" if "accuracy" in mean else ""))
            dist_util.barrier(ctx)
        if done % config.run.ckpt_every == 0 or done == end:
            if ctx.is_main:
                save(run_dir, done, config, model, ema, optimizer, scheduler, classes, ctx, rows_digest(train_index))
            dist_util.barrier(ctx)
            saved_at = done
        if done < end and stop.requested(ctx):
            _stop_cleanly(stop, run_dir, done, saved_at, lambda s: save(run_dir, s, config, model, ema, optimizer,
                          scheduler, classes, ctx, rows_digest(train_index)), ctx, progress)
    progress.close()
    in_sync = dist_util.replicas_in_sync(model, ctx)
    if not in_sync:
        progress.message("DDP replicas hold different weights: check for rank-dependent code")
    final = ckpt.latest_checkpoint(run_dir)
    return {"run_dir": str(run_dir), "stage": stage, "step": end, "total_steps": total, "finished": end >= total,
            "world_size": ctx.world_size, "replicas_in_sync": in_sync,
            "checkpoint": str(final) if final else None, "classes": list(classes.names),
            "last_train": _last_train_record(metrics) if ctx.is_main else None, "last_eval": last_eval}


def _stop_cleanly(stop: StopFlag, run_dir: Path, done: int, saved_at: int, save_at: Any,
                  ctx: dist_util.DistContext, progress: ProgressLine) -> None:
    """Write the checkpoint of the last finished step (unless it exists) and raise TrainingStopped."""
    if done > saved_at:
        if ctx.is_main:
            save_at(done)
        dist_util.barrier(ctx)
    progress.close()
    if done == 0:
        raise TrainingStopped(f"stopped by {stop.signal_name} before the first step finished; nothing to keep in {run_dir}")
    folder = run_dir / ckpt.CHECKPOINTS_DIRNAME / ckpt.step_dirname(done)
    raise TrainingStopped(f"stopped by {stop.signal_name} after step {done}: {folder} holds the run; rerun the same "
                          "command to resume")


def _last_train_record(metrics: MetricsLog) -> dict[str, Any] | None:
    records = [r for r in metrics.read() if r.get("kind") == "train"]
    return records[-1] if records else None


def rows_digest(index: PairIndex) -> dict[str, Any]:
    """Count and digest of the training rows (sample ids in index order), stored to guard resumes."""
    digest = hashlib.sha256("\n".join(index.sample_ids).encode()).hexdigest()[:16]
    return {"count": len(index), "sha256_16": digest}


def save(run_dir: Path, step: int, config: TrainConfig, model: torch.nn.Module, ema: EMA,
         optimizer: torch.optim.Optimizer, scheduler: Any, classes: ClassMap, ctx: dist_util.DistContext,
         train_rows: dict[str, Any]) -> Path:
    """Write checkpoint `step` from the unwrapped model (rank 0)."""
    meta = {
        "stage": config.stage, "model": {"name": config.model.name, "kwargs": config.model.kwargs},
        "classes": {"labels": list(classes.labels), "names": list(classes.names)},
        "mask_ratio": config.pretrain.mask_ratio, "mask_patch": config.pretrain.mask_patch, "seed": config.run.seed,
        "world_size": ctx.world_size, "train_rows": train_rows, "config": config.to_dict(),
    }
    state = {
        "step": step, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "ema": ema.state_dict(),
        "rng_cpu": torch.get_rng_state(),
        "data": {"position": step * config.data.batch_size, "global_batch": config.data.batch_size},
    }
    if torch.cuda.is_available():
        state["rng_cuda"] = torch.cuda.get_rng_state_all()
    return ckpt.save_checkpoint(run_dir, step, model.state_dict(), ema.module.state_dict(), state, meta,
                                config.run.keep_checkpoints)


def resolve_run_config(
    run_dir: Path,
    *,
    config_file: Path | None = None,
    preset: str | None = None,
    manifests: list[Path] | None = None,
    stage: str | None = None,
    init: str | None = None,
    max_steps: int | None = None,
    device: str | None = None,
    overrides: list[str] | None = None,
    allow_incomplete: bool = False,
) -> TrainConfig:
    """The config of `uir train`: --config | --preset | RUN_DIR/config.toml (resume) | tiny-cpu, then flags.

    RUN_DIR/config.toml is reused only when the run has a checkpoint to resume: the config of a first
    attempt that failed before its first checkpoint is not carried into the corrected command.
    --init implies --stage finetune unless --stage is given.
    """
    from maskdcpt.config import apply_overrides, load_config, load_preset

    if config_file is not None and preset is not None:
        raise ConfigError("pass either --config or --preset, not both")
    saved = Path(run_dir) / CONFIG_FILE
    if config_file is not None:
        config = load_config(config_file)
    elif preset is not None:
        config = load_preset(preset)
    elif saved.is_file() and ckpt.latest_checkpoint(run_dir) is not None:
        config = load_config(saved)
    else:
        config = load_preset("tiny-cpu")
    assignments = list(overrides or [])
    if manifests:
        config.data.manifests = [str(Path(m).resolve()) for m in manifests]
    if init is not None:
        config.finetune.init = str(init)
        if stage is None:
            stage = "finetune"
    if stage is not None:
        assignments.append(f'stage="{stage}"')
    if max_steps is not None:
        assignments.append(f"run.steps={max_steps}")
    if device is not None:
        assignments.append(f'run.device="{device}"')
    if allow_incomplete:
        assignments.append("data.allow_incomplete=true")
    config = apply_overrides(config, assignments)
    if not config.data.repeat_factors:
        config.data.repeat_factors = recipe_repeat_factors(config.data.manifests)
    return config


def recipe_repeat_factors(roots: list[str]) -> dict[str, int]:
    """Per-class repeat factors a dataset's recipe records ([training] in manifests/recipes, e.g. 5D's
    H x1, RS x300, GN x15, MB x5, LL x60), used when the training config names none; first root wins per class."""
    factors: dict[str, int] = {}
    for root in roots:
        try:
            recipe = json.loads((Path(root) / "recipe.json").read_text())
        except (OSError, ValueError):
            continue  # a Hub export or a hand-made manifest: no recipe, repeat factors stay 1
        for abbrev, factor in (recipe.get("repeat_factors") or {}).items():
            factors.setdefault(abbrev, int(factor))
    return factors
