"""Equal-work floors for bench.degradations: each type's computation written plainly in NumPy/OpenCV.

A floor takes the uint8 image and the params our type sampled (so it does the same amount of work: the same
kernel sizes, layers, drops, qualities) and computes the pair the obvious way: float32 throughout, the sRGB
transfer functions by `np.power`, NumPy's own samplers, one dense OpenCV call per filtering step. Where the
floor reuses a generator of ours (there is no plain equivalent of it), or does less or more than we do,
`DIFFERS[type]` says so in one line. Like a build, every floor pair starts from a fresh seeded generator
that draws the pair's few random parameters (`plain_pair`); ours makes its generator with uir's seeding.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from uir_data.degrade.kernels.blur_kernels import build_kernel
from uir_data.degrade.kernels.defocus import disk_kernel
from uir_data.degrade.kernels.depth_prior import content_depth
from uir_data.degrade.kernels.haze import low_frequency_field
from uir_data.degrade.kernels.motion import motion_kernel, shake_kernel
from uir_data.degrade.kernels.snow import moving_flake_kernel

DIFFERS = {
    "GN": "same noise models; floor draws NumPy's ziggurat normals and exact Poisson (ours: quantile tables)",
    "RN": "same unprocess/mosaic/noise/demosaic/process chain, twice (residual); floor mixes colours by matmul",
    "MB": "same PSF and linear light; floor filters a dense 2-D float kernel (ours too) and converts by pow",
    "DB": "same pillbox PSF in linear light; floor converts sRGB<->linear by pow (ours: tables)",
    "GB": "same kernel and domain; floor: cv2.GaussianBlur / filter2D on float32",
    "J": "same libjpeg-turbo q, 4:2:0 and grid offset; floor stays uint8 with cvtColor",
    "H": "floor reuses our depth prior and fog field (no plain equivalent) and scatters in plain float",
    "RS": "floor smears seeds with a dense rotated line kernel (filter2D/DFT); ours: rotated running sums",
    "RD": "same drop model per window (outline, lens map, rim, glint), remap and blurs; floor gets the drop list free",
    "RSD": "RS floor + RD floor",
    "S": "same flake footprints by filter2D; floor draws seeds per pixel (ours: binomial count + scatter)",
    "MS": "same CFA, noise and 16-bit edge-aware demosaic",
    "LL": "same exposure model; floor: NumPy's exact Poisson and ziggurat normals, no light-source test",
    "MR": "same harmonics evaluated with one cos per harmonic and stripe (ours: angle-addition recurrence)",
    "BJ": "GB floor then J floor",
    "BR": "floor: dense disk filter2D, then the RD floor's drops; no light-source test",
    "BLN": "MB floor then LL floor",
    "LHRS": "RS + S + H floors, then the LL floor",
    "DNBJ": "the same recorded op chain with plain cv2 calls (filter2D, resize, imencode) and NumPy noise",
}

SUBSAMPLING = [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420]
RESIZE_FLAGS = {"area": cv2.INTER_AREA, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}


def plain_pair(floor: Any, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """One floor pair as a build would make it: a fresh seeded generator draws the parameters, then the work."""
    np.random.default_rng(params.get("seed", 0)).random(4)
    return floor(image, params)


def to_float(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float32) / np.float32(255.0)


def to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image * np.float32(255.0)), 0, 255).astype(np.uint8)


def to_linear(image: np.ndarray) -> np.ndarray:
    x = to_float(image)
    return np.where(x <= 0.04045, x / np.float32(12.92), ((x + np.float32(0.055)) / np.float32(1.055)) ** 2.4)


def to_srgb8(linear: np.ndarray) -> np.ndarray:
    x = np.clip(linear, 0.0, 1.0).astype(np.float32)
    return to_uint8(np.where(x <= 0.0031308, x * np.float32(12.92), np.float32(1.055) * x ** (1 / 2.4) - 0.055))


def rng_of(params: dict[str, Any]) -> np.random.Generator:
    return np.random.default_rng(int(params.get("seed", 0)))


def filter_dense(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return cv2.filter2D(image, cv2.CV_32F, np.ascontiguousarray(kernel[::-1, ::-1]), borderType=cv2.BORDER_REFLECT_101)


def jpeg_uint8(image: np.ndarray, quality: int) -> np.ndarray:
    _, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality), *SUBSAMPLING])
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def exposure_noise(linear: np.ndarray, exposure: float, photons: float, read_noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    electrons = np.clip(linear, 0, None) * np.float32(exposure * photons)
    counts = rng.poisson(electrons).astype(np.float32) + rng.standard_normal(linear.shape, dtype=np.float32) * np.float32(read_noise)
    return counts / np.float32(photons)


def gn(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    rng = rng_of(p)
    if p["kind"] == "gaussian":
        return to_uint8(to_float(image) + rng.standard_normal(image.shape, dtype=np.float32) * np.float32(p["sigma_8bit"] / 255))
    if p["kind"] == "poisson":
        return to_srgb8(rng.poisson(to_linear(image) * p["photons"]).astype(np.float32) / np.float32(p["photons"]))
    draw = rng.random(image.shape if p["per_channel"] else image.shape[:2], dtype=np.float32)
    out = image.copy()
    out[draw < p["amount"]] = 0
    out[draw < p["amount"] * p["salt_ratio"]] = 255
    return out


def motion_psf(p: dict[str, Any]) -> np.ndarray:
    if p["kernel"] == "linear":
        return motion_kernel(p["length_px"], p["angle_deg"])
    return shake_kernel(p["length_px"], p["seed"])


def mb(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return to_srgb8(filter_dense(to_linear(image), motion_psf(p)))


def db(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return to_srgb8(filter_dense(to_linear(image), disk_kernel(p["radius_px"])))


def blur_srgb(image: np.ndarray, spec: dict[str, Any]) -> np.ndarray:
    x = to_float(image)
    if spec["shape"] == "iso":
        return cv2.GaussianBlur(x, (spec["size"], spec["size"]), spec["sigma_x"], borderType=cv2.BORDER_REFLECT_101)
    return filter_dense(x, build_kernel(spec))


def gb(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    if p["domain"] == "linear":
        return to_srgb8(filter_dense(to_linear(image), build_kernel(p["kernel"])))
    return to_uint8(blur_srgb(image, p["kernel"]))


def j(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    dy, dx = p["grid_offset"]
    if dy or dx:
        return jpeg_uint8(cv2.copyMakeBorder(image, dy, 0, dx, 0, cv2.BORDER_REFLECT_101), p["quality"])[dy:, dx:]
    return jpeg_uint8(image, p["quality"])


def bj(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    blur, jpeg = p["ops"]
    return j(to_uint8(blur_srgb(image, blur["kernel"])), jpeg)


def ll(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return to_srgb8(exposure_noise(to_linear(image), p["exposure"], p["photons"], p["read_noise"], p["seed"]))


def bln(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    blur, dark, noise = p["ops"]
    blurred = filter_dense(to_linear(image), motion_psf(blur))
    return to_srgb8(exposure_noise(blurred, dark["exposure"], noise["photons"], noise["read_noise"], noise["seed"]))


def ms(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    x = to_float(image)
    channels = {"R": 0, "G": 1, "B": 2}
    cfa = np.empty(x.shape[:2], np.float32)
    for i, letter in enumerate(p["pattern"]):
        cfa[i // 2 :: 2, i % 2 :: 2] = x[i // 2 :: 2, i % 2 :: 2, channels[letter]]
    if p["noise_sigma_8bit"]:
        cfa += rng_of(p).standard_normal(cfa.shape, dtype=np.float32) * np.float32(p["noise_sigma_8bit"] / 255)
    raw = np.rint(np.clip(cfa, 0, 1) * 65535).astype(np.uint16)
    code = getattr(cv2, f"COLOR_Bayer{p['pattern']}2RGB_EA")
    return to_uint8(cv2.cvtColor(raw, code).astype(np.float32) / np.float32(65535))


def rn(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    from uir_data.degrade.kernels.camera_isp import rgb_to_camera_matrix, white_balance_gains

    x = to_float(image)
    matrix = rgb_to_camera_matrix(p["ccm_weights"]).astype(np.float32)
    gains = np.asarray(white_balance_gains(p["rgb_gain"], p["red_gain"], p["blue_gain"]), np.float32)
    untoned = np.float32(0.5) - np.sin(np.arcsin(np.float32(1) - np.float32(2) * x) / np.float32(3))
    camera = (np.maximum(untoned, 1e-8) ** 2.2 @ matrix.T) / gains
    channels = {"R": 0, "G": 1, "B": 2}
    code = getattr(cv2, f"COLOR_Bayer{p['pattern']}2RGB")
    cfa = np.empty(x.shape[:2], np.float32)
    for i, letter in enumerate(p["pattern"]):
        cfa[i // 2 :: 2, i % 2 :: 2] = camera[i // 2 :: 2, i % 2 :: 2, channels[letter]]
    noisy = cfa + np.sqrt(np.maximum(cfa, 0) * p["shot"] + p["read"]) * rng_of(p).standard_normal(cfa.shape, dtype=np.float32)
    inverse = np.linalg.inv(matrix).T.astype(np.float32)
    outputs = []
    for raw in (noisy, cfa):
        rgb = cv2.cvtColor(np.rint(np.clip(raw, 0, 1) * 65535).astype(np.uint16), code).astype(np.float32) / 65535
        toned = np.maximum(np.clip((rgb * gains) @ inverse, 0, 1), 1e-8) ** (1 / 2.2)
        outputs.append(toned * toned * (np.float32(3) - np.float32(2) * toned))
    return to_uint8(x + outputs[0] - outputs[1])


def haze_scatter(image_float: np.ndarray, guide: np.ndarray, p: dict[str, Any], airlight: np.ndarray) -> np.ndarray:
    height, width = guide.shape[:2]
    near = p["depth"]["near"]
    depth = near + (1 - near) * content_depth(guide, tuple(p["depth"]["weights"]))
    field = low_frequency_field(height, width, max(p["patch_px"], 2.0), p["seed"])
    transmission = np.exp(-p["beta"] * depth * np.maximum(1 + p["heterogeneity"] * field, 0)).astype(np.float32)[..., None]
    return image_float * transmission + airlight * (1 - transmission)


def h(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    x = to_float(image)
    return to_uint8(haze_scatter(x, x, p, np.asarray(p["airlight"], np.float32)))


def radiance_of(linear: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    height, width = linear.shape[:2]
    cell = p["radiance"]["cell_px"]
    small = cv2.resize(linear, (max(1, round(width / cell)), max(1, round(height / cell))), interpolation=cv2.INTER_AREA)
    environment = 0.5 * small + 0.5 * small.mean(axis=(0, 1))
    grey = environment.mean(axis=2, keepdims=True)
    small = np.clip(p["radiance"]["lift"] + p["radiance"]["gain"] * (0.3 * environment + 0.7 * grey), 0, 1)
    return cv2.resize(small.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


def veil(linear: np.ndarray, p: dict[str, Any], radiance: np.ndarray) -> np.ndarray:
    if not p.get("veil"):
        return linear
    v = p["veil"]
    field = low_frequency_field(*linear.shape[:2], max(v["patch_px"], 2.0), v["seed"])
    transmission = np.exp(math.log(v["transmission"]) * np.maximum(1 + v["heterogeneity"] * field, 0))[..., None]
    return linear * transmission + radiance.mean(axis=(0, 1)) * (1 - transmission)


def seeds_layer(shape: tuple[int, int], density: float, seed: int, low: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    draw = rng.random(shape, dtype=np.float32)
    return np.where(draw < density, rng.uniform(low, 1.0, shape).astype(np.float32), np.float32(0))


def rain_linear(linear: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    radiance = radiance_of(linear, p)
    linear = veil(linear, p, radiance)
    for layer in p["layers"]:
        line = motion_kernel(layer["length_px"], 90.0 - p["angle_deg"]) * np.float32(layer["length_px"])
        if layer["width_px"] > 1:
            line = cv2.GaussianBlur(line, (0, 0), layer["width_px"] / 2.3548)
        streaks = filter_dense(seeds_layer(linear.shape[:2], layer["density"], layer["seed"], 0.35), line)
        if layer["blur_px"] > 0:
            streaks = cv2.GaussianBlur(streaks, (0, 0), layer["blur_px"])
        alpha = (np.clip(streaks, 0, 1) * layer["opacity"])[..., None]
        linear = linear * (1 - alpha) + radiance * alpha
    return linear


def snow_linear(linear: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    radiance = radiance_of(linear, p)
    linear = veil(linear, p, radiance)
    for layer in p["layers"]:
        kernel = moving_flake_kernel(layer["radius_px"], layer["motion_px"], layer["angle_deg"])
        flakes = filter_dense(seeds_layer(linear.shape[:2], layer["density"], layer["seed"], 0.75), kernel)
        if layer["blur_px"] > 0:
            flakes = cv2.GaussianBlur(flakes, (0, 0), layer["blur_px"])
        alpha = (np.clip(flakes, 0, 1) * layer["opacity"])[..., None]
        linear = linear * (1 - alpha) + radiance * alpha
    return linear


def drops_linear(linear: np.ndarray, p: dict[str, Any], seen: np.ndarray | None = None) -> np.ndarray:
    height, width = linear.shape[:2]
    map_x, map_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    alpha = np.zeros((height, width), np.float32)
    shade = np.ones((height, width), np.float32)
    glint = np.zeros((height, width), np.float32)
    for x, y, radius, sag, magnification, wobble2, phase2, wobble3, phase3 in p["drops"]:
        reach = radius * (1 + abs(wobble2) + abs(wobble3))
        x0, x1 = max(int(x - reach) - 1, 0), min(int(x + reach) + 2, width)
        y0, y1 = max(int(y - reach) - 1, 0), min(int(y + reach * sag) + 2, height)
        if x0 >= x1 or y0 >= y1:
            continue
        window = (slice(y0, y1), slice(x0, x1))
        dx = np.arange(x0, x1, dtype=np.float32)[None, :] - x
        dy = np.arange(y0, y1, dtype=np.float32)[:, None] - y
        u, v = dx / radius + 0 * dy, np.where(dy < 0, dy / radius, dy / (radius * sag)) + 0 * dx
        angle = np.arctan2(v, u)
        outline = 1 + wobble2 * np.cos(2 * angle + phase2) + wobble3 * np.cos(3 * angle + phase3)
        u, v = u / outline, v / outline
        rho = np.sqrt(u * u + v * v)
        edge = np.clip((1 - rho) / max(p["edge_softness"], 1 / radius), 0, 1)
        coverage = edge * edge * (3 - 2 * edge)
        inside = coverage > 0
        stretch = -radius * magnification * (1 + 0.35 * (u * u + v * v))
        map_x[window] = np.where(inside, x + u * stretch, map_x[window])
        map_y[window] = np.where(inside, y + v * stretch, map_y[window])
        rim = np.clip((rho - 0.6) / 0.4, 0, 1)
        shade[window] = np.where(inside, 1 - p["edge_darkening"] * rim * rim * (3 - 2 * rim), shade[window])
        alpha[window] = np.maximum(alpha[window], coverage)
        spot = np.exp(-((u + 0.35) ** 2 + (v + 0.45) ** 2) / 0.08) * coverage
        glint[window] = np.where(inside, spot, glint[window])
    scene = cv2.GaussianBlur(linear if seen is None else seen, (0, 0), p["content_blur_px"])
    refracted = cv2.remap(scene, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    layer = (refracted * p["brightness"] + p["lift"]) * shade[..., None] + p["highlight"] * glint[..., None]
    premultiplied = layer * alpha[..., None]
    if p["focus_blur_px"] > 0:
        premultiplied = cv2.GaussianBlur(premultiplied, (0, 0), p["focus_blur_px"])
        alpha = cv2.GaussianBlur(alpha, (0, 0), p["focus_blur_px"])
    return linear * (1 - alpha[..., None]) + premultiplied


def rs(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return to_srgb8(rain_linear(to_linear(image), p))


def s(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return to_srgb8(snow_linear(to_linear(image), p))


def rd(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return to_srgb8(drops_linear(to_linear(image), p))


def rsd(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    return to_srgb8(drops_linear(rain_linear(to_linear(image), p["streaks"]), p["drops"]))


def br(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    scene = to_linear(image)
    defocused = filter_dense(scene, disk_kernel(p["background"]["radius_px"]))
    return to_srgb8(drops_linear(defocused, p["drops"], seen=scene))


def lhrs(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    linear = snow_linear(rain_linear(to_linear(image), p["rain"]), p["snow"])
    airlight = np.asarray(p["haze"]["airlight"], np.float32) ** 2.2
    linear = haze_scatter(linear, to_float(image), p["haze"], airlight)
    e = p["exposure"]
    return to_srgb8(exposure_noise(linear, e["exposure"], e["photons"], e["read_noise"], e["seed"]))


def mr(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    linear = cv2.GaussianBlur(to_linear(image), (0, 0), p["lens_sigma"])
    height, width = linear.shape[:2]
    theta = math.radians(p["angle_deg"])
    xs = np.arange(width, dtype=np.float32)[None, :] - (width - 1) / 2
    ys = np.arange(height, dtype=np.float32)[:, None] - (height - 1) / 2
    factor = 1 + p["distortion"] * (xs * xs + ys * ys) * 4 / (height * height + width * width)
    xs, ys = xs * factor, ys * factor
    u = (xs * math.cos(theta) + ys * math.sin(theta)) / p["pitch"] + p["phase"][0]
    v = (ys * math.cos(theta) - xs * math.sin(theta)) / p["pitch"] + p["phase"][1]
    sigma2 = p["aa_sigma"] ** 2 + 1 / 12

    def pulses(coordinate: np.ndarray, duty: float, centre: float) -> np.ndarray:
        train = np.full(coordinate.shape, duty, np.float32)
        for k in range(1, 4):
            gain = 2 * math.sin(math.pi * k * duty) / (math.pi * k) * math.exp(-2 * math.pi**2 * sigma2 * (k / p["pitch"]) ** 2)
            train += np.float32(gain) * np.cos(np.float32(2 * math.pi * k) * (coordinate - np.float32(centre)))
        return train

    rows = pulses(v, p["fill_y"], 0.5)
    duty = p["fill_x"] / 3
    masks = np.stack([pulses(u, duty, (c + 0.5) / 3) * rows for c in range(3)], axis=-1) / (duty * p["fill_y"])
    captured = linear * masks
    channels = {"R": 0, "G": 1, "B": 2}
    cfa = np.empty((height, width), np.float32)
    for i, letter in enumerate(p["cfa"]):
        cfa[i // 2 :: 2, i % 2 :: 2] = captured[i // 2 :: 2, i % 2 :: 2, channels[letter]]
    raw = np.rint(np.clip(cfa, 0, 1) * 65535).astype(np.uint16)
    rgb = cv2.cvtColor(raw, getattr(cv2, f"COLOR_Bayer{p['cfa']}2RGB")).astype(np.float32) / 65535
    tone = p["tone"]
    radius2 = (xs * xs + ys * ys) * 4 / (height * height + width * width)
    gains = np.float32(tone["exposure"]) * np.asarray(tone["channel_gains"], np.float32)
    shifted = rgb * gains * (1 - tone["vignette"] * radius2)[..., None]
    return to_srgb8(tone["black_level"] + (1 - tone["black_level"]) * shifted)


def dnbj(image: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    x = to_float(image)
    for op in p["ops"]:
        kind = op["op"]
        if kind == "GB":
            x = filter_dense(x, build_kernel(op["kernel"]))
        elif kind in ("DS", "US"):
            x = cv2.resize(x, (op["size"][1], op["size"][0]), interpolation=RESIZE_FLAGS[op["mode"]])
        elif kind == "J":
            x = to_float(j(to_uint8(x), op))
        elif op["kind"] == "gaussian":
            x = x + rng_of(op).standard_normal(x.shape, dtype=np.float32) * np.float32(op["sigma_8bit"] / 255)
        else:
            clipped = np.clip(x, 0, 1)
            noisy = rng_of(op).poisson(clipped * op["photons"]).astype(np.float32) / np.float32(op["photons"])
            x = x + np.float32(op["scale"]) * (noisy - clipped)
    return to_uint8(x)


FLOORS = {
    "GN": gn, "RN": rn, "MB": mb, "DB": db, "GB": gb, "J": j, "H": h, "RS": rs, "RD": rd, "RSD": rsd, "S": s,
    "MS": ms, "LL": ll, "MR": mr, "BJ": bj, "BR": br, "BLN": bln, "LHRS": lhrs, "DNBJ": dnbj,
}
