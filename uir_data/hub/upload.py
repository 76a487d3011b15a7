"""Upload an export folder to a Hub dataset repo, resumably, with huggingface_hub 2.x.

Resume works by comparison, not by local state: the remote tree (sizes, LFS sha256, git blob ids) is listed
first and only files that are missing or different are sent, in commits of at most `batch_files` files /
`batch_bytes` bytes, so everything committed before an interruption stays and a rerun sends the remainder.
Data shards go first; the card, the export record and the deletion of stale remote shards go in the last
commit, so the repo switches to the new export in one step. A commit is one request: an interruption
(Ctrl-C included) lands before or after it, never inside.

huggingface_hub reads HF_ENDPOINT at import time, so the endpoint is passed to HfApi explicitly. The token is
passed explicitly too and never appears in a message: errors are rebuilt from the HTTP status alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uir_data import ENGINE_VERSION
from uir_data.errors import UirError, UsageError
from uir_data.hub.export import read_export_record
from uir_data.hub.layout import ASSETS_DIR, CARD_NAME, DATA_DIR, EXPORT_MANIFEST

DEFAULT_ENDPOINT = "https://huggingface.co"
# datasets' push_to_hub commits 50 files at a time (UPLOADS_MAX_NUMBER_PER_COMMIT); the Hub advises 50-100
# files per commit (hub-docs storage-limits) because of its 60 s commit timeout.
DEFAULT_BATCH_FILES = 50
# Bounds the work an interruption can cost before the next commit lands (10 shards of 500 MB).
DEFAULT_BATCH_BYTES = 5 * 10**9
FINAL_FILES = (CARD_NAME, EXPORT_MANIFEST)
HASH_CHUNK = 8 * 2**20


class HubError(UirError):
    """An upload the Hub refused or could not take; the message is one sentence with the fix."""


class HubAuthError(HubError):
    """No token, or a token the Hub rejects (401)."""


class HubPermissionError(HubError):
    """The token may not write to this repo (403)."""


class HubNotFoundError(HubError):
    """The repo or revision does not exist for this token (404)."""


class HubRateLimitError(HubError):
    """The Hub is throttling this account (429)."""


class HubConnectionError(HubError):
    """The Hub could not be reached."""


@dataclass(frozen=True)
class LocalFile:
    path: str  # POSIX path in the repo
    bytes: int
    local: Path


@dataclass(frozen=True)
class RemoteFile:
    path: str
    bytes: int
    lfs_sha256: str | None  # the LFS oid (sha256 of the content) for LFS/Xet files
    blob_id: str  # git blob sha1, for regular files


@dataclass
class UploadPlan:
    repo_id: str
    revision: str
    commits: list[list[LocalFile]]  # data commits, then the final one (card + record + deletions)
    deletions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    remote_checked: bool = False  # False in a dry run: the plan assumes an empty repo

    @property
    def files(self) -> list[LocalFile]:
        return [f for commit in self.commits for f in commit]

    @property
    def bytes_to_send(self) -> int:
        return sum(f.bytes for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo_id": self.repo_id,
            "revision": self.revision,
            "remote_checked": self.remote_checked,
            "files_to_send": len(self.files),
            "bytes_to_send": self.bytes_to_send,
            "unchanged": len(self.unchanged),
            "deletions": self.deletions,
            "commits": [
                {"files": [f.path for f in commit], "bytes": sum(f.bytes for f in commit)} for commit in self.commits
            ],
        }


@dataclass
class UploadResult:
    plan: UploadPlan
    commit_urls: list[str]
    repo_url: str


def export_files(export_dir: Path, record: dict | None = None) -> list[LocalFile]:
    """The files of a complete export (its record lists them; the record itself comes last)."""
    export_dir = Path(export_dir)
    record = record if record is not None else read_export_record(export_dir)
    files = []
    for entry in record["files"]:
        local = export_dir / entry["path"]
        size = local.stat().st_size if local.is_file() else None
        if size != entry["bytes"]:
            raise HubError(
                f"{local}: {'missing' if size is None else f'{size} bytes'} but the export record says "
                f"{entry['bytes']} bytes; the export changed after it was written, export again"
            )
        files.append(LocalFile(entry["path"], size, local))
    record_path = export_dir / EXPORT_MANIFEST
    files.append(LocalFile(EXPORT_MANIFEST, record_path.stat().st_size, record_path))
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _git_blob_id(path: Path) -> str:
    """The git object id of a regular (non-LFS) file: sha1 over 'blob <size>\\0' + content."""
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_unchanged(local: LocalFile, remote: RemoteFile | None) -> bool:
    """Whether the remote already holds this exact content (hashes only when the sizes agree)."""
    if remote is None or remote.bytes != local.bytes:
        return False
    if remote.lfs_sha256 is not None:
        return _sha256(local.local) == remote.lfs_sha256
    return _git_blob_id(local.local) == remote.blob_id


def plan_upload(
    files: list[LocalFile],
    repo_id: str,
    revision: str,
    remote: dict[str, RemoteFile] | None,
    *,
    batch_files: int = DEFAULT_BATCH_FILES,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> UploadPlan:
    """Which files to send in which commits, and which stale remote shards to delete; remote None = unknown."""
    if batch_files < 1 or batch_bytes < 1:
        raise UsageError("upload batches need at least one file and one byte")
    known = remote or {}
    unchanged = {f.path for f in files if is_unchanged(f, known.get(f.path))}
    to_send = [f for f in files if f.path not in unchanged]
    data = [f for f in to_send if f.path not in FINAL_FILES]
    final = [f for f in to_send if f.path in FINAL_FILES]
    local_paths = {f.path for f in files}
    # Only our own layout is cleaned up: stale shards and assets, never files someone else put in the repo.
    deletions = sorted(
        p for p in known if p not in local_paths and p.startswith((f"{DATA_DIR}/", f"{ASSETS_DIR}/"))
    )
    commits: list[list[LocalFile]] = []
    for item in data:
        current = commits[-1] if commits else None
        if current is None or len(current) >= batch_files or sum(f.bytes for f in current) + item.bytes > batch_bytes:
            commits.append([])
        commits[-1].append(item)
    if final or deletions:
        commits.append(final)
    return UploadPlan(repo_id, revision, commits, deletions, sorted(unchanged), remote_checked=remote is not None)


def check_repo_id(repo_id: str) -> None:
    """OWNER/NAME with the Hub's allowed characters; UsageError otherwise."""
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*", repo_id or "") or ".." in repo_id:
        raise UsageError(f"--repo-id must look like OWNER/NAME (letters, digits, '-', '_', '.'), got {repo_id!r}")


