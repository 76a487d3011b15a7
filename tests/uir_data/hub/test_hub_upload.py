"""Upload against a loopback stand-in of the Hub: commits, resume after interruption, errors, dry run."""

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
    dry_run_plan,
    export_files,
    upload_export,
)

TOKEN = "hf_standin_secret_token_123"



standin = hub_standin


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("upload")
    root = make_tiny_dataset(base / "tiny")
    export_dataset(root, base / "out", shard_size="12KB")  # 9 shards + README + record
    return base / "out"


@pytest.fixture
def hub(monkeypatch):
    with standin.serving(monkeypatch) as state:
        yield state


def _auth(headers: dict[str, str]) -> str | None:
    return {key.lower(): value for key, value in headers.items()}.get("authorization")


def _local_content(export_dir: Path) -> dict[str, bytes]:
    return {f.path: f.local.read_bytes() for f in export_files(export_dir)}


def test_upload_creates_the_repo_and_commits_every_file_in_batches(export_dir, hub):
    result = upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url, private=True, batch_files=4)
    assert hub.created == [{"name": "tiny", "organization": "someone", "visibility": "private", "type": "dataset"}]
    tree = hub.tree("someone/tiny")
    assert {k: v for k, v in tree.items() if k != ".gitattributes"} == _local_content(export_dir)
    # 9 shards in batches of 4 -> 3 data commits, then the card + record.
    assert [len(c["added"]) for c in hub.commits] == [4, 4, 1, 2]
    assert hub.commits[-1]["added"] == ["README.md", "uir-export.json"]
    assert all("recipe tiny" in c["summary"] and "0123456789abcdef" in c["summary"] for c in hub.commits)
    assert len(result.commit_urls) == 4
    assert sorted(hub.lfs_puts) == sorted(set(hub.lfs_puts)) and len(hub.lfs_puts) == 9
    auth = {_auth(headers) for _, path, headers in hub.requests if path.startswith("/api/datasets/")}
    assert auth == {f"Bearer {TOKEN}"}


def test_rerun_after_an_interrupted_upload_sends_only_the_remainder(export_dir, hub):
    hub.failures.append(standin.Failure("POST", r"/commit/main$", 500, times=1))
    hub.failures[0].times = 0  # armed below, after the first commit went through
    commits_seen = []

    def arm(done: int, total: int) -> None:
        commits_seen.append(done)
        hub.failures[0].times = 1  # the next commit request fails, as if the connection dropped

    with pytest.raises(HubError, match="HTTP 500 .*rerun the same command to resume"):
        upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url, batch_files=4, progress=arm)
    assert len(hub.commits) == 1 and len(commits_seen) == 1
    committed = set(hub.commits[0]["added"])
    uploaded_first = list(hub.lfs_puts)  # commit 1's four shards + commit 2's four (sent, never committed)
    assert len(uploaded_first) == 8

    hub.lfs_puts.clear()
    before = len(hub.commits)
    result = upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url, batch_files=4)
    sent = {path for c in hub.commits[before:] for path in c["added"]}
    assert sent.isdisjoint(committed)
    assert sent == set(_local_content(export_dir)) - committed
    assert len(hub.lfs_puts) == 1  # only the 9th shard's bytes: the LFS store already had the other seven
    assert set(result.plan.unchanged) == committed
    tree = hub.tree("someone/tiny")
    assert {k: v for k, v in tree.items() if k != ".gitattributes"} == _local_content(export_dir)

    hub.lfs_puts.clear()
    before = len(hub.commits)
    again = upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url)
    assert again.plan.commits == [] and len(hub.commits) == before and hub.lfs_puts == []


def test_ctrl_c_between_commits_keeps_what_was_committed_and_nothing_half_made(export_dir, hub):
    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url, batch_files=4, progress=stop)
    assert len(hub.commits) == 1
    assert sorted(hub.tree("someone/tiny")) == sorted([".gitattributes", *hub.commits[0]["added"]])
    upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url, batch_files=4)
    assert {k: v for k, v in hub.tree("someone/tiny").items() if k != ".gitattributes"} == _local_content(export_dir)


def test_stale_remote_shards_are_deleted_in_the_final_commit(export_dir, hub, tmp_path):
    upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url)
    tree = hub.tree("someone/tiny")
    tree["data/train-GN-00000-of-00003.parquet"] = b"old export"
    tree["notes/keep.txt"] = b"someone else's file"
    result = upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url)
    assert result.plan.deletions == ["data/train-GN-00000-of-00003.parquet"]
    assert hub.commits[-1]["deleted"] == ["data/train-GN-00000-of-00003.parquet"]
    assert "notes/keep.txt" in tree and ".gitattributes" in tree


def test_revision_creates_the_branch_and_commits_there(export_dir, hub):
    upload_export(export_dir, "someone/tiny", token=TOKEN, endpoint=hub.url, revision="v1")
    assert set(hub.repos["someone/tiny"]) == {"main", "v1"}
    assert "README.md" in hub.tree("someone/tiny", "v1") and "README.md" not in hub.tree("someone/tiny", "main")
    assert {c["branch"] for c in hub.commits} == {"v1"}


@pytest.mark.parametrize(
    ("status", "pattern", "error", "words"),
    [
        (401, r"/api/", HubAuthError, "rejected the token (HTTP 401)"),
        (403, r"/api/", HubPermissionError, "may not write to dataset repo someone/tiny (HTTP 403)"),
        (404, r"/tree/", HubNotFoundError, "someone/tiny at revision main was not found"),
        (429, r"/api/repos/create", HubRateLimitError, "rate-limiting this account (HTTP 429)"),
    ],
)
def test_hub_errors_become_one_sentence_without_the_token(export_dir, hub, status, pattern, error, words):
    hub.failures.append(standin.Failure("POST" if "create" in pattern else "GET", pattern, status, times=-1))
    if status in (401, 403):
        hub.failures.append(standin.Failure("POST", pattern, status, times=-1))
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


def test_dry_run_plan_makes_no_request_and_lists_every_file(export_dir, hub):
    plan = dry_run_plan(export_dir, "someone/tiny", batch_files=4)
    assert hub.requests == []
    assert not plan.remote_checked
    assert [len(c) for c in plan.commits] == [4, 4, 1, 2]
    assert {f.path for f in plan.files} == set(_local_content(export_dir))
    assert plan.bytes_to_send == sum(len(v) for v in _local_content(export_dir).values())
    assert json.loads(json.dumps(plan.to_dict()))["files_to_send"] == 11


def test_changed_export_is_refused_before_upload(tmp_path, hub):
    root = make_tiny_dataset(tmp_path / "tiny")
    out = tmp_path / "out"
    export_dataset(root, out)
    (out / "data" / "val-J-00000-of-00001.parquet").write_bytes(b"truncated")
    with pytest.raises(HubError, match="export record says .* bytes; the export changed after it was written"):
        upload_export(out, "someone/tiny", token=TOKEN, endpoint=hub.url)
    assert hub.requests == []
