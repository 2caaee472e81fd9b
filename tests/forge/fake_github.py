"""A fake GitHub: a real HTTP server on 127.0.0.1 keeping one repository in memory.

Every request it receives and every answer it gives is checked against GitHub's contract (contract.py);
what breaks it is recorded in `violations`, which the tests' teardown asserts empty. It can be told to
answer secondary rate limits (403 with or without retry-after, 429), server errors, and to hang after
doing the work (the answer is lost, the pull request exists), and it can enforce GitHub's published
secondary limits on its own clock (80 content-creating requests a minute, 500 an hour, 900 points a
minute per endpoint).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.harness.network import LOOPBACK

from .contract import GITHUB, SAMPLE_TIME, Exchange, load_contract

SECONDARY_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If "
    "you reach out to GitHub Support for help, please include the request ID."
)
LIMITS_DOC = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Fault:
    """A canned failure for requests matching `method` and `template` ("*" for any), `times` times."""

    method: str
    template: str
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""
    hang_seconds: float = 0.0  # after doing the work: the client times out, the work is done
    times: int = 1

    def matches(self, method: str, template: str) -> bool:
        return self.times > 0 and self.method in ("*", method) and self.template in ("*", template)


@dataclass
class Pull:
    number: int
    title: str
    body: str
    head: str
    base: str
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    base_sha: str = ""
    merged: bool = False
    merge_sha: str | None = None
    reviews: list[tuple[str, str]] = field(default_factory=list)  # (state, body), as moderators left them
    review_comments: list[tuple[str, str]] = field(default_factory=list)  # (path, body): comments on a file's line


@dataclass(frozen=True)
class Commit:
    tree: str
    parents: tuple[str, ...]
    message: str


@dataclass
class Issue:
    number: int
    title: str
    body: str
    labels: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


class PublishedLimits:
    """GitHub's secondary limits, counted on the fake's clock; `retry_after` says whether to announce the wait."""

    def __init__(
        self,
        clock: Callable[[], float],
        retry_after: bool = True,
        per_minute: int = 80,
        per_hour: int = 500,
        points_per_minute: int = 900,
    ) -> None:
        self.clock, self.retry_after = clock, retry_after
        self.per_minute, self.per_hour, self.points_per_minute = per_minute, per_hour, points_per_minute
        self.writes: deque[float] = deque()
        self.points: dict[str, deque[tuple[float, int]]] = {}
        self.refused = 0

    def refuse(self, method: str, template: str) -> float | None:
        """None when the request may go, else the seconds until it could."""
        now = self.clock()
        while self.writes and self.writes[0] + 3600 <= now:
            self.writes.popleft()
        window = self.points.setdefault(f"{method} {template}", deque())
        while window and window[0][0] + 60 <= now:
            window.popleft()
        cost = 5 if method in WRITES else 1
        waits = []
        if method in WRITES:
            last_minute = [t for t in self.writes if t + 60 > now]
            if len(last_minute) >= self.per_minute:
                waits.append(last_minute[-self.per_minute] + 60 - now)
            if len(self.writes) >= self.per_hour:
                waits.append(self.writes[-self.per_hour] + 3600 - now)
        if sum(c for _, c in window) + cost > self.points_per_minute:
            waits.append(window[0][0] + 60 - now)
        if waits:
            self.refused += 1
            return max(1.0, max(waits))
        if method in WRITES:
            self.writes.append(now)
        window.append((now, cost))
        return None


class FakeGitHub:
    def __init__(
        self,
        owner: str = "metropole",
        repo: str = "entraide",
        token: str = "test-token",
        files: dict[str, str] | None = None,
        checks_per_operation: int | None = None,
    ) -> None:
        self.contract = load_contract()
        self.owner, self.repo, self.token = owner, repo, token
        self.violations: list[str] = []
        self.exchanges: list[Exchange] = []
        self.faults: list[Fault] = []
        self.limits: PublishedLimits | None = None
        self.on_request: Callable[[Exchange], None] = lambda exchange: None  # tests watching when requests come
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, list[tuple[str, str, str, str]]] = {}  # sha -> [(mode, type, name, sha)], git's order
        self.commits: dict[str, Commit] = {}
        self.refs: dict[str, str] = {}
        self.pulls: list[Pull] = []
        self.issues: list[Issue] = []
        self._numbers = itertools.count(1)
        self._lock = threading.RLock()
        self.refs["heads/main"] = self._commit_changes(
            None, {path: text.encode() for path, text in (files or {}).items()}, "Initial commit"
        )
        self._server: ThreadingHTTPServer | None = None
        self._checks_per_operation = checks_per_operation  # None: every exchange (tests); a number: benchmarks
        self._checked: dict[tuple[str, ...], int] = {}

    # Life cycle

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(_Handler):
            github = fake

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    # What the tests arrange and read

    def fail(
        self,
        method: str,
        template: str,
        status: int,
        *,
        retry_after: int | None = None,
        times: int = 1,
        message: str = SECONDARY_LIMIT,
    ) -> None:
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        self.faults.append(Fault(method, template, status, headers, message, times=times))

    def hang(self, method: str, template: str, seconds: float, times: int = 1) -> None:
        self.faults.append(Fault(method, template, hang_seconds=seconds, times=times))

    def files(self, ref: str = "heads/main") -> dict[str, str]:
        with self._lock:
            return {path: self.blobs[sha].decode() for path, sha in self.snapshot(self.refs[ref]).items()}

    def changes(self, pull: Pull) -> dict[str, str | None]:
        """What merging the pull request would do: path → new text, or None when deleted."""
        with self._lock:
            return {
                path: None if sha is None else self.blobs[sha].decode()
                for path, (_, sha) in self._pull_diff(pull).items()
            }

    def commit_on(self, branch: str, changes: dict[str, bytes | None], message: str = "Modification") -> str:
        """One commit on `branch` as GitHub's web editor makes it (a file added, edited or deleted)."""
        with self._lock:
            self.refs[f"heads/{branch}"] = sha = self._commit_changes(self.refs[f"heads/{branch}"], changes, message)
            return sha

    def merge(self, pull: Pull) -> None:
        """What a moderator's merge does: a merge commit on the base branch, the pull request closed, merged."""
        with self._lock:
            base, head = self.refs[f"heads/{pull.base}"], self.refs[f"heads/{pull.head}"]
            changes = {
                path: None if sha is None else self.blobs[sha] for path, (_, sha) in self._pull_diff(pull).items()
            }
            tree = self._tree_of(self._apply(self.snapshot(base), changes))
            self.refs[f"heads/{pull.base}"] = self._store_commit(Commit(tree, (base, head), f"Merge #{pull.number}"))
            pull.state, pull.merged, pull.merge_sha = "closed", True, self.refs[f"heads/{pull.base}"]

    def close(self, pull: Pull, comment: str = "") -> None:
        """A moderator closes the pull request without merging, leaving a comment first."""
        with self._lock:
            if comment:
                pull.comments.append(comment)
            pull.state = "closed"

    def review(self, pull: Pull, body: str, state: str = "COMMENTED", path: str = "") -> None:
        """A moderator's review; with `path`, a comment on one line of that file instead."""
        with self._lock:
            if path:
                pull.review_comments.append((path, body))
            else:
                pull.reviews.append((state, body))

    def snapshot(self, commit: str) -> dict[str, str]:
        """Every file of a commit: path → blob sha."""
        return self._flatten(self.commits[commit].tree)

    def requests_to(self, method: str, template: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.method == method and e.template == template]

    # Serving

    def checks(self, *key: str) -> bool:
        """Whether to check this exchange against the contract: always, unless told to sample (benchmarks)."""
        with self._lock:
            self._checked[key] = self._checked.get(key, 0) + 1
            return self._checks_per_operation is None or self._checked[key] <= self._checks_per_operation

    def serve(self, exchange: Exchange) -> tuple[int, dict[str, str], Any, float]:
        """Status, headers, JSON body and how long to hang, for one request already parsed."""
        if exchange.headers.get("Authorization") != f"Bearer {self.token}":
            self.violations.append(f"{exchange.method} {exchange.path}: no `Authorization: Bearer` token")
            return 401, {}, _error("Bad credentials"), 0.0
        if not exchange.headers.get("User-Agent"):
            self.violations.append(f"{exchange.method} {exchange.path}: no User-Agent (GitHub refuses these)")
        fault = self._fault(exchange)
        if fault and fault.status:
            return fault.status, fault.headers, _error(fault.message or "Server Error"), 0.0
        if self.limits and (wait := self.limits.refuse(exchange.method, exchange.template)) is not None:
            headers = {"retry-after": str(int(wait + 0.999))} if self.limits.retry_after else {}
            return 403, headers, _error(SECONDARY_LIMIT), 0.0
        status, data = self._act(exchange)
        return status, {}, data, fault.hang_seconds if fault else 0.0

    def _fault(self, exchange: Exchange) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(exchange.method, exchange.template):
                    fault.times -= 1
                    return fault
        return None

    def _act(self, exchange: Exchange) -> tuple[int, Any]:
        params = exchange.params
        if (params.get("owner"), params.get("repo")) != (self.owner, self.repo) and "owner" in params:
            return 404, _error("Not Found")
        handler = _HANDLERS.get((exchange.method, exchange.template))
        if handler is None:
            self.violations.append(f"{exchange.method} {exchange.template}: not implemented by the fake")
            return 404, _error("Not Found")
        with self._lock:
            return handler(self, exchange)

    # The repository

    def _commit_changes(self, parent: str | None, changes: dict[str, bytes | None], message: str) -> str:
        files = self.snapshot(parent) if parent else {}
        tree = self._tree_of(self._apply(files, changes))
        return self._store_commit(Commit(tree, (parent,) if parent else (), message))

    def _apply(self, files: dict[str, str], changes: dict[str, bytes | None]) -> dict[str, str]:
        files = dict(files)
        for path, data in changes.items():
            if data is None:
                files.pop(path, None)
            else:
                files[path] = self._store_blob(data)
        return files

    def _store_blob(self, data: bytes) -> str:
        sha = _git_sha("blob", data)
        self.blobs[sha] = data
        return sha

    def _tree_of(self, files: dict[str, str]) -> str:
        """The nested git trees of a flat {path: blob sha}, stored; the root's sha."""
        here: dict[str, str] = {}
        below: dict[str, dict[str, str]] = {}
        for path, sha in files.items():
            name, _, rest = path.partition("/")
            if rest:
                below.setdefault(name, {})[rest] = sha
            else:
                here[name] = sha
        entries = [("100644", "blob", name, sha) for name, sha in here.items()]
        entries += [("040000", "tree", name, self._tree_of(sub)) for name, sub in below.items()]
        entries.sort(key=lambda e: e[2] + ("/" if e[1] == "tree" else ""))  # git's order
        raw = b"".join(
            f"{mode.lstrip('0')} {name}".encode() + b"\0" + bytes.fromhex(sha) for mode, _, name, sha in entries
        )
        sha = _git_sha("tree", raw)
        self.trees[sha] = entries
        return sha

    def _flatten(self, tree: str, prefix: str = "") -> dict[str, str]:
        files: dict[str, str] = {}
        for _, kind, name, sha in self.trees[tree]:
            if kind == "tree":
                files |= self._flatten(sha, f"{prefix}{name}/")
            else:
                files[prefix + name] = sha
        return files

    def _store_commit(self, commit: Commit) -> str:
        text = f"tree {commit.tree}\n" + "".join(f"parent {p}\n" for p in commit.parents)
        text += f"author Entraide <entraide@example.org> {len(self.commits)} +0000\n\n{commit.message}"
        sha = _git_sha("commit", text.encode())
        self.commits[sha] = commit
        return sha

    def _ancestors(self, commit: str) -> set[str]:
        seen, todo = set(), [commit]
        while todo:
            sha = todo.pop()
            if sha not in seen:
                seen.add(sha)
                todo.extend(self.commits[sha].parents)
        return seen

    def _merge_base(self, one: str, other: str) -> str | None:
        """The newest common ancestor (by creation order: the fake's commits are made one after another)."""
        common = self._ancestors(one) & self._ancestors(other)
        order = {sha: index for index, sha in enumerate(self.commits)}
        return max(common, key=order.__getitem__, default=None)

    def _pull_diff(self, pull: Pull) -> dict[str, tuple[str, str | None]]:
        """GitHub's three-dot diff of a pull request: path → (status, new blob sha or None)."""
        head = self.refs.get(f"heads/{pull.head}", pull.base_sha)
        base_branch = self.refs.get(f"heads/{pull.base}", pull.base_sha)
        if pull.merged:
            base_branch = self.commits[pull.merge_sha].parents[0]
        old = self.snapshot(self._merge_base(base_branch, head) or pull.base_sha)
        new = self.snapshot(head)
        diff: dict[str, tuple[str, str | None]] = {}
        for path in sorted(old.keys() | new.keys()):
            if path not in new:
                diff[path] = ("removed", None)
            elif path not in old:
                diff[path] = ("added", new[path])
            elif old[path] != new[path]:
                diff[path] = ("modified", new[path])
        return diff

    def _ref_object(self, name: str) -> dict[str, Any]:
        base = self.contract.skeleton("GET", "/repos/{owner}/{repo}/git/ref/{ref}", 200)
        return base | {
            "ref": f"refs/{name}",
            "url": self._api(f"git/refs/{name}"),
            "object": {"type": "commit", "sha": self.refs[name], "url": self._api("git/commits/x")},
        }

    def _file_object(self, path: str, sha: str, with_content: bool) -> dict[str, Any]:
        data = self.blobs[sha]
        item = {
            "type": "file",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": self._api(f"contents/{path}"),
            "git_url": self._api(f"git/blobs/{sha}"),
            "html_url": f"{GITHUB}/{self.owner}/{self.repo}/blob/main/{path}",
            "download_url": f"https://raw.githubusercontent.com/{self.owner}/{self.repo}/main/{path}",
            "_links": {
                "self": self._api(f"contents/{path}"),
                "git": self._api(f"git/blobs/{sha}"),
                "html": f"{GITHUB}/{self.owner}/{self.repo}/blob/main/{path}",
            },
        }
        if with_content:
            encoded = base64.encodebytes(data).decode()  # GitHub wraps base64 at 60-76 columns too
            item |= {"content": encoded, "encoding": "base64"}
        return item

    def _dir_object(self, path: str) -> dict[str, Any]:
        return {
            "type": "dir",
            "size": 0,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": _sha(path.encode()),
            "url": self._api(f"contents/{path}"),
            "git_url": None,
            "html_url": None,
            "download_url": None,
            "_links": {"self": self._api(f"contents/{path}"), "git": None, "html": None},
        }

    def _pull_object(self, pull: Pull, template: str, status: int) -> dict[str, Any]:
        data = self.contract.skeleton(
            "POST" if template.endswith("pulls") and status == 201 else "GET", template, status
        )
        if isinstance(data, list):
            data = self.contract.skeleton("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", 200)
        html = f"{GITHUB.replace('api.', '')}/{self.owner}/{self.repo}/pull/{pull.number}"
        return data | {
            "number": pull.number,
            "title": pull.title,
            "body": pull.body,
            "state": pull.state,
            "html_url": html,
            "url": self._api(f"pulls/{pull.number}"),
            "labels": [self._label_object(name) for name in pull.labels],
            "merged": pull.merged,
            "merged_at": SAMPLE_TIME if pull.merged else None,
            "merge_commit_sha": pull.merge_sha,
            "closed_at": SAMPLE_TIME if pull.state == "closed" else None,
            "head": data["head"]
            | {
                "ref": pull.head,
                "label": f"{self.owner}:{pull.head}",
                "sha": self.refs.get(f"heads/{pull.head}", pull.base_sha),
            },
            "base": data["base"] | {"ref": pull.base, "label": f"{self.owner}:{pull.base}", "sha": pull.base_sha},
        }

    def _label_object(self, name: str) -> dict[str, Any]:
        return {
            "id": abs(hash(name)) % 10**9,
            "node_id": "LA_" + _sha(name.encode())[:12],
            "url": self._api(f"labels/{name}"),
            "name": name,
            "description": "",
            "color": "ededed",
            "default": False,
        }

    def _api(self, rest: str) -> str:
        return f"{GITHUB}/repos/{self.owner}/{self.repo}/{rest}"