def resolve_token(token: str | None) -> str | None:
    """--token, else HF_TOKEN, else the login cache (huggingface_hub.get_token); None when there is none."""
    if token:
        return token
    from huggingface_hub import get_token

    return get_token()


def _status_of(error: BaseException) -> int | None:
    from huggingface_hub.errors import HfHubHTTPError

    seen = error
    while seen is not None:
        if isinstance(seen, HfHubHTTPError) and seen.response is not None:
            return seen.response.status_code
        seen = seen.__cause__ or seen.__context__
    return None


def hub_error(error: BaseException, repo_id: str, revision: str, endpoint: str) -> HubError:
    """One sentence per failure kind, built without the server's text (which could echo a credential)."""
    from huggingface_hub.errors import OfflineModeIsEnabled
    from huggingface_hub.utils import httpx

    status = _status_of(error)
    repo = f"dataset repo {repo_id}"
    if status == 401:
        return HubAuthError(
            f"the Hub at {endpoint} rejected the token (HTTP 401): pass a valid write token with --token, "
            "set HF_TOKEN, or run `hf auth login`"
        )
    if status == 403:
        return HubPermissionError(
            f"the token may not write to {repo} (HTTP 403): use a token with write access to the "
            f"{repo_id.split('/')[0]} namespace, or choose another --repo-id"
        )
    if status == 404:
        return HubNotFoundError(
            f"{repo} at revision {revision} was not found on {endpoint} (HTTP 404): check --repo-id and --revision, "
            "and that the token can see the repo"
        )
    if status == 429:
        return HubRateLimitError(
            "the Hub is rate-limiting this account (HTTP 429): wait a few minutes and rerun the same command, "
            "the upload resumes where it stopped"
        )
    if status is not None and status != 400:
        return HubError(
            f"the Hub answered HTTP {status} while uploading to {repo}: rerun the same command to resume the upload"
        )
    if isinstance(error, ValueError) and "Invalid metadata in README.md" in str(error):
        details = " ".join(str(error).split("\n")[1:]).strip()
        return HubError(f"the Hub refused the dataset card's YAML ({details or 'no details'}): export again")
    if isinstance(error, OfflineModeIsEnabled):
        return HubConnectionError("HF_HUB_OFFLINE is set, so nothing can be uploaded: unset it, or use --dry-run")
    if isinstance(error, httpx.TransportError | ConnectionError | TimeoutError):
        return HubConnectionError(
            f"cannot reach the Hub at {endpoint} ({type(error).__name__}): check the network and rerun, "
            "the upload resumes where it stopped"
        )
    return HubError(
        f"the upload to {repo} failed ({type(error).__name__}): rerun the same command to resume, or add --debug"
    )


