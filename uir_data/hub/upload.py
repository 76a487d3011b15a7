"""Upload an export folder to a Hub dataset repo with huggingface_hub's own folder upload.

Two steps, so the repo switches to a new export at once: `HfApi.upload_folder` sends the data (shards,
example images, LICENSE.md); with hf_xet it streams, commits in batches and resumes an interrupted upload,
and in every case files the repo already holds unchanged are skipped (the preupload call compares oids).
Then one last `create_commit` adds the card and the export record and deletes stale files of an earlier
export in the folders the export owns. A rerun after an interruption therefore sends only what is missing.

Files whose license does not clearly allow redistribution (licenses.py) are refused unless the caller says
it has the right to publish them. huggingface_hub reads HF_ENDPOINT at import time, so the endpoint is passed
to HfApi explicitly. The token is passed explicitly too and never appears in a message: errors are rebuilt
from the HTTP status alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uir_data import ENGINE_VERSION
from uir_data.errors import UirError, UsageError
from uir_data.hub.export import read_export_record
from uir_data.hub.layout import ASSETS_DIR, CARD_NAME, DATA_DIR, EXPORT_MANIFEST
from uir_data.hub.licenses import SourceLicense, describe
from uir_data.taxonomy import ABBREVS

DEFAULT_ENDPOINT = "https://huggingface.co"
FINAL_FILES = (CARD_NAME, EXPORT_MANIFEST)
# The folders an export owns in the repo: stale files there are deleted, anything else is left alone.
OWN_FOLDERS = tuple(f"{name}/" for name in (DATA_DIR, ASSETS_DIR, *ABBREVS))


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


class RestrictedLicenseError(HubError):
    """Pairs whose source license does not clearly allow redistribution, without the caller's go-ahead."""


@dataclass(frozen=True)
class LocalFile:
    path: str  # POSIX path in the repo
    bytes: int
    local: Path


@dataclass
class UploadPlan:
    """What an upload sends: the data files (first step), then the card and the record (last commit)."""

    repo_id: str
    revision: str
    data: list[LocalFile]
    final: list[LocalFile]
    restricted: list[SourceLicense] = field(default_factory=list)

    @property
    def files(self) -> list[LocalFile]:
        return self.data + self.final

    @property
    def bytes_to_send(self) -> int:
        return sum(f.bytes for f in self.files)

    @property
    def commits(self) -> list[list[LocalFile]]:
        return [commit for commit in (self.data, self.final) if commit]

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo_id": self.repo_id,
            "revision": self.revision,
            "files": len(self.files),
            "bytes": self.bytes_to_send,
            "steps": [
                {"files": [f.path for f in step], "bytes": sum(f.bytes for f in step)} for step in self.commits
            ],
            "restricted_licenses": [vars(entry) for entry in self.restricted],
        }


@dataclass
class UploadResult:
    plan: UploadPlan
    commit_urls: list[str]  # the commits this upload made (none when the repo already held everything)
    deleted: list[str]
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


def plan_upload(export_dir: Path, repo_id: str, revision: str | None = None) -> UploadPlan:
    """The two steps of an upload of this export, and its sources with restricted licenses; no network."""
    check_repo_id(repo_id)
    record = read_export_record(export_dir)
    files = export_files(export_dir, record)
    licenses = [SourceLicense(**entry) for entry in record.get("licenses", [])]
    return UploadPlan(
        repo_id,
        revision or "main",
        data=[f for f in files if f.path not in FINAL_FILES],
        final=[f for f in files if f.path in FINAL_FILES],
        restricted=[entry for entry in licenses if entry.restriction],
    )


def refuse_restricted(plan: UploadPlan) -> None:
    """RestrictedLicenseError naming every source whose license does not clearly allow redistribution."""
    if plan.restricted:
        pairs = sum(entry.pairs for entry in plan.restricted)
        raise RestrictedLicenseError(
            f"{pairs} pairs come from sources whose license may forbid redistributing them ({describe(plan.restricted)}); "
            "check each source's terms, then pass --allow-restricted-licenses if you may publish them, "
            "or build without those sources"
        )


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


def _commit_message(record: dict, step: str) -> str:
    source = record.get("source", {})
    recipe = source.get("uir.recipe_name") or "unknown"
    recipe_hash = source.get("uir.recipe_hash") or "?"
    return f"Upload uir dataset (recipe {recipe}, {recipe_hash}): {step}"


def upload_export(
    export_dir: Path,
    repo_id: str,
    *,
    token: str | None = None,
    endpoint: str | None = None,
    private: bool = False,
    revision: str | None = None,
    allow_restricted_licenses: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> UploadResult:
    """Create the repo if needed and send what it lacks; progress(steps_done, 2) after the data and the card."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    endpoint = (endpoint or DEFAULT_ENDPOINT).rstrip("/")
    plan = plan_upload(export_dir, repo_id, revision)
    if not allow_restricted_licenses:
        refuse_restricted(plan)
    record = read_export_record(export_dir)
    token = resolve_token(token)
    if not token:
        raise HubAuthError("no Hub token found: pass --token, set HF_TOKEN, or run `hf auth login`")
    api = HfApi(endpoint=endpoint, token=token, library_name="uir", library_version=ENGINE_VERSION)
    revision = plan.revision
    urls: list[str] = []
    try:
        repo_url = str(api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True))
        if revision != "main":
            api.create_branch(repo_id, branch=revision, repo_type="dataset", exist_ok=True)
        head = api.repo_info(repo_id, repo_type="dataset", revision=revision).sha

        def committed(info: Any) -> None:
            nonlocal head
            if info.oid != head:  # the library skips a commit whose files the repo already holds
                urls.append(str(info.commit_url))
                head = info.oid

        if plan.data:
            committed(
                api.upload_folder(
                    repo_id=repo_id,
                    folder_path=export_dir,
                    repo_type="dataset",
                    revision=revision,
                    allow_patterns=[f.path for f in plan.data],  # exactly the export's files, nothing stray
                    commit_message=_commit_message(record, "data"),
                )
            )
        if progress is not None:
            progress(1, 2)
        local = {f.path for f in plan.files}
        remote = api.list_repo_files(repo_id, repo_type="dataset", revision=revision)
        stale = sorted(path for path in remote if path.startswith(OWN_FOLDERS) and path not in local)
        operations: list[Any] = [CommitOperationAdd(path_in_repo=f.path, path_or_fileobj=f.local) for f in plan.final]
        operations += [CommitOperationDelete(path_in_repo=path) for path in stale]
        committed(
            api.create_commit(
                repo_id,
                operations,
                commit_message=_commit_message(record, "card and record"),
                repo_type="dataset",
                revision=revision,
            )
        )
        if progress is not None:
            progress(2, 2)
    except UirError:
        raise
    except Exception as error:
        raise hub_error(error, repo_id, revision, endpoint) from error
    return UploadResult(plan, urls, stale, repo_url)