@contextmanager
def metropole_repository(token: str, who: str) -> Iterator[FakeGitHub]:
    """The Métropole's repository (its Meylan folder started) on a running fake; on leaving, any exchange `who`
    made that broke GitHub's contract fails the test."""
    fake = FakeGitHub(owner="metropole", repo="entraide", token=token, files={"submissions/meylan/.gitkeep": ""})
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.violations == [], f"{who} or the fake broke GitHub's contract:\n" + "\n".join(fake.violations)


def _sha(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _git_sha(kind: str, data: bytes) -> str:
    """The object id git gives: SHA-1 of the type, the size and the content."""
    return _sha(f"{kind} {len(data)}".encode() + b"\0" + data)


def _error(message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, "documentation_url": LIMITS_DOC, **extra}


# One function per operation of the contract the fake implements: (fake, exchange) → (status, data).


def _get_repository(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    data = fake.contract.skeleton("GET", "/repos/{owner}/{repo}", 200)
    return 200, data | {"name": fake.repo, "full_name": f"{fake.owner}/{fake.repo}", "default_branch": "main"}


def _get_ref(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    name = exchange.params["ref"]
    return (200, fake._ref_object(name)) if name in fake.refs else (404, _error("Not Found"))


def _create_ref(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    body = exchange.json()
    name = body["ref"].removeprefix("refs/")
    if not body["ref"].startswith("refs/") or name.count("/") < 1 or body["sha"] not in fake.commits:
        return 422, _error("Reference update failed")
    if name in fake.refs:
        return 422, _error("Reference already exists")
    fake.refs[name] = body["sha"]
    return 201, fake._ref_object(name)


def _get_contents(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    path = exchange.params["path"].strip("/")
    ref = dict(exchange.query).get("ref", "main")
    commit = fake.refs.get(f"heads/{ref}") or (ref if ref in fake.commits else None)
    if commit is None:
        return 404, _error(f"No commit found for the ref {ref}")
    tree = fake.snapshot(commit)
    if path in tree:
        return 200, fake._file_object(path, tree[path], with_content=True)
    below = sorted({p[len(path) + 1 :].split("/")[0] for p in tree if p.startswith(path + "/")})
    if not below:
        return 404, _error("Not Found")
    return 200, [
        fake._file_object(f"{path}/{name}", tree[f"{path}/{name}"], with_content=False)
        if f"{path}/{name}" in tree
        else fake._dir_object(f"{path}/{name}")
        for name in below
    ]


def _put_contents(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    body, path = exchange.json(), exchange.params["path"].strip("/")
    branch = f"heads/{body.get('branch', 'main')}"
    if branch not in fake.refs:
        return 404, _error(f"Branch {body.get('branch')} not found")
    tree = fake.snapshot(fake.refs[branch])
    if path in tree and body.get("sha") != tree[path]:
        return 422, _error('Invalid request.\n\n"sha" wasn\'t supplied.')
    try:
        data = base64.b64decode(body["content"], validate=True)
    except ValueError:
        return 422, _error("content is not valid Base64")
    existed = path in tree
    fake.refs[branch] = commit = fake._commit_changes(fake.refs[branch], {path: data}, body["message"])
    answer = {
        "content": fake._file_object(path, fake.snapshot(commit)[path], with_content=False),
        "commit": _commit_object(fake, commit, body["message"]),
    }
    return (200 if existed else 201), answer


def _delete_contents(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    body, path = exchange.json(), exchange.params["path"].strip("/")
    branch = f"heads/{body.get('branch', 'main')}"
    if branch not in fake.refs or path not in fake.snapshot(fake.refs[branch]):
        return 404, _error("Not Found")
    if body["sha"] != fake.snapshot(fake.refs[branch])[path]:
        return 409, _error(f"{path} does not match {body['sha']}")
    fake.refs[branch] = commit = fake._commit_changes(fake.refs[branch], {path: None}, body["message"])
    return 200, {"content": None, "commit": _commit_object(fake, commit, body["message"])}


def _commit_object(fake: FakeGitHub, sha: str, message: str) -> dict[str, Any]:
    person = {"date": "2026-03-20T09:30:00Z", "name": "Entraide", "email": "entraide@example.org"}
    return {
        "sha": sha,
        "node_id": "C_" + sha[:12],
        "url": fake._api(f"git/commits/{sha}"),
        "html_url": f"{GITHUB}/{fake.owner}/{fake.repo}/commit/{sha}",
        "author": person,
        "committer": person,
        "message": message,
        "tree": {"url": fake._api(f"git/trees/{fake.commits[sha].tree}"), "sha": fake.commits[sha].tree},
        "parents": [
            {"sha": parent, "url": fake._api(f"git/commits/{parent}"), "html_url": f"{GITHUB}/commit/{parent}"}
            for parent in fake.commits[sha].parents
        ],
        "verification": {
            "verified": False,
            "reason": "unsigned",
            "signature": None,
            "payload": None,
            "verified_at": None,
        },
    }


def _list_pulls(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    query = dict(exchange.query)
    state, head = query.get("state", "open"), query.get("head")
    pulls = [
        p
        for p in fake.pulls
        if state in ("all", p.state)
        and (head is None or head == f"{fake.owner}:{p.head}")
        and query.get("base", p.base) == p.base
    ]
    return 200, [fake._pull_object(p, "/repos/{owner}/{repo}/pulls/{pull_number}", 200) for p in pulls]


def _create_pull(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    body = exchange.json()
    head, base = body["head"].split(":")[-1], body["base"]
    if f"heads/{head}" not in fake.refs or f"heads/{base}" not in fake.refs:
        return 422, _error(
            "Validation Failed", errors=[{"resource": "PullRequest", "field": "head", "code": "invalid"}]
        )
    if any(p.head == head and p.base == base and p.state == "open" for p in fake.pulls):
        return 422, _error(
            "Validation Failed",
            errors=[
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": f"A pull request already exists for {fake.owner}:{head}.",
                }
            ],
        )
    if fake.refs[f"heads/{head}"] == fake.refs[f"heads/{base}"]:
        return 422, _error(
            "Validation Failed",
            errors=[{"resource": "PullRequest", "code": "custom", "message": f"No commits between {base} and {head}"}],
        )
    pull = Pull(
        next(fake._numbers),
        body.get("title", ""),
        body.get("body") or "",
        head,
        base,
        base_sha=fake.refs[f"heads/{base}"],
    )
    fake.pulls.append(pull)
    return 201, fake._pull_object(pull, "/repos/{owner}/{repo}/pulls", 201)


def _find_pull(fake: FakeGitHub, number: str) -> Pull | None:
    return next((p for p in fake.pulls if str(p.number) == number), None)


def _get_pull(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    pull = _find_pull(fake, exchange.params["pull_number"])
    template = "/repos/{owner}/{repo}/pulls/{pull_number}"
    return (200, fake._pull_object(pull, template, 200)) if pull else (404, _error("Not Found"))


def _update_pull(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    pull = _find_pull(fake, exchange.params["pull_number"])
    if pull is None:
        return 422, _error("Validation Failed")
    body = exchange.json() or {}
    pull.state, pull.title, pull.body = (
        body.get("state", pull.state),
        body.get("title", pull.title),
        body.get("body", pull.body),
    )
    return 200, fake._pull_object(pull, "/repos/{owner}/{repo}/pulls/{pull_number}", 200)


def _create_issue(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    body = exchange.json()
    issue = Issue(
        next(fake._numbers),
        str(body["title"]),
        body.get("body") or "",
        [label if isinstance(label, str) else label["name"] for label in body.get("labels", [])],
    )
    fake.issues.append(issue)
    data = fake.contract.skeleton("POST", "/repos/{owner}/{repo}/issues", 201)
    return 201, data | {
        "number": issue.number,
        "title": issue.title,
        "body": issue.body,
        "html_url": f"https://github.com/{fake.owner}/{fake.repo}/issues/{issue.number}",
        "labels": [fake._label_object(name) for name in issue.labels],
    }


def _add_labels(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    target = _find_pull(fake, exchange.params["issue_number"]) or next(
        (i for i in fake.issues if str(i.number) == exchange.params["issue_number"]), None
    )
    if target is None:
        return 404, _error("Not Found")
    body = exchange.json()
    names = body["labels"] if isinstance(body, dict) else body
    for name in names:
        name = name if isinstance(name, str) else name["name"]
        if name not in target.labels:
            target.labels.append(name)
    return 200, [fake._label_object(name) for name in target.labels]


def _add_comment(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    number = int(exchange.params["issue_number"])
    target = _find_pull(fake, exchange.params["issue_number"]) or next(
        (issue for issue in fake.issues if issue.number == number), None
    )
    if target is None:
        return 404, _error("Not Found")
    target.comments.append(exchange.json()["body"])
    data = fake.contract.skeleton("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 201)
    return 201, data | {"body": exchange.json()["body"]}


def _update_ref(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    name, body = exchange.params["ref"].removeprefix("refs/"), exchange.json()
    if name not in fake.refs:
        return 422, _error("Reference does not exist")
    if body["sha"] not in fake.commits:
        return 422, _error("Object does not exist")
    if not body.get("force") and fake.refs[name] not in fake._ancestors(body["sha"]):
        return 422, _error("Update is not a fast forward")
    fake.refs[name] = body["sha"]
    return 200, fake._ref_object(name)


def _delete_ref(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    name = exchange.params["ref"].removeprefix("refs/")
    if name not in fake.refs:
        return 422, None
    del fake.refs[name]
    return 204, None


def _create_blob(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    body = exchange.json()
    try:
        data = (
            base64.b64decode(body["content"], validate=True)
            if body.get("encoding") == "base64"
            else body["content"].encode("utf-8")
        )
    except ValueError:
        return 422, _error("content is not valid Base64")
    sha = fake._store_blob(data)
    return 201, {"sha": sha, "url": fake._api(f"git/blobs/{sha}")}


def _create_tree(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    """GitHub's rules: entries by path (nested paths allowed) over `base_tree`, each a `sha` or a `content`,
    a null sha deleting the path."""
    body = exchange.json()
    base = body.get("base_tree")
    if base is not None and base not in fake.trees:
        return 422, _error("base_tree is not a valid tree oid")
    files = fake._flatten(base) if base else {}
    for item in body["tree"]:
        if ("sha" in item) == ("content" in item) or item.get("type", "blob") != "blob":
            return 422, _error("Must supply either tree.sha or tree.content, for a blob")
        if "content" in item:
            files[item["path"]] = fake._store_blob(item["content"].encode("utf-8"))
        elif item["sha"] is None:
            if item["path"] not in files:
                return 422, _error(f"tree.path {item['path']} does not exist in the base tree")
            files.pop(item["path"])
        elif item["sha"] in fake.blobs:
            files[item["path"]] = item["sha"]
        else:
            return 422, _error("tree.sha is not a valid blob")
    sha = fake._tree_of(files)
    return 201, _tree_object(fake, sha, recursive=False)


def _get_tree(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    sha = exchange.params["tree_sha"]
    if sha not in fake.trees:
        return 404, _error("Not Found")
    return 200, _tree_object(fake, sha, recursive=bool(dict(exchange.query).get("recursive")))


def _tree_object(fake: FakeGitHub, sha: str, recursive: bool, prefix: str = "") -> dict[str, Any]:
    items = []
    for mode, kind, name, child in fake.trees[sha]:
        item = {
            "path": prefix + name,
            "mode": mode,
            "type": kind,
            "sha": child,
            "url": fake._api(f"git/{kind}s/{child}"),
        }
        items.append(item | ({"size": len(fake.blobs[child])} if kind == "blob" else {}))
        if recursive and kind == "tree":
            items += _tree_object(fake, child, True, f"{prefix}{name}/")["tree"]
    return {"sha": sha, "url": fake._api(f"git/trees/{sha}"), "tree": items, "truncated": False}


def _create_commit(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    body = exchange.json()
    parents = tuple(body.get("parents") or ())
    if body["tree"] not in fake.trees or any(parent not in fake.commits for parent in parents):
        return 422, _error("Tree SHA does not exist" if body["tree"] not in fake.trees else "Parent SHA does not exist")
    sha = fake._store_commit(Commit(body["tree"], parents, body["message"]))
    return 201, _commit_object(fake, sha, body["message"])


def _get_commit(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    sha = exchange.params["commit_sha"]
    if sha not in fake.commits:
        return 404, _error("Not Found")
    return 200, _commit_object(fake, sha, fake.commits[sha].message)


def _page(items: list[Any], exchange: Exchange) -> list[Any]:
    query = dict(exchange.query)
    size, page = min(int(query.get("per_page", 30)), 100), int(query.get("page", 1))
    return items[(page - 1) * size : page * size]


def _pull_files(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    pull = _find_pull(fake, exchange.params["pull_number"])
    if pull is None:
        return 422, _error("Validation Failed")
    files = []
    for path, (status, sha) in fake._pull_diff(pull).items():
        lines = len(fake.blobs[sha].decode(errors="replace").splitlines()) if sha else 0
        files.append(
            {
                "sha": sha or "0" * 40,
                "filename": path,
                "status": status,
                "additions": lines,
                "deletions": 0 if sha else 1,
                "changes": lines or 1,
                "blob_url": f"{GITHUB}/{fake.owner}/{fake.repo}/blob/x/{path}",
                "raw_url": f"{GITHUB}/{fake.owner}/{fake.repo}/raw/x/{path}",
                "contents_url": fake._api(f"contents/{path}"),
            }
        )
    return 200, _page(files, exchange)


def _user(login: str = "moderatrice") -> dict[str, Any]:
    return {
        "login": login,
        "id": 7,
        "node_id": "U_7",
        "avatar_url": f"{GITHUB}/avatar",
        "gravatar_id": None,
        "url": f"{GITHUB}/users/{login}",
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{GITHUB}/users/{login}/followers",
        "following_url": f"{GITHUB}/users/{login}/following{{/other_user}}",
        "gists_url": f"{GITHUB}/users/{login}/gists{{/gist_id}}",
        "starred_url": f"{GITHUB}/users/{login}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{GITHUB}/users/{login}/subscriptions",
        "organizations_url": f"{GITHUB}/users/{login}/orgs",
        "repos_url": f"{GITHUB}/users/{login}/repos",
        "events_url": f"{GITHUB}/users/{login}/events{{/privacy}}",
        "received_events_url": f"{GITHUB}/users/{login}/received_events",
        "type": "User",
        "site_admin": False,
    }


def _pull_reviews(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    pull = _find_pull(fake, exchange.params["pull_number"])
    if pull is None:
        return 200, []
    template = "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"
    reviews = []
    for index, (state, body) in enumerate(pull.reviews, 1):
        review = fake.contract.item_skeleton("GET", template, 200)
        reviews.append(
            review
            | {
                "id": index,
                "user": _user(),
                "body": body,
                "state": state,
                "commit_id": fake.refs.get(f"heads/{pull.head}"),
            }
        )
    return 200, _page(reviews, exchange)


def _pull_review_comments(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    pull = _find_pull(fake, exchange.params["pull_number"])
    if pull is None:
        return 200, []
    template = "/repos/{owner}/{repo}/pulls/{pull_number}/comments"
    comments = []
    for index, (path, body) in enumerate(pull.review_comments, 1):
        comment = fake.contract.item_skeleton("GET", template, 200)
        comments.append(comment | {"id": index, "user": _user(), "path": path, "body": body})
    return 200, _page(comments, exchange)


def _list_comments(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    number = int(exchange.params["issue_number"])
    target = _find_pull(fake, exchange.params["issue_number"]) or next(
        (issue for issue in fake.issues if issue.number == number), None
    )
    if target is None:
        return 404, _error("Not Found")
    template = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
    comments = []
    for index, body in enumerate(target.comments, 1):
        comment = fake.contract.item_skeleton("GET", template, 200)
        comments.append(comment | {"id": index, "user": _user(), "body": body})
    return 200, _page(comments, exchange)


def _rate_limit(fake: FakeGitHub, exchange: Exchange) -> tuple[int, Any]:
    return 200, fake.contract.skeleton("GET", "/rate_limit", 200)


_HANDLERS: dict[tuple[str, str], Callable[[FakeGitHub, Exchange], tuple[int, Any]]] = {
    ("GET", "/repos/{owner}/{repo}"): _get_repository,
    ("GET", "/repos/{owner}/{repo}/git/ref/{ref}"): _get_ref,
    ("POST", "/repos/{owner}/{repo}/git/refs"): _create_ref,
    ("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}"): _update_ref,
    ("DELETE", "/repos/{owner}/{repo}/git/refs/{ref}"): _delete_ref,
    ("POST", "/repos/{owner}/{repo}/git/blobs"): _create_blob,
    ("POST", "/repos/{owner}/{repo}/git/trees"): _create_tree,
    ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}"): _get_tree,
    ("POST", "/repos/{owner}/{repo}/git/commits"): _create_commit,
    ("GET", "/repos/{owner}/{repo}/git/commits/{commit_sha}"): _get_commit,
    ("GET", "/repos/{owner}/{repo}/contents/{path}"): _get_contents,
    ("PUT", "/repos/{owner}/{repo}/contents/{path}"): _put_contents,
    ("DELETE", "/repos/{owner}/{repo}/contents/{path}"): _delete_contents,
    ("GET", "/repos/{owner}/{repo}/pulls"): _list_pulls,
    ("POST", "/repos/{owner}/{repo}/pulls"): _create_pull,
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"): _get_pull,
    ("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}"): _update_pull,
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files"): _pull_files,
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"): _pull_reviews,
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"): _pull_review_comments,
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"): _list_comments,
    ("POST", "/repos/{owner}/{repo}/issues"): _create_issue,
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels"): _add_labels,
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"): _add_comment,
    ("GET", "/rate_limit"): _rate_limit,
}


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, without a delayed-ACK stall

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        fake = self.github
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        routed = fake.contract.route(url.path)
        if routed is None:
            fake.violations.append(f"{self.command} {url.path}: no such path in the contract")
            return self._send(404, {}, _error("Not Found"))
        template, raw = routed
        exchange = Exchange(
            self.command,
            url.path,
            template,
            {k: unquote(v) for k, v in raw.items()},
            parse_qsl(url.query, keep_blank_values=True),
            dict(self.headers.items()),
            body,
        )
        fake.exchanges.append(exchange)
        fake.on_request(exchange)
        if fake.contract.operation(self.command, template) is None:
            fake.violations.append(f"{self.command} {template}: no such operation in the contract")
            return self._send(404, {}, _error("Not Found"))
        if fake.checks(self.command, template) and (problems := fake.contract.request_problems(exchange)):
            fake.violations.extend(problems)
            return self._send(422, {}, _error("Invalid request"))
        status, headers, data, hang = fake.serve(exchange)
        exchange.status = status
        exchange.response = b"" if data is None else json.dumps(data).encode()
        exchange.response_headers = {"Content-Type": "application/json; charset=utf-8", **headers}
        if fake.checks(self.command, template, str(status)):
            fake.violations.extend(fake.contract.response_problems(exchange))
        if hang:
            time.sleep(hang)
        self._send(status, headers, data)

    def _send(self, status: int, headers: dict[str, str], data: Any) -> None:
        payload = b"" if data is None else json.dumps(data).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a hang test): the work is done, the answer lost