def _remote_files(api: Any, repo_id: str, revision: str) -> dict[str, RemoteFile]:
    from huggingface_hub.hf_api import RepoFile

    remote = {}
    for entry in api.list_repo_tree(repo_id, recursive=True, revision=revision, repo_type="dataset"):
        if isinstance(entry, RepoFile):
            sha = entry.lfs.sha256 if entry.lfs is not None else None
            remote[entry.path] = RemoteFile(entry.path, entry.size, sha, entry.blob_id)
    return remote


def _commit_message(record: dict, index: int, total: int) -> str:
    source = record.get("source", {})
    recipe = source.get("uir.recipe_name") or "unknown"
    recipe_hash = source.get("uir.recipe_hash") or "?"
    return f"Upload uir dataset (recipe {recipe}, {recipe_hash}), part {index}/{total}"


def upload_export(
    export_dir: Path,
    repo_id: str,
    *,
    token: str | None = None,
    endpoint: str | None = None,
    private: bool = False,
    revision: str | None = None,
    batch_files: int = DEFAULT_BATCH_FILES,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> UploadResult:
    """Create the repo if needed and send what the remote lacks; progress(bytes_done, bytes_total) per commit."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    check_repo_id(repo_id)
    endpoint = (endpoint or DEFAULT_ENDPOINT).rstrip("/")
    revision = revision or "main"
    record = read_export_record(export_dir)
    files = export_files(export_dir, record)
    token = resolve_token(token)
    if not token:
        raise HubAuthError("no Hub token found: pass --token, set HF_TOKEN, or run `hf auth login`")
    api = HfApi(endpoint=endpoint, token=token, library_name="uir", library_version=ENGINE_VERSION)
    urls: list[str] = []
    try:
        repo_url = str(api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True))
        if revision != "main":
            api.create_branch(repo_id, branch=revision, repo_type="dataset", exist_ok=True)
        plan = plan_upload(
            files, repo_id, revision, _remote_files(api, repo_id, revision),
            batch_files=batch_files, batch_bytes=batch_bytes,
        )
        done = 0
        for number, commit in enumerate(plan.commits, start=1):
            operations: list[Any] = [CommitOperationAdd(path_in_repo=f.path, path_or_fileobj=f.local) for f in commit]
            if number == len(plan.commits):
                operations += [CommitOperationDelete(path_in_repo=path) for path in plan.deletions]
            info = api.create_commit(
                repo_id,
                operations,
                commit_message=_commit_message(record, number, len(plan.commits)),
                repo_type="dataset",
                revision=revision,
            )
            urls.append(str(info.commit_url))
            done += sum(f.bytes for f in commit)
            if progress is not None:
                progress(done, plan.bytes_to_send)
    except UirError:
        raise
    except Exception as error:
        raise hub_error(error, repo_id, revision, endpoint) from error
    return UploadResult(plan, urls, repo_url)


def dry_run_plan(
    export_dir: Path,
    repo_id: str,
    *,
    revision: str | None = None,
    batch_files: int = DEFAULT_BATCH_FILES,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> UploadPlan:
    """The plan for an empty repo, computed without any network call."""
    check_repo_id(repo_id)
    return plan_upload(
        export_files(export_dir), repo_id, revision or "main", None, batch_files=batch_files, batch_bytes=batch_bytes
    )
