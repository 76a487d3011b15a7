"""DNBJ: Real-ESRGAN-style second-order degradation at scale 1 (Wang et al., Real-ESRGAN, ICCVW 2021).

Two rounds of [blur -> random resize -> Gaussian or Poisson noise -> JPEG], then [resize to H/s + sinc] and
JPEG in random order, then bicubic back to the input size so LQ and GT share one size. Six levels: s ∈ {2, 4}
× strength {mild (StableSR-like round 1), standard (Real-ESRGAN x4plus yml), strong (JPEG [20, 80], noise
σ [5, 35])}. Kernel widths and sinc cutoffs are in pixels of the image as degraded, as in Real-ESRGAN; the Poisson
term uses a fixed 256 photons at full scale (not BasicSR's content-dependent λ, which gives a flat and a busy
image different noise at the same pixel value).

Every continuous draw is lo + u·(hi - lo) with u drawn in the same order at every level, so one rng state
gives a stronger degradation at a stronger level (the probabilities of each branch do not depend on level).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.kernels.blur_kernels import build_kernel, gaussian_size, odd_size
from uir_data.degrade.kernels.filtering import PADDING_NAME, apply_psf
from uir_data.degrade.kernels.noise import add_poisson_noise, gaussian_noise
from uir_data.degrade.kernels.resize import resize, scaled_size
from uir_data.degrade.types.jpeg import apply_jpeg, sample_jpeg
from uir_data.seeding import draw_seed

# Real-ESRGAN kernel list and probabilities (train_realesrgan_x4plus.yml).
KERNEL_CHOICES = (
    ("iso", 0.45),
    ("aniso", 0.25),
    ("generalized_iso", 0.12),
    ("generalized_aniso", 0.03),
    ("plateau_iso", 0.12),
    ("plateau_aniso", 0.03),
)
RESIZE_MODES = ("area", "bilinear", "bicubic")
POISSON_PHOTONS = 256.0  # ≈ BasicSR's λ for a natural 8-bit image, fixed

STRENGTHS: dict[str, dict[str, Any]] = {
    "mild": {
        "round1": {
            "sigma": (0.2, 3.0),
            "down": (0.3, 1.0),
            "up": (1.0, 1.5),
            "noise": (1, 15),
            "poisson": (0.05, 2.0),
            "jpeg": (60, 95),
        },
        "round2": {
            "sigma": (0.2, 1.5),
            "down": (0.3, 1.0),
            "up": (1.0, 1.2),
            "noise": (1, 12),
            "poisson": (0.05, 1.5),
            "jpeg": (60, 95),
        },
    },
    "standard": {
        "round1": {
            "sigma": (0.2, 3.0),
            "down": (0.15, 1.0),
            "up": (1.0, 1.5),
            "noise": (1, 30),
            "poisson": (0.05, 3.0),
            "jpeg": (30, 95),
        },
        "round2": {
            "sigma": (0.2, 1.5),
            "down": (0.3, 1.0),
            "up": (1.0, 1.2),
            "noise": (1, 25),
            "poisson": (0.05, 2.5),
            "jpeg": (30, 95),
        },
    },
    "strong": {
        "round1": {
            "sigma": (0.2, 3.0),
            "down": (0.15, 1.0),
            "up": (1.0, 1.5),
            "noise": (5, 35),
            "poisson": (0.05, 3.0),
            "jpeg": (20, 80),
        },
        "round2": {
            "sigma": (0.2, 1.5),
            "down": (0.3, 1.0),
            "up": (1.0, 1.2),
            "noise": (5, 30),
            "poisson": (0.05, 2.5),
            "jpeg": (20, 80),
        },
    },
}
# Branch probabilities are shared by all levels (Real-ESRGAN values).
RESIZE_PROBS = {"round1": (0.2, 0.7, 0.1), "round2": (0.3, 0.4, 0.3)}  # up, down, keep
BLUR_PROB = {"round1": 1.0, "round2": 0.8}
SINC_PROB = 0.1
FINAL_SINC_PROB = 0.8
GAUSSIAN_NOISE_PROB = 0.5
GRAY_NOISE_PROB = 0.4
SCALES = (2, 4)


def _between(u: float, bounds: tuple[float, float]) -> float:
    return bounds[0] + u * (bounds[1] - bounds[0])


def _sample_kernel(rng: np.random.Generator, sigma_range: tuple[float, float]) -> dict[str, Any]:
    """One Real-ESRGAN mixed kernel (or a sinc with prob 0.1), in this image's pixels."""
    u_sinc, u_shape, u_sx, u_sy, u_angle, u_beta, u_beta_side, u_size, u_cut = rng.random(9)
    size = 7 + 2 * int(u_size * 8)  # odd 7..21, as Real-ESRGAN
    if u_sinc < SINC_PROB:
        low = math.pi / 3 if size < 13 else math.pi / 5
        return {"shape": "sinc", "cutoff": _between(u_cut, (low, math.pi)), "size": odd_size(size // 2)}
    cumulative = np.cumsum([p for _, p in KERNEL_CHOICES])
    name = KERNEL_CHOICES[int(np.searchsorted(cumulative, u_shape * cumulative[-1], side="right"))][0]
    sx = _between(u_sx, sigma_range)
    sy = sx if name.endswith("iso") and not name.endswith("aniso") else _between(u_sy, sigma_range)
    spec: dict[str, Any] = {"sigma_x": sx, "sigma_y": sy, "angle_deg": _between(u_angle, (-180.0, 180.0))}
    if name.startswith("generalized"):
        # β half the time below 1, half above (BasicSR); ranges β_g [0.5, 4], β_p [1, 2].
        spec.update(
            shape="generalized",
            beta=_between(u_beta, (0.5, 1.0)) if u_beta_side < 0.5 else _between(u_beta, (1.0, 4.0)),
        )
    elif name.startswith("plateau"):
        spec.update(shape="plateau", beta=_between(u_beta, (1.0, 2.0)))
    else:
        spec.update(shape="aniso")
    spec["size"] = gaussian_size(sx, sy)
    return spec


def _sample_noise(rng: np.random.Generator, ranges: dict[str, Any]) -> dict[str, Any]:
    u_kind, u_gray, u_strength = rng.random(3)
    seed = draw_seed(rng)
    gray = bool(u_gray < GRAY_NOISE_PROB)
    if u_kind < GAUSSIAN_NOISE_PROB:
        return {
            "op": "GN",
            "kind": "gaussian",
            "sigma_8bit": _between(u_strength, ranges["noise"]),
            "mode": "gray" if gray else "color",
            "seed": seed,
        }
    return {
        "op": "GN",
        "kind": "poisson",
        "scale": _between(u_strength, ranges["poisson"]),
        "photons": POISSON_PHOTONS,
        "gray": gray,
        "seed": seed,
    }


def _sample_jpeg(rng: np.random.Generator, bounds: tuple[int, int]) -> dict[str, Any]:
    quality = int(min(bounds[1], bounds[0] + rng.random() * (bounds[1] - bounds[0] + 1)))
    return {"op": "J", **sample_jpeg(rng, quality)}


def _sample_resize(rng: np.random.Generator, probs, ranges, size: tuple[int, int]) -> dict[str, Any]:
    u_branch, u_factor, u_mode = rng.random(3)
    if u_branch < probs[0]:
        factor = _between(u_factor, ranges["up"])
    elif u_branch < probs[0] + probs[1]:
        factor = _between(1.0 - u_factor, ranges["down"])  # larger u = smaller image = stronger
    else:
        factor = 1.0
    return {
        "op": "DS",
        "mode": RESIZE_MODES[int(u_mode * 3)],
        "factor": factor,
        "size": list(scaled_size(*size, factor)),
    }


class HighOrder(Degradation):
    abbrev = "DNBJ"
    # 2: kernels in px of the image as degraded (version 1 scaled them with the short side).
    # 3: sensor/noise normal deviates by quantile table (kernels/noise.py): same statistics, new bytes.
    algorithm_version = 3
    levels = tuple(
        Level(
            f"x{s}-{name}",
            {"scale": s, "strength": name},
            f"Real-ESRGAN second order at x{s} ({name}), back to input size",
        )
        for s in SCALES
        for name in STRENGTHS
    )
    monotone_runs: ClassVar = ((0, 1, 2), (3, 4, 5), (0, 3), (1, 4), (2, 5))

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Draw the whole op chain with the sizes it will produce; every op's params are recorded."""
        spec = self.check_level(level).params
        preset = STRENGTHS[spec["strength"]]
        ops: list[dict[str, Any]] = []
        size = (height, width)
        target = scaled_size(height, width, 1.0 / spec["scale"])
        for round_name in ("round1", "round2"):
            ranges = preset[round_name]
            use_blur = rng.random() < BLUR_PROB[round_name]
            kernel = _sample_kernel(rng, ranges["sigma"])
            if use_blur:
                ops.append({"op": "GB", "kernel": kernel, "padding": PADDING_NAME})
            # Round 1 resizes relative to the input; round 2 relative to the final low-resolution size.
            base = size if round_name == "round1" else target
            resize_op = _sample_resize(rng, RESIZE_PROBS[round_name], ranges, base)
            ops.append(resize_op)
            size = tuple(resize_op["size"])
            ops.append(_sample_noise(rng, ranges))
            if round_name == "round1":
                ops.append(_sample_jpeg(rng, ranges["jpeg"]))
        final_jpeg = _sample_jpeg(rng, preset["round2"]["jpeg"])
        u_sinc, u_cut, u_size, u_order, u_mode = rng.random(5)
        to_target = {"op": "DS", "mode": RESIZE_MODES[int(u_mode * 3)], "size": list(target)}
        final = [to_target]
        if u_sinc < FINAL_SINC_PROB:
            cutoff = _between(u_cut, (math.pi / 3, math.pi))
            size = 7 + 2 * int(u_size * 8)
            final.append(
                {
                    "op": "GB",
                    "kernel": {"shape": "sinc", "cutoff": cutoff, "size": odd_size(size // 2)},
                    "padding": PADDING_NAME,
                }
            )
        ops += final + [final_jpeg] if u_order < 0.5 else [final_jpeg] + final
        ops.append({"op": "US", "mode": "bicubic", "size": [height, width]})
        return {
            "ops": ops,
            "scale_factor": spec["scale"],
            "strength": spec["strength"],
            "domain": "srgb",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Replay the recorded op chain."""
        out = image
        for op in params["ops"]:
            out = _apply_op(out, op)
        return out


def _apply_op(image: np.ndarray, op: dict[str, Any]) -> np.ndarray:
    kind = op["op"]
    if kind == "GB":
        return apply_psf(image, build_kernel(op["kernel"]))
    if kind in ("DS", "US"):
        return resize(image, op["size"][0], op["size"][1], op["mode"])
    if kind == "J":
        return apply_jpeg(image, op)
    if kind == "GN" and op["kind"] == "gaussian":
        return image + gaussian_noise(image.shape, op["sigma_8bit"] / 255.0, op["seed"], op["mode"])
    if kind == "GN" and op["kind"] == "poisson":
        clipped = np.clip(image, 0.0, 1.0)  # counts need a non-negative signal
        noisy = add_poisson_noise(clipped, op["photons"], op["seed"], op["gray"])
        return image + np.float32(op["scale"]) * (noisy - clipped)
    raise ValueError(f"DNBJ: unknown op {op!r}")
