"""Line charts of training runs (loss, accuracy, PSNR against steps) drawn with OpenCV into a PNG.

OpenCV is already a core dependency; a plotting library would be one more install for a few line charts.
A chart is one or more panels side by side; each panel holds series (one per run) in a fixed palette, so
run i has the same colour in every panel. Optional bands (mean ± std over seeds) are filled lightly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from maskdcpt.runlog import MetricsLog

# Tableau's 10 colours (RGB): distinguishable, and distinct from the greys of the axes and grid.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (188, 189, 34), (23, 190, 207), (127, 127, 127),
)
FONT = cv2.FONT_HERSHEY_SIMPLEX
INK, GRID, WHITE = (40, 40, 40), (225, 225, 225), (255, 255, 255)


@dataclass
class Series:
    label: str
    steps: list[float]
    values: list[float]
    color: tuple[int, int, int] | None = None
    low: list[float] | None = None  # optional band under/over the line (e.g. mean - std, mean + std)
    high: list[float] | None = None


@dataclass
class Panel:
    title: str
    ylabel: str
    series: list[Series] = field(default_factory=list)
    xlabel: str = "step"


# metric name -> (record kind, key in the record, panel title, y label)
METRICS: dict[str, tuple[str, str, str, str]] = {
    "loss": ("train", "loss", "training loss", "loss"),
    "l1": ("train", "l1", "training L1", "L1"),
    "focal": ("train", "focal", "training focal loss", "focal"),
    "acc": ("train", "acc", "training accuracy (masked crops)", "accuracy"),
    "val-acc": ("val", "accuracy", "held-out classification accuracy", "accuracy"),
    "psnr": ("val", "psnr", "held-out PSNR", "PSNR (dB)"),
    "ssim": ("val", "ssim", "held-out SSIM", "SSIM"),
}


def run_series(run_dir: Path, metric: str, label: str | None = None) -> Series:
    """The metric of one run (from RUN/metrics.jsonl) against steps; empty when the run never logged it."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(METRICS)}")
    kind, key = METRICS[metric][:2]
    steps, values = [], []
    for record in MetricsLog(Path(run_dir)).read():
        value = record.get(key)
        if record.get("kind") == kind and isinstance(value, (int, float)) and math.isfinite(value):
            steps.append(float(record["step"]))
            values.append(float(value))
    return Series(label or Path(run_dir).name, steps, values)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^k steps) covering [low, high]."""
    span = high - low
    if span <= 0:
        span = abs(high) or 1.0
        low, high = low - span / 2, high + span / 2
    raw = span / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _tick_text(value: float, step: float) -> str:
    if abs(value) >= 10000:
        return f"{value / 1000:g}k"
    decimals = max(0, -math.floor(math.log10(step)))
    scaled = step * 10**decimals
    if abs(scaled - round(scaled)) > 1e-6:  # a 2.5 x 10^k step needs one more digit
        decimals += 1
    return f"{value:.{decimals}f}"


def _text(canvas: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.45, color=INK,
          anchor: str = "left") -> None:
    (width, height), _ = cv2.getTextSize(text, FONT, scale, 1)
    x, y = org
    if anchor == "right":
        x -= width
    elif anchor == "center":
        x -= width // 2
    cv2.putText(canvas, text, (x, y + height // 2), FONT, scale, color, 1, cv2.LINE_AA)


def _vertical_text(canvas: np.ndarray, text: str, center: tuple[int, int], scale: float = 0.5) -> None:
    (width, height), base = cv2.getTextSize(text, FONT, scale, 1)
    strip = np.full((height + base + 4, width + 4, 3), 255, np.uint8)
    cv2.putText(strip, text, (2, height + 2), FONT, scale, INK, 1, cv2.LINE_AA)
    strip = cv2.rotate(strip, cv2.ROTATE_90_COUNTERCLOCKWISE)
    top, left = center[1] - strip.shape[0] // 2, center[0] - strip.shape[1] // 2
    top, left = max(top, 0), max(left, 0)
    h, w = min(strip.shape[0], canvas.shape[0] - top), min(strip.shape[1], canvas.shape[1] - left)
    canvas[top : top + h, left : left + w] = np.minimum(canvas[top : top + h, left : left + w], strip[:h, :w])


def draw_panel(panel: Panel, width: int, height: int) -> np.ndarray:
    """One panel (RGB uint8): title, axes with round ticks, grid, one line per series, legend."""
    canvas = np.full((height, width, 3), 255, np.uint8)
    left, right, top, bottom = 70, 16, 34, 46
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    _text(canvas, panel.title, (width // 2, 14), 0.55, anchor="center")
    drawn = [s for s in panel.series if s.steps]
    if not drawn:
        _text(canvas, "no data", ((x0 + x1) // 2, (y0 + y1) // 2), 0.6, (150, 150, 150), "center")
        cv2.rectangle(canvas, (x0, y0), (x1, y1), INK, 1)
        return canvas
    xs = [x for s in drawn for x in s.steps]
    ys = [y for s in drawn for y in s.values + (s.low or []) + (s.high or [])]
    xmin, xmax = min(xs), max(xs)
    if xmax == xmin:
        xmax = xmin + 1
    ymin, ymax = min(ys), max(ys)
    pad = (ymax - ymin) * 0.05 or abs(ymax) * 0.05 or 0.5
    ymin, ymax = ymin - pad, ymax + pad

    def to_px(x: float, y: float) -> tuple[int, int]:
        return (round(x0 + (x - xmin) / (xmax - xmin) * (x1 - x0)),
                round(y1 - (y - ymin) / (ymax - ymin) * (y1 - y0)))

    yticks = [t for t in nice_ticks(ymin, ymax) if ymin <= t <= ymax]
    xticks = [t for t in nice_ticks(xmin, xmax) if xmin <= t <= xmax]
    ystep = yticks[1] - yticks[0] if len(yticks) > 1 else 1.0
    xstep = xticks[1] - xticks[0] if len(xticks) > 1 else 1.0
    for t in yticks:
        _, py = to_px(xmin, t)
        cv2.line(canvas, (x0, py), (x1, py), GRID, 1)
        _text(canvas, _tick_text(t, ystep), (x0 - 6, py), anchor="right")
    for t in xticks:
        px, _ = to_px(t, ymin)
        cv2.line(canvas, (px, y0), (px, y1), GRID, 1)
        _text(canvas, _tick_text(t, xstep), (px, y1 + 12), anchor="center")
    cv2.rectangle(canvas, (x0, y0), (x1, y1), INK, 1)
    _text(canvas, panel.xlabel, ((x0 + x1) // 2, height - 12), 0.5, anchor="center")
    _vertical_text(canvas, panel.ylabel, (14, (y0 + y1) // 2))

    occupied = []
    for index, series in enumerate(drawn):
        color = series.color or PALETTE[index % len(PALETTE)]
        if series.low is not None and series.high is not None:
            upper = [to_px(x, y) for x, y in zip(series.steps, series.high, strict=True)]
            lower = [to_px(x, y) for x, y in zip(series.steps, series.low, strict=True)]
            band = canvas.copy()
            cv2.fillPoly(band, [np.array(upper + lower[::-1], np.int32)], color)
            canvas[:] = cv2.addWeighted(band, 0.18, canvas, 0.82, 0)
        points = np.array([to_px(x, y) for x, y in zip(series.steps, series.values, strict=True)], np.int32)
        # sampled along the segments too, so that the legend avoids lines as well as points
        fractions = np.linspace(0, 1, 16)[:, None, None]
        occupied.append((points[:-1] + fractions * (points[1:] - points[:-1])).reshape(-1, 2) if len(points) > 1
                        else points)
        cv2.polylines(canvas, [points], False, color, 2, cv2.LINE_AA)
        if len(points) <= 12:  # few points (evaluations): mark them
            for point in points:
                cv2.circle(canvas, tuple(int(v) for v in point), 3, color, -1, cv2.LINE_AA)
    _legend(canvas, drawn, (x0, y0, x1, y1), np.concatenate(occupied))
    return canvas


def _legend(canvas: np.ndarray, series: Sequence[Series], box: tuple[int, int, int, int],
            points: np.ndarray) -> None:
    """The legend in the plot corner that covers the fewest data points."""
    labels = [s.label for s in series]
    width = max(cv2.getTextSize(label, FONT, 0.42, 1)[0][0] for label in labels) + 40
    height = 18 * len(labels) + 6
    x0, y0, x1, y1 = box
    corners = [(x0 + 8, y0 + 8), (x1 - 8 - width, y0 + 8), (x0 + 8, y1 - 8 - height), (x1 - 8 - width, y1 - 8 - height)]

    def covered(corner: tuple[int, int]) -> int:
        cx, cy = corner
        inside = (points[:, 0] >= cx - 6) & (points[:, 0] <= cx + width + 6)
        return int((inside & (points[:, 1] >= cy - 6) & (points[:, 1] <= cy + height + 6)).sum())

    x, y = min(corners, key=covered)  # first corner wins ties: top left, as most charts put it
    box = canvas[y : y + height, x : x + width]
    box[:] = cv2.addWeighted(box, 0.25, np.full_like(box, 255), 0.75, 0)
    for index, s in enumerate(series):
        color = s.color or PALETTE[index % len(PALETTE)]
        cy = y + 12 + 18 * index
        cv2.line(canvas, (x + 6, cy), (x + 26, cy), color, 2, cv2.LINE_AA)
        _text(canvas, s.label, (x + 32, cy), 0.42)


def draw_chart(panels: Sequence[Panel], panel_width: int = 480, height: int = 360) -> np.ndarray:
    """Panels side by side in one RGB image."""
    if not panels:
        raise ValueError("a chart needs at least one panel")
    return np.concatenate([draw_panel(p, panel_width, height) for p in panels], axis=1)


def save_png(path: Path, rgb: np.ndarray) -> Path:
    """Write an RGB image as PNG (parent folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"{path}: PNG encoding failed")
    path.write_bytes(data.tobytes())
    return path


def plot_runs(run_dirs: Sequence[Path], metrics: Sequence[str], labels: Sequence[str] | None = None,
              panel_width: int = 480, height: int = 360) -> tuple[np.ndarray, list[Panel]]:
    """One panel per metric, one series per run (same colour for a run in every panel)."""
    labels = list(labels) if labels else [Path(r).name for r in run_dirs]
    panels = []
    for metric in metrics:
        _, _, title, ylabel = METRICS[metric]
        series = [run_series(r, metric, label) for r, label in zip(run_dirs, labels, strict=True)]
        for index, s in enumerate(series):
            s.color = PALETTE[index % len(PALETTE)]
        panels.append(Panel(title, ylabel, series))
    return draw_chart(panels, panel_width, height), panels
