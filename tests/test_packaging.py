"""Packaging: the wheel carries the bundled recipes and the license, its metadata declares what the code
imports (torch only as an extra, never pinned exactly), and the data half works without torch.

The full round trip (wheel into a fresh venv, demo build + verify from another folder) runs in .ci/run.
"""

from __future__ import annotations

import ast
import email
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from blocked_imports import run_python, run_uir

from uir_data import __version__

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
OWN = {"uir", "uir_data", "maskdcpt", "cli"}
# What a dataset builder does not install: the [train], [hub] and [ray] extras.
OPTIONAL = ["torch", "safetensors", "datasets", "huggingface_hub", "ray"]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(requirements: list[str]) -> set[str]:
    return {_normalise(re.match(r"[A-Za-z0-9_.-]+", spec).group(0)) for spec in requirements}


def _imports(package: str, top_level_only: bool) -> dict[str, set[str]]:
    """Top-level module name -> files of `package` importing it (module level only, if asked)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        nodes = tree.body if top_level_only else ast.walk(tree)
        for node in nodes:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.partition(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def _distributions(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    """Third-party distribution -> files importing it (stdlib and our own packages left out)."""
    by_module = packages_distributions()
    result: dict[str, set[str]] = {}
    for module, files in modules.items():
        if module in OWN or module in sys.stdlib_module_names or module == "__future__":
            continue
        for dist in by_module.get(module, [module]):
            result.setdefault(_normalise(dist), set()).update(files)
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (built,) = out.glob("uir-*.whl")
    return built


def test_wheel_carries_the_bundled_recipes_and_schema(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for recipe in sorted((ROOT / "manifests" / "recipes").glob("*.toml")):
            member = f"uir_data/manifests/recipes/{recipe.name}"
            assert member in names
            assert archive.read(member) == recipe.read_bytes()
        assert archive.read("uir_data/manifests/SCHEMA.md") == (ROOT / "manifests" / "SCHEMA.md").read_bytes()
        assert "uir/__main__.py" in names


def test_wheel_metadata_license_and_dependencies(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(archive.read(metadata_name))
        license_name = metadata_name.replace("METADATA", "licenses/LICENSE")
        assert archive.read(license_name) == (ROOT / "LICENSE").read_bytes()
    assert metadata["License-Expression"] == "Apache-2.0"
    assert any(c.startswith("Programming Language :: Python :: 3.11") for c in metadata.get_all("Classifier"))
    requires = metadata.get_all("Requires-Dist")
    core = [r for r in requires if "extra ==" not in r]
    assert not _requirement_names(core) & {_normalise(n) for n in OPTIONAL}, core
    torch = [r for r in requires if r.startswith("torch")]
    assert torch and all("extra == \"train\"" in r and "==" not in r.split(";")[0] for r in torch), torch


def test_license_is_the_apache_2_text():
    text = (ROOT / "LICENSE").read_text()
    assert text.strip().startswith("Apache License\n                           Version 2.0, January 2004")
    assert "END OF TERMS AND CONDITIONS" in text and "9. Accepting Warranty or Additional Liability." in text
    assert PYPROJECT["project"]["license"] == "Apache-2.0"


def test_citation_file_names_the_paper():
    import yaml

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    paper = citation["preferred-citation"]
    assert paper["title"] == "Universal Image Restoration Pre-training via Masked Degradation Classification"
    assert [a["family-names"] for a in paper["authors"]] == ["Hu", "Yao", "Jin", "Chen", "Lu"]
    assert paper["identifiers"][0]["value"] == "arXiv:2510.13282"
    assert citation["version"] == __version__



def test_every_import_is_declared():
    project = PYPROJECT["project"]
    core = _requirement_names(project["dependencies"])
    extras = {name: _requirement_names(specs) for name, specs in project["optional-dependencies"].items()}
    everything = core | extras["train"] | extras["hub"] | extras["ray"] | extras["tensorboard"]
    imported = _distributions({k: v for p in sorted(OWN) for k, v in _imports(p, top_level_only=False).items()})
    undeclared = {dist: sorted(files) for dist, files in imported.items() if dist not in everything}
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


@pytest.mark.parametrize("package", ["uir_data", "cli"])
def test_module_level_imports_of_the_data_half_are_core(package: str):
    core = _requirement_names(PYPROJECT["project"]["dependencies"])
    imported = _distributions(_imports(package, top_level_only=True))
    assert {dist: sorted(files) for dist, files in imported.items() if dist not in core} == {}


def test_uir_data_imports_without_torch(tmp_path: Path):
    code = (
        "import importlib, pkgutil, uir_data, cli.main\n"
        "names = [m.name for m in pkgutil.walk_packages(uir_data.__path__, 'uir_data.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(len(names), 'torch' in sys.modules)\n"
    )
    done = run_python(code, OPTIONAL, tmp_path)
    assert done.returncode == 0, done.stderr
    count, torch_loaded = done.stdout.split()
    assert int(count) > 20 and torch_loaded == "False"


def test_data_commands_work_without_torch(tmp_path: Path):
    built = run_uir(["build-dataset", "--out", "ds", "--types", "GN,J", "--limit", "3", "--json"], OPTIONAL, tmp_path)
    assert built.returncode == 0, built.stderr
    assert len(list((tmp_path / "ds").rglob("*.parquet"))) >= 1
    verified = run_uir(["verify-manifest", "ds"], OPTIONAL, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    listed = run_uir(["degradations", "--json"], OPTIONAL, tmp_path)
    assert listed.returncode == 0 and '"total_levels"' in listed.stdout
