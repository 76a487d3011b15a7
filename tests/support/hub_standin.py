"""A loopback stand-in for the few Hub endpoints huggingface_hub 2.4 uses to upload with plain LFS.

Serves repo creation, branches, repo info (head commit), tree listing, README validation, preupload (with
the remote oid of files already there, which lets the client skip unchanged files), the LFS batch API with
basic PUT transfers, and ndjson commits; it stores content, records every request, and can fail chosen
requests.
Xet needs a CAS server, so tests disable Xet (constants.HF_HUB_DISABLE_XET) to force the LFS path.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

REPO = r"(?P<repo>[^/]+/[^/]+)"


@dataclass
class Failure:
    method: str
    pattern: str  # regex on the URL path
    status: int
    times: int = 1  # how many matching requests fail; -1 = all


@dataclass
class StandIn:
    repos: dict[str, dict[str, dict[str, bytes]]] = field(default_factory=dict)  # repo -> branch -> path -> data
    lfs: dict[str, bytes] = field(default_factory=dict)  # sha256 -> content
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # method, path, headers
    lfs_puts: list[str] = field(default_factory=list)  # oids sent
    commits: list[dict] = field(default_factory=list)  # {"repo", "branch", "summary", "added", "deleted"}
    heads: dict[tuple[str, str], str] = field(default_factory=dict)  # (repo, branch) -> head commit oid
    failures: list[Failure] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)  # bodies of successful create-repo requests
    errors: list[str] = field(default_factory=list)  # exceptions inside the stand-in (should stay empty)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def tree(self, repo: str, branch: str = "main") -> dict[str, bytes]:
        return self.repos[repo][branch]


def _is_lfs(path: str) -> bool:
    return not path.endswith((".md", ".json", ".gitattributes"))


def _remote_oid(path: str, data: bytes) -> str:
    """The oid the Hub's preupload reports: sha256 of the content for LFS files, the git blob sha1 otherwise."""
    if _is_lfs(path):
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _make_handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, payload=None, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload if payload is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _fail_if_planned(self, path: str) -> bool:
            with state.lock:
                for failure in state.failures:
                    if failure.method == self.command and re.search(failure.pattern, path) and failure.times != 0:
                        failure.times -= 1 if failure.times > 0 else 0
                        self._body()
                        self._send(failure.status, {"error": "planned failure"}, {"Retry-After": "0"})
                        return True
            return False

        def _route(self) -> None:
            parsed = urlparse(self.path)
            path = parsed.path
            with state.lock:
                state.requests.append((self.command, path, dict(self.headers)))
            if self._fail_if_planned(path):
                return
            method = self.command
            if method == "GET" and path == "/api/agent-harnesses":
                return self._send(404)
            if method == "POST" and path == "/api/repos/create":
                body = json.loads(self._body())
                repo = f"{body['organization']}/{body['name']}"
                url = f"https://huggingface.co/datasets/{repo}"
                with state.lock:
                    if repo in state.repos:  # the Hub answers 409 with the url; exist_ok reads it
                        return self._send(409, {"error": "You already created this dataset repo", "url": url})
                    state.repos[repo] = {"main": {".gitattributes": b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"}}
                    state.heads[(repo, "main")] = "0" * 40
                    state.created.append(body)
                return self._send(200, {"url": url})
            if method == "POST" and (m := re.fullmatch(rf"/api/datasets/{REPO}/branch/(?P<branch>.+)", path)):
                self._body()
                with state.lock:
                    branches = state.repos[m["repo"]]
                    if m["branch"] in branches:
                        return self._send(409, {"error": "Reference already exists"})
                    branches[m["branch"]] = dict(branches["main"])
                    state.heads[(m["repo"], m["branch"])] = state.heads[(m["repo"], "main")]
                return self._send(200)
            if method == "GET" and (
                m := re.fullmatch(rf"/api/datasets/{REPO}(?:/revision/(?P<rev>[^/]+))?", path)
            ):
                with state.lock:
                    head = state.heads.get((m["repo"], m["rev"] or "main"))
                if head is None:
                    return self._send(404, {"error": "not found"}, {"X-Error-Code": "RepoNotFound"})
                return self._send(200, {"id": m["repo"], "sha": head, "private": False})
            if method == "GET" and (m := re.fullmatch(rf"/api/datasets/{REPO}/tree/(?P<rev>[^/]+)", path)):
                with state.lock:
                    if m["repo"] not in state.repos or m["rev"] not in state.repos[m["repo"]]:
                        return self._send(404, {"error": "not found"}, {"X-Error-Code": "RepoNotFound"})
                    files = dict(state.repos[m["repo"]][m["rev"]])
                if parse_qs(parsed.query).get("recursive") != ["true"]:
                    return self._send(400, {"error": "the stand-in only lists recursively"})
                entries = []
                for name, data in sorted(files.items()):
                    entry = {"type": "file", "path": name, "size": len(data),
                             "oid": hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()}
                    if _is_lfs(name):
                        entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 130}
                    entries.append(entry)
                return self._send(200, entries)
            if method == "POST" and path == "/api/validate-yaml":
                body = json.loads(self._body())
                if not body["content"].startswith("---\n"):
                    return self._send(400, {"errors": [{"message": "no metadata"}]})
                return self._send(200, {"warnings": []})
            if method == "POST" and (m := re.fullmatch(rf"/api/datasets/{REPO}/preupload/(?P<rev>[^/]+)", path)):
                body = json.loads(self._body())
                with state.lock:
                    tree = dict(state.repos.get(m["repo"], {}).get(m["rev"], {}))
                files = []
                for f in body["files"]:
                    entry = {"path": f["path"], "uploadMode": "lfs" if _is_lfs(f["path"]) else "regular",
                             "shouldIgnore": False}
                    if f["path"] in tree:
                        entry["oid"] = _remote_oid(f["path"], tree[f["path"]])
                    files.append(entry)
                return self._send(200, {"files": files})
            if method == "POST" and (m := re.fullmatch(rf"/datasets/{REPO}\.git/info/lfs/objects/batch", path)):
                body = json.loads(self._body())
                objects = []
                for obj in body["objects"]:
                    entry = {"oid": obj["oid"], "size": obj["size"]}
                    if obj["oid"] not in state.lfs:
                        entry["actions"] = {"upload": {"href": f"{state.url}/lfs-upload/{obj['oid']}"}}
                    objects.append(entry)
                return self._send(200, {"transfer": "basic", "objects": objects})
            if method == "PUT" and (m := re.fullmatch(r"/lfs-upload/(?P<oid>[0-9a-f]{64})", path)):
                data = self._body()
                if hashlib.sha256(data).hexdigest() != m["oid"]:
                    return self._send(400, {"error": "sha256 mismatch"})
                with state.lock:
                    state.lfs[m["oid"]] = data
                    state.lfs_puts.append(m["oid"])
                return self._send(200)
            if method == "POST" and (m := re.fullmatch(rf"/api/datasets/{REPO}/commit/(?P<rev>[^/]+)", path)):
                lines = [json.loads(line) for line in self._body().splitlines() if line.strip()]
                header = lines[0]["value"]
                added, deleted = {}, []
                for line in lines[1:]:
                    value = line["value"]
                    if line["key"] == "file":
                        added[value["path"]] = base64.b64decode(value["content"])
                    elif line["key"] == "lfsFile":
                        if value["oid"] not in state.lfs:
                            return self._send(422, {"error": f"LFS object {value['oid']} missing"})
                        added[value["path"]] = state.lfs[value["oid"]]
                    elif line["key"] == "deletedFile":
                        deleted.append(value["path"])
                with state.lock:
                    tree = state.repos[m["repo"]][m["rev"]]
                    for name in deleted:
                        if name not in tree:
                            return self._send(404, {"error": "file missing"}, {"X-Error-Code": "EntryNotFound"})
                        del tree[name]
                    tree.update(added)
                    parent = state.heads[(m["repo"], m["rev"])]
                    oid = hashlib.sha1(json.dumps([parent, header, sorted(added), deleted]).encode()).hexdigest()
                    state.heads[(m["repo"], m["rev"])] = oid
                    state.commits.append(
                        {"repo": m["repo"], "branch": m["rev"], "summary": header["summary"],
                         "added": sorted(added), "deleted": deleted}
                    )
                return self._send(
                    200, {"commitUrl": f"https://huggingface.co/datasets/{m['repo']}/commit/{oid}", "commitOid": oid}
                )
            self._body()
            return self._send(404, {"error": f"stand-in has no route for {method} {path}"})

        def _handle(self) -> None:
            try:
                self._route()
            except Exception as error:  # a stand-in bug: answer 500 and keep it for the test to see
                state.errors.append(f"{self.command} {self.path}: {error!r}")
                self._send(500, {"error": repr(error)})

        do_GET = do_POST = do_PUT = do_DELETE = _handle

    return Handler


class StandInServer:
    """Context manager: a ThreadingHTTPServer on 127.0.0.1 with a random port."""

    def __init__(self) -> None:
        self.state = StandIn()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self.state))
        self.state.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self.state

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def serving(monkeypatch) -> Iterator[StandIn]:
    """The stand-in, with huggingface_hub pointed at it: plain LFS (no Xet CAS), online, no stray endpoint."""
    import huggingface_hub.constants as constants

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with StandInServer() as state:
        # Best-effort telemetry (agent-harness registry) reads constants.ENDPOINT: keep it on loopback too.
        monkeypatch.setattr(constants, "ENDPOINT", state.url)
        yield state
        assert state.errors == []
