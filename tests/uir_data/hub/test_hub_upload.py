"""Upload against a loopback stand-in of the Hub: data then card, resume, stale files, licenses, errors, dry run."""

from __future__ import annotations

import json
from pathlib import Path

import hub_standin
import pytest
from tiny_dataset import make_tiny_dataset

from uir_data.hub.export import export_dataset
from uir_data.hub.upload import (
    HubAuthError,
    HubError,
    HubNotFoundError,
    HubPermissionError,
    HubRateLimitError,
    RestrictedLicenseError,
    export_files,
    plan_upload,
    upload_export,
)

TOKEN = "hf_standin_secret_token_123"
FINAL = ["README.md", "uir-export.json"]


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("upload")
    root = make_tiny_dataset(base / "tiny")
    export_dataset(root, base / "out", shard_size="12KB")  # 9 shards, 2 examples, LICENSE.md, README, record
    return base / "out"


@pytest.fixture
def hub(monkeypatch):
    with hub_standin.serving(monkeypatch) as state:
        yield state


def _auth(headers: dict[str, str]) -> str | None:
    return {key.lower(): value for key, value in headers.items()}.get("authorization")


def _local_content(export_dir: Path) -> dict[str, bytes]:
    return {f.path: f.local.read_bytes() for f in export_files(export_dir)}


def _remote_content(hub, branch: str = "main") -> dict[str, bytes]:
    return {k: v for k, v in hub.tree("someone/tiny", branch).items() if k != ".gitattributes"}


def test_upload_creates_the_repo_sends_the_data_then_the_card_last(export_dir, hub):
    result = upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url, private=True)
    assert hub.created == [{"name": "tiny", "organization": "someone", "visibility": "private", "type": "dataset"}]
    local = _local_content(export_dir)
    assert _remote_content(hub) == local and len(local) == 14
    assert [sorted(c["added"]) for c in hub.commits] == [sorted(set(local) - set(FINAL)), FINAL]
    assert all("recipe tiny" in c["summary"] and "0123456789abcdef" in c["summary"] for c in hub.commits)
    assert len(result.commit_urls) == 2 and result.deleted == []
    lfs_files = [p for p in local if p.endswith((".parquet", ".jpg"))]
    assert sorted(hub.lfs_puts) == sorted(set(hub.lfs_puts)) and len(hub.lfs_puts) == len(lfs_files) == 11
    auth = {_auth(headers) for _, path, headers in hub.requests if path.startswith("/api/datasets/")}
    assert auth == {f"Bearer {TOKEN}"}


def test_rerun_after_a_failed_last_commit_sends_only_the_card(export_dir, hub):
    failure = hub_standin.Failure("POST", r"/commit/main$", 500, times=0)
    hub.failures.append(failure)

    def arm(done: int, total: int) -> None:
        failure.times = 1  # the data went in; the card's commit fails, as if the connection dropped

    with pytest.raises(HubError, match="HTTP 500 .*rerun the same command to resume"):
        upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url, progress=arm)
    assert len(hub.commits) == 1 and "README.md" not in hub.tree("someone/tiny")

    hub.lfs_puts.clear()
    result = upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url)
    assert [c["added"] for c in hub.commits[1:]] == [FINAL]  # the library skipped the data the repo holds
    assert hub.lfs_puts == [] and len(result.commit_urls) == 1
    assert _remote_content(hub) == _local_content(export_dir)

    again = upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url)
    assert again.commit_urls == [] and len(hub.commits) == 2 and hub.lfs_puts == []


def test_ctrl_c_between_the_steps_keeps_the_data_and_never_a_half_commit(export_dir, hub):
    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url, progress=stop)
    assert len(hub.commits) == 1
    assert sorted(hub.tree("someone/tiny")) == sorted([".gitattributes", *hub.commits[0]["added"]])
    upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url)
    assert _remote_content(hub) == _local_content(export_dir)


def test_stale_files_of_an_earlier_export_are_deleted_in_the_last_commit(export_dir, hub):
    upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url)
    tree = hub.tree("someone/tiny")
    tree["GN/train-00000-of-00003.parquet"] = b"old export"
    tree["data/train-GN-00000-of-00003.parquet"] = b"older layout"
    tree["notes/keep.txt"] = b"someone else's file"
    result = upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url)
    stale = ["GN/train-00000-of-00003.parquet", "data/train-GN-00000-of-00003.parquet"]
    assert result.deleted == sorted(stale)
    assert hub.commits[-1]["deleted"] == sorted(stale) and hub.commits[-1]["added"] == []
    assert "notes/keep.txt" in tree and ".gitattributes" in tree


