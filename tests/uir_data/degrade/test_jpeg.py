"""J: codec boundary (RGB<->BGR), quality, subsampling, grid offset and recorded backend."""

from __future__ import annotations

import cv2
import numpy as np

from uir_data.degrade.kernels.jpeg_codec import encode_jpeg, jpeg_roundtrip_uint8
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

J = get_degradation("J")


def test_pure_red_stays_red():
    red = np.zeros((48, 48, 3), np.uint8)
    red[..., 0] = 255
    for level in range(len(J.levels)):
        out = J.apply(red, J.sample(make_rng(level), level, 48, 48))
        mean = out.reshape(-1, 3).mean(axis=0)
        assert mean[0] > 200 and mean[1] < 60 and mean[2] < 60, (level, mean)


def test_file_size_shrinks_with_quality(bundled_photos):
    sizes = [len(encode_jpeg(bundled_photos[0], lv.params["quality"])) for lv in J.levels]
    assert sizes == sorted(sizes, reverse=True)


def test_params_record_backend_and_version():
    params = J.sample(make_rng(0), 3, 64, 64)  # q70
    assert params["backend"] == "opencv" and params["opencv"] == cv2.__version__
    assert params["subsampling"] == "420" and isinstance(params["quality"], int)
    assert all(0 <= v < 8 for v in params["grid_offset"])


def test_444_keeps_more_chroma_than_420(bundled_photos):
    photo = bundled_photos[1]
    error = {s: np.abs(jpeg_roundtrip_uint8(photo, 90, s).astype(int) - photo).mean() for s in ("420", "444")}
    assert error["444"] < error["420"]


def test_grid_offset_moves_the_block_grid():
    ramp = np.tile(np.linspace(0, 255, 64, dtype=np.float32), (64, 1))
    image = np.dstack([ramp, ramp.T, 255 - ramp]).astype(np.uint8)
    aligned = jpeg_roundtrip_uint8(image, 10)
    shifted = jpeg_roundtrip_uint8(image, 10, grid_offset=(3, 5))
    assert shifted.shape == image.shape and not np.array_equal(aligned, shifted)
    # Blocking shows as steps at block borders: column 8 in the aligned grid, column 3 in the shifted one.
    step = lambda img, col: np.abs(img[:, col].astype(int) - img[:, col - 1]).mean()  # noqa: E731
    assert step(aligned, 8) > step(aligned, 3) and step(shifted, 3) > step(shifted, 8)


def test_q50_is_the_benchmark_protocol_on_every_sample(bundled_photos):
    # CBSD68/Kodak/McMaster/Urban100 q=50: OpenCV imencode of the whole image, block grid at the top-left.
    level = next(i for i, lv in enumerate(J.levels) if lv.name == "q50")
    photo = bundled_photos[2]
    bgr = np.ascontiguousarray(photo[..., ::-1])
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 50])
    expected = cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1]
    for seed in range(10):
        params = J.sample(make_rng(seed), level, *photo.shape[:2])
        assert params["grid_offset"] == [0, 0]
        assert np.array_equal(J.apply(photo, params), expected), seed


def test_other_levels_shift_the_grid_at_random():
    offsets = {tuple(J.sample(make_rng(seed), 7, 64, 64)["grid_offset"]) for seed in range(20)}  # q30
    assert len(offsets) > 5


def test_direct_rgb_decode_gives_the_bytes_of_bgr_decode_and_swap(bundled_photos):
    # The fast path decodes straight to RGB; the bytes must be those of OpenCV's BGR decode + channel swap.
    for photo in bundled_photos:
        for quality in (95, 50, 5):
            for subsampling in ("420", "444"):
                for offset in ((0, 0), (3, 5)):
                    fast = jpeg_roundtrip_uint8(photo, quality, subsampling, offset)
                    dy, dx = offset
                    padded = cv2.copyMakeBorder(photo, dy, 0, dx, 0, cv2.BORDER_REFLECT_101)
                    flags = [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                             {"420": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
                              "444": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444}[subsampling]]
                    ok, data = cv2.imencode(".jpg", np.ascontiguousarray(padded[..., ::-1]), flags)
                    slow = cv2.imdecode(data, cv2.IMREAD_COLOR)[dy:, dx:, ::-1]
                    assert np.array_equal(fast, slow), (photo.shape, quality, subsampling, offset)


def test_shifted_bgr_is_the_reflect_padded_image_swapped():
    from uir_data.degrade.kernels.jpeg_codec import _shifted_bgr

    rng = np.random.default_rng(0)
    for shape in ((64, 80), (9, 9), (2, 3), (1, 9), (8, 5), (3, 1), (1, 1), (2, 2)):
        image = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
        for dy in range(8):
            for dx in range(8):
                padded = (cv2.copyMakeBorder(image, dy, 0, dx, 0, cv2.BORDER_REFLECT_101) if min(shape) > 1
                          else np.pad(image, ((dy, 0), (dx, 0), (0, 0)), mode="edge"))
                assert np.array_equal(_shifted_bgr(image, dy, dx), padded[..., ::-1]), (shape, dy, dx)


def test_default_subsampling_writes_the_bytes_of_the_explicit_420_flag(bundled_photos):
    # 4:2:0 is passed as OpenCV's default (no sampling option); the file must be the one the explicit flag makes.
    photo = bundled_photos[0]
    for quality in (90, 30):
        explicit = cv2.imencode(".jpg", cv2.cvtColor(photo, cv2.COLOR_RGB2BGR),
                                [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                                 cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420])[1].tobytes()
        assert encode_jpeg(photo, quality, "420") == explicit, quality
        assert encode_jpeg(photo, quality, "444") != explicit, quality


def test_grid_offset_draws_equal_the_array_draw_they_replace():
    # sample_jpeg draws the offset as two scalars; the bytes of every recorded pair rely on them equalling
    # rng.integers(0, 8, size=2), also after an odd number of earlier 32-bit draws.
    from uir_data.degrade.types.jpeg import sample_jpeg

    for seed in range(200):
        ours, reference = make_rng(seed), make_rng(seed)
        for _ in range(seed % 3):
            ours.integers(0, 5)
            reference.integers(0, 5)
        assert sample_jpeg(ours, 30)["grid_offset"] == reference.integers(0, 8, size=2).tolist(), seed
        assert ours.random() == reference.random(), seed