def test_revision_creates_the_branch_and_commits_there(export_dir, hub):
    upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url, revision="v1")
    assert set(hub.repos["someone/tiny"]) == {"main", "v1"}
    assert "README.md" in hub.tree("someone/tiny", "v1") and "README.md" not in hub.tree("someone/tiny", "main")
    assert {c["branch"] for c in hub.commits} == {"v1"}


def test_restricted_licenses_are_refused_before_any_request_unless_allowed(tmp_path, hub):
    root = make_tiny_dataset(tmp_path / "tiny", license_text="unstated (the authors give no license)")
    export_dataset(root, tmp_path / "out")
    plan = plan_upload(tmp_path / "out", "someone/tiny")
    assert [(e.source, e.restriction, e.pairs) for e in plan.restricted] == [("tiny", "no license stated", 12)]
    with pytest.raises(RestrictedLicenseError) as caught:
        upload_export(tmp_path / "out", "someone/tiny", token=TOKEN, endpoint=hub.url)
    assert str(caught.value) == (
        "12 pairs come from sources whose license may forbid redistributing them (tiny: unstated (the authors "
        "give no license) (no license stated, 12 pairs)); check each source's terms, then pass "
        "--allow-restricted-licenses if you may publish them, or build without those sources"
    )
    assert hub.requests == []
    upload_export(tmp_path / "out", "someone/tiny", token=TOKEN, endpoint=hub.url, allow_restricted_licenses=True)
    assert "README.md" in hub.tree("someone/tiny")


@pytest.mark.parametrize(
    ("status", "pattern", "error", "words"),
    [
        (401, r"/api/", HubAuthError, "rejected the token (HTTP 401)"),
        (403, r"/api/", HubPermissionError, "may not write to dataset repo someone/tiny (HTTP 403)"),
        (404, r"/revision/", HubNotFoundError, "someone/tiny at revision main was not found"),
        (429, r"/api/repos/create", HubRateLimitError, "rate-limiting this account (HTTP 429)"),
    ],
)
def test_hub_errors_become_one_sentence_without_the_token(export_dir, hub, status, pattern, error, words):
    hub.failures.append(hub_standin.Failure("POST" if "create" in pattern else "GET", pattern, status, times=-1))
    if status in (401, 403):
        hub.failures.append(hub_standin.Failure("POST", pattern, status, times=-1))
    with pytest.raises(error) as caught:
        upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url)
    message = str(caught.value)
    assert words in message and TOKEN not in message and "\n" not in message
    assert hub.commits == []


def test_no_token_fails_before_any_request(export_dir, hub, monkeypatch):
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(export_dir / "no-token-here"))
    with pytest.raises(HubAuthError, match="no Hub token found: pass --token, set HF_TOKEN"):
        upload_export(export_dir, "someone/tiny", endpoint=hub.url)
    assert hub.requests == []


def test_hf_token_environment_variable_is_used(export_dir, hub, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    upload_export(export_dir, "someone/tiny", endpoint=hub.url)
    assert {_auth(h) for _, path, h in hub.requests if path.startswith("/api/datasets/")} == {f"Bearer {TOKEN}"}


def test_plan_makes_no_request_and_lists_every_file_card_last(export_dir, hub):
    plan = plan_upload(export_dir, "someone/tiny")
    assert hub.requests == []
    assert [f.path for f in plan.final] == FINAL and len(plan.data) == 12
    assert {f.path for f in plan.files} == set(_local_content(export_dir))
    assert plan.bytes_to_send == sum(len(v) for v in _local_content(export_dir).values())
    assert json.loads(json.dumps(plan.to_dict()))["files"] == 14


def test_changed_export_is_refused_before_upload(tmp_path, hub):
    root = make_tiny_dataset(tmp_path / "tiny")
    out = tmp_path / "out"
    export_dataset(root, out)
    (out / "J" / "validation-00000-of-00001.parquet").write_bytes(b"truncated")
    with pytest.raises(HubError, match="export record says .* bytes; the export changed after it was written"):
        upload_export(out, "someone/tiny", token=TOKEN, endpoint=hub.url)
    assert hub.requests == []
