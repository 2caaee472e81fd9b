"""The github backend: each submission becomes a pull request that moderators merge to publish.

A submission is a branch `entraide/<id>` holding one new file `submissions/<commune-slug>/<id>.yaml`, and a
pull request whose title and body tell moderators, in French, what to check; labels say the kind, the
category, the commune and each automatic flag. The entry id is derived from the form's idempotency key, so
the branch name is too: a retried submission finds its branch or pull request and goes on from where the
first attempt stopped, and never opens a second one.

What residents wrote reaches the pull request only inside code blocks or code spans whose fences are
longer than any run of backticks in the text, so it cannot close them: GitHub then shows HTML, Markdown,
@mentions and #references as plain text. The body never holds the contact, sealed or not: only the file
in the diff does, sealed.
"""

from __future__ import annotations

import base64
import logging
import math
import re
import textwrap
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from entraide.backends import ForgeUnavailable
from entraide.batches import REFUSAL_FORM, batch_branch, is_batch, withdrawal_comment
from entraide.categories import category, kind
from entraide.communes import load_communes
from entraide.entries import Entry, to_yaml
from entraide.forge import PUBLIC_API_URL, Clock, ForgeBusy, ForgeError, GitHubClient, Limits, SharedWrites
from entraide.forms import ENTRY
from entraide.status import status_label

if TYPE_CHECKING:
    from entraide.config import Config
    from entraide.rules import Flag

log = logging.getLogger("entraide.github")

REF = "/repos/{owner}/{repo}/git/ref/{ref}"
REFS = "/repos/{owner}/{repo}/git/refs"
CONTENTS = "/repos/{owner}/{repo}/contents/{path}"
PULLS = "/repos/{owner}/{repo}/pulls"
PULL = "/repos/{owner}/{repo}/pulls/{pull_number}"
ISSUES = "/repos/{owner}/{repo}/issues"
LABELS = "/repos/{owner}/{repo}/issues/{issue_number}/labels"
COMMENTS = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
BRANCH_REF = "/repos/{owner}/{repo}/git/refs/{ref}"
TREES = "/repos/{owner}/{repo}/git/trees"
GIT_COMMITS = "/repos/{owner}/{repo}/git/commits"
GIT_COMMIT = "/repos/{owner}/{repo}/git/commits/{commit_sha}"

BRANCH_PREFIX = "entraide/"
STATUS_BRANCH_PREFIX = "entraide/statut-"  # the workflow status.yml looks at these branches only
STATUS_LABEL = "Changement de statut"
OPENED_MEMORY = 10_000
SUBMIT_WRITES = 4  # create the branch, commit the file, open the pull request, label it
BATCH_WRITES = 5  # the tree of every file, its commit, the branch, the pull request, its labels
BATCH_LABEL = "Lot"
HOUR = 3600.0
BODY_LIMIT = 60_000  # GitHub refuses a pull request body over 65,536 characters
PAGE = 100
ENTRY_ID = re.compile(r"[a-z0-9][a-z0-9-]{5,63}")  # the schema's id pattern: safe in a URL and a branch name
GUIDE_PATH = "docs/guide-moderation.md"
FOLD_COLUMNS = 100
ERROR_RETRY_AFTER = 300
QUEUE_RETRY_AFTER = 15


@dataclass(frozen=True)
class Batching:
    """When the queue holds more than `threshold` entries, one commune's entries go in one pull request, at most
    `size` of them (ENTRAIDE_BATCH_THRESHOLD, ENTRAIDE_BATCH_SIZE)."""

    threshold: int
    size: int


class GitHubBackend:
    """Pending entries as pull requests on one GitHub repository; writes go one at a time."""

    def __init__(
        self,
        repository: str,
        token: str,
        *,
        api_url: str = PUBLIC_API_URL,
        base_branch: str = "main",
        submissions_path: str = "submissions",
        site_url: str = "",
        timeout_seconds: float = 10.0,
        connect_timeout_seconds: float = 3.05,
        limits: Limits | None = None,
        clock: Clock | None = None,
        shared: SharedWrites | None = None,
        wall: Callable[[], float] = time.time,
        index_max_age_seconds: float = 60.0,
        batching: Batching | None = None,
    ) -> None:
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository or ""):
            raise ValueError(f"GITHUB_REPOSITORY must be owner/name, not {repository!r}")
        if not token:
            raise ValueError("GITHUB_TOKEN is empty: the github backend needs a token that can open pull requests")
        self.repository = repository
        self.base_branch = base_branch
        self.submissions_path = submissions_path.strip("/")
        self.site_url = site_url.rstrip("/")
        self.guide_url = f"{_web_url(api_url)}/{repository}/blob/{base_branch}/{GUIDE_PATH}"
        self._client = GitHubClient(
            api_url,
            token,
            repository,
            limits=limits,
            clock=clock,
            timeout=(min(connect_timeout_seconds, timeout_seconds), timeout_seconds),
            shared=shared,
            wall=wall,
        )
        self._write_lock = threading.Lock()
        self._index: dict[str, str] = {}
        self._index_time = -math.inf
        self._index_max_age = index_max_age_seconds
        self._index_lock = threading.Lock()
        self._opened: OrderedDict[str, str] = OrderedDict()  # entry id → pull request URL, opened by this process
        self.batching = batching

    @classmethod
    def from_config(cls, config: Config, shared: SharedWrites | None = None) -> GitHubBackend:
        return cls(
            config.github_repository,
            config.github_token,
            api_url=config.github_api_url,
            base_branch=config.base_branch,
            site_url=config.site_url,
            timeout_seconds=config.github_timeout_seconds,
            shared=shared,
            batching=Batching(config.batch_threshold, config.batch_size),
        )

    # The Backend interface

    def submit(self, entry: Entry, flags: list[Flag], idempotency_key: str) -> str:
        """The pull request's URL; the entry id, hence the branch, follows from `idempotency_key`."""
        if not ENTRY_ID.fullmatch(entry.id):
            raise ValueError(f"entry id {entry.id!r} does not match the schema: it would make a bad branch name")
        with _forge_errors(), self._writing():
            return self._open_submission(entry, flags)

    def submit_batch(self, name: str, members: list[tuple[Entry, list[Flag]]]) -> dict[str, str]:
        """One pull request for these entries of one commune, on the branch `entraide/lot-<name>`: entry id → its
        URL, for each entry it holds. Handed over again (a publisher killed half way), it finishes what was
        started and never opens a second; an entry the existing pull request does not list is left out (the
        publisher puts it in another batch)."""
        for entry, _ in members:
            if not ENTRY_ID.fullmatch(entry.id):
                raise ValueError(f"entry id {entry.id!r} does not match the schema")
        if not ENTRY_ID.fullmatch(name):
            raise ValueError(f"batch name {name!r} would make a bad branch name")
        with _forge_errors(), self._writing():
            return self._open_batch(name, members)

    def batch_wait(self) -> float:
        """Seconds before the next batch may start. While the queue is long GitHub's hourly budget is spent
        evenly, a batch every 3,600 × 5 ÷ 500 = 36 s at most: the largest communes fill up in between, instead of
        the hour's writes going in its first minutes on batches of two or three entries. Nor does a batch start
        before GitHub's windows have room for its writes: its entries stay in the queue, where others join them."""
        interval = HOUR * BATCH_WRITES / self._client.throttle.limits.writes_per_hour
        return max(0.0, interval - self._client.since_last_write(), self._client.room_wait(BATCH_WRITES))

    def find(self, entry_id: str) -> Entry | None:
        if not ENTRY_ID.fullmatch(entry_id):
            return None
        with _forge_errors():
            found = self._approved_file(entry_id)
            if found:
                return _entry_of(found)
            pending = self._pending_file(entry_id)
            return _entry_of(pending) if pending else None

    def find_published(self, entry_id: str) -> Entry | None:
        if not ENTRY_ID.fullmatch(entry_id):
            return None
        with _forge_errors():
            found = self._approved_file(entry_id)
        return _entry_of(found) if found else None

    def withdraw(self, entry: Entry) -> str:
        """A pull request deleting the published file, or the pending pull request closed."""
        with _forge_errors(), self._writing():
            existing = self._pull_for(_withdraw_branch(entry.id), "all")
            if existing:
                return existing["html_url"]
            published = self._approved_file(entry.id)
            if published:
                return self._open_withdrawal(entry, published)
            pending = self._pull_for(_submission_branch(entry.id), "open")
            if pending:
                return self._close_pending(pending)
            batch = self._batch_holding(entry.id)
            if batch:
                return self._withdraw_from_batch(entry, batch)
        raise LookupError(f"entry {entry.id} is neither published nor pending")

    def change_status(self, entry: Entry, updated: Entry) -> str:
        """A pull request changing only the status (or the renewal) of the published file, on a branch named after
        the change and the file's version: a retry finds it, and the workflow status.yml merges it by itself."""
        with _forge_errors(), self._writing():
            published = self._approved_file(entry.id)
            if not published:
                raise LookupError(f"entry {entry.id} is not published")
            change = "renouvellement" if updated.renewed != entry.renewed else updated.state
            branch = f"{STATUS_BRANCH_PREFIX}{entry.id}-{change}-{published['sha'][:8]}"
            existing = self._pull_for(branch, "all")
            if existing:
                return existing["html_url"]
            self._client.reserve(SUBMIT_WRITES)
            fresh = self._ensure_branch(branch)
            self._update_file(branch, published, to_yaml(updated), f"Statut de l'annonce {entry.id} : {change}", fresh)
            body = status_body(entry, updated, published["path"], self.guide_url)
            pull = self._open_pull(branch, status_title(entry, updated), body)
            self._add_labels(pull, [STATUS_LABEL, _commune_label(entry)])
            log.info("entry %s: status pull request #%s", entry.id, pull["number"])
            return pull["html_url"]

    def _update_file(self, branch: str, published: dict[str, Any], text: str, message: str, fresh: bool) -> None:
        """The published file rewritten on `branch`; nothing when an earlier attempt already wrote it there."""
        if not fresh:
            current = self._read(published["path"], branch)
            if current and base64.b64decode(current.get("content") or "").decode("utf-8") == text:
                return
            published = current or published
        content = base64.b64encode(text.encode("utf-8")).decode("ascii")
        self._client.call(
            "PUT",
            CONTENTS,
            path=published["path"],
            expect=(200, 201),
            body={"message": message, "content": content, "sha": published["sha"], "branch": branch},
        )

    def report(self, entry: Entry, reason: str, previous: str | None = None) -> str:
        """An issue for the moderators, or a comment on the entry's issue (`previous`, its URL); never retried after
        a server error, so never doubled."""
        if previous and (number := previous.rstrip("/").rsplit("/", 1)[-1]).isdigit():
            comment = {"body": _markdown("### Nouveau signalement", "", "Motif donné :", fenced(reason))}
            with _forge_errors(), self._writing():
                self._client.call(
                    "POST", COMMENTS, body=comment, expect=(201,), retry_server_errors=False, issue_number=number
                )
            return previous
        body = {
            "title": report_title(entry),
            "body": report_body(entry, reason, self._entry_path(entry), self.site_url, self.guide_url),
            "labels": ["Signalement", _commune_label(entry)],
        }
        with _forge_errors(), self._writing():
            reply = self._client.call("POST", ISSUES, body=body, expect=(201,), retry_server_errors=False)
        log.info("report on %s opened issue #%s", entry.id, reply.data["number"])
        return reply.data["html_url"]

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write sequence at a time; a resident queued behind others waits a little, then gets a 503."""
        patience = 2 * self._client.throttle.limits.max_wait_seconds
        if not self._write_lock.acquire(timeout=patience):
            raise ForgeBusy(QUEUE_RETRY_AFTER, f"other submissions were being sent for {patience:.0f} s")
        try:
            yield
        finally:
            self._write_lock.release()

    # Submissions

    def _open_submission(self, entry: Entry, flags: list[Flag]) -> str:
        """Retries answered here cost GitHub nothing; while its limits are reached, nobody asks it anything."""
        if entry.id in self._opened:
            return self._opened[entry.id]
        self._client.reserve(SUBMIT_WRITES)
        handed = self._open_or_find_pull(entry, flags)
        self._opened[entry.id] = handed
        while len(self._opened) > OPENED_MEMORY:
            self._opened.popitem(last=False)
        return handed

    def _open_or_find_pull(self, entry: Entry, flags: list[Flag]) -> str:
        branch = _submission_branch(entry.id)
        labels = submission_labels(entry, flags)
        existing = self._pull_for(branch, "all")  # opened by another instance, or by an attempt whose answer was lost
        if existing:
            self._add_labels(existing, labels, retried=True)
            return existing["html_url"]
        fresh = self._ensure_branch(branch)
        path = self._entry_path(entry)
        self._ensure_file(branch, path, to_yaml(entry), f"Nouvelle annonce {entry.id}", fresh)
        pull = self._open_pull(branch, submission_title(entry), submission_body(entry, flags, path, self.guide_url))
        self._add_labels(pull, labels, retried=True)
        log.info("entry %s: pull request #%s", entry.id, pull["number"])
        return pull["html_url"]

    def _ensure_branch(self, branch: str) -> bool:
        """Create the branch from the base branch; False when an earlier attempt already did."""
        if self._client.call("GET", REF, ref=f"heads/{branch}", expect=(200, 404)).status == 200:
            return False
        base = self._client.call("GET", REF, ref=f"heads/{self.base_branch}", expect=(200,)).data["object"]["sha"]
        created = self._client.call("POST", REFS, body={"ref": f"refs/heads/{branch}", "sha": base}, expect=(201, 422))
        return created.status == 201

    def _ensure_file(self, branch: str, path: str, text: str, message: str, fresh: bool) -> None:
        if not fresh and self._read(path, branch):
            return
        content = base64.b64encode(text.encode("utf-8")).decode("ascii")
        reply = self._client.call(
            "PUT",
            CONTENTS,
            path=path,
            expect=(201, 422),
            body={"message": message, "content": content, "branch": branch},
        )
        if reply.status == 422 and not self._read(path, branch):
            raise ForgeError(422, "PUT", CONTENTS, str(reply.data))

    def _open_pull(self, branch: str, title: str, body: str) -> dict[str, Any]:
        reply = self._client.call(
            "POST",
            PULLS,
            expect=(201, 422),
            body={"title": title, "head": branch, "base": self.base_branch, "body": body},
        )
        if reply.status == 201:
            return reply.data
        existing = self._pull_for(branch, "all")  # opened by an attempt whose answer was lost
        if not existing:
            raise ForgeError(422, "POST", PULLS, str(reply.data))
        return existing

    def _add_labels(self, pull: dict[str, Any], labels: list[str], *, retried: bool = False) -> None:
        """Moderators find their commune's entries by label. When `retried` (a submission: the publisher hands it
        over again), GitHub's limits raise ForgeBusy and the retry adds the missing labels; a refusal that
        waiting will not fix (a token without the permission) is logged and let go."""
        present = {label["name"] for label in pull.get("labels") or []}
        missing = [label for label in labels if label not in present]
        if not missing:
            return
        try:
            self._client.call("POST", LABELS, issue_number=str(pull["number"]), body={"labels": missing}, expect=(200,))
        except ForgeBusy as error:
            if retried:
                raise
            log.warning("pull request #%s left without labels: %s", pull["number"], error)
        except ForgeError as error:
            log.warning("pull request #%s left without labels: %s", pull["number"], error)

    def _pull_for(self, branch: str, state: str) -> dict[str, Any] | None:
        reply = self._client.call(
            "GET", PULLS, params={"head": f"{self._client.owner}:{branch}", "state": state}, expect=(200,)
        )
        return reply.data[0] if reply.data else None

    # Batches

    def _open_batch(self, name: str, members: list[tuple[Entry, list[Flag]]]) -> dict[str, str]:
        self._client.reserve(BATCH_WRITES)
        branch = batch_branch(name)
        pull = self._pull_for(branch, "all")  # opened by an attempt killed before the queue knew
        if not pull:
            self._ensure_batch_branch(branch, [entry for entry, _ in members])
            paths = [self._entry_path(entry) for entry, _ in members]
            pull = self._open_pull(branch, batch_title(members), batch_body(members, paths, self.guide_url))
        self._add_labels(pull, batch_labels(members), retried=True)
        body = pull.get("body") or ""
        held = {entry.id: pull["html_url"] for entry, _ in members if f"`{self._entry_path(entry)}`" in body}
        log.info("batch %s: pull request #%s holds %d of %d entries", name, pull["number"], len(held), len(members))
        return held

    def _ensure_batch_branch(self, branch: str, entries: list[Entry]) -> None:
        """The branch is one commit: the base branch plus exactly these files. An earlier attempt's branch is
        made again when it holds something else (an entry withdrawn since, a base branch that moved)."""
        base = self._client.call("GET", REF, ref=f"heads/{self.base_branch}", expect=(200,)).data["object"]["sha"]
        base_tree = self._client.call("GET", GIT_COMMIT, commit_sha=base, expect=(200,)).data["tree"]["sha"]
        files = [
            {"path": self._entry_path(entry), "mode": "100644", "type": "blob", "content": to_yaml(entry)}
            for entry in entries
        ]
        tree = self._client.call("POST", TREES, body={"base_tree": base_tree, "tree": files}, expect=(201,))
        head = self._client.call("GET", REF, ref=f"heads/{branch}", expect=(200, 404))
        if head.status == 200:
            made = self._client.call("GET", GIT_COMMIT, commit_sha=head.data["object"]["sha"], expect=(200,))
            if made.data["tree"]["sha"] == tree.data["sha"]:
                return
        message = f"Lot de {len(entries)} annonce{'s' if len(entries) > 1 else ''} : " + ", ".join(
            entry.id for entry in entries
        )
        commit = self._client.call(
            "POST", GIT_COMMITS, body={"message": message, "tree": tree.data["sha"], "parents": [base]}, expect=(201,)
        ).data["sha"]
        if head.status == 200:
            self._client.call("PATCH", BRANCH_REF, ref=f"heads/{branch}", body={"sha": commit, "force": True})
        else:
            self._client.call("POST", REFS, body={"ref": f"refs/heads/{branch}", "sha": commit}, expect=(201,))

    def _batch_holding(self, entry_id: str) -> dict[str, Any] | None:
        """The open batch whose body lists this entry's file (bodies are written by the publisher)."""
        listed = re.compile(rf"`{re.escape(self.submissions_path)}/[a-z0-9-]+/{re.escape(entry_id)}\.yaml`")
        page = 1
        while True:
            reply = self._client.call(
                "GET", PULLS, params={"state": "open", "per_page": PAGE, "page": page}, expect=(200,)
            )
            for pull in reply.data:
                if is_batch(pull["head"]["ref"]) and listed.search(pull.get("body") or ""):
                    return pull
            if len(reply.data) < PAGE:
                return None
            page += 1

    def _withdraw_from_batch(self, entry: Entry, pull: dict[str, Any]) -> str:
        """One commit removing the entry's file from the batch's branch, then a comment the moderators and the
        batch's checks read (`Retrait <id> : …`); the rest of the batch stays as it is."""
        branch, path = pull["head"]["ref"], self._entry_path(entry)
        found = self._read(path, branch)
        if found:
            self._client.call(
                "DELETE",
                CONTENTS,
                path=path,
                expect=(200,),
                body={
                    "message": f"Retrait de l'annonce {entry.id} par son auteur",
                    "sha": found["sha"],
                    "branch": branch,
                },
            )
        number = str(pull["number"])
        said = self._client.call("GET", COMMENTS, issue_number=number, params={"per_page": PAGE}, expect=(200,))
        if not any((comment.get("body") or "").startswith(f"Retrait {entry.id} ") for comment in said.data):
            self._client.call(
                "POST", COMMENTS, issue_number=number, expect=(201,), body={"body": withdrawal_comment(entry.id)}
            )
        log.info("entry %s withdrawn from batch #%s", entry.id, number)
        return pull["html_url"]

    # Withdrawals

    def _open_withdrawal(self, entry: Entry, published: dict[str, Any]) -> str:
        branch = _withdraw_branch(entry.id)
        self._client.reserve(SUBMIT_WRITES)
        fresh = self._ensure_branch(branch)
        if fresh or self._read(published["path"], branch):
            self._client.call(
                "DELETE",
                CONTENTS,
                path=published["path"],
                expect=(200,),
                body={"message": f"Retrait de l'annonce {entry.id}", "sha": published["sha"], "branch": branch},
            )
        pull = self._open_pull(
            branch, withdrawal_title(entry), withdrawal_body(entry, published["path"], self.guide_url)
        )
        self._add_labels(pull, ["Retrait", _commune_label(entry)])
        log.info("entry %s: withdrawal pull request #%s", entry.id, pull["number"])
        return pull["html_url"]

    def _close_pending(self, pull: dict[str, Any]) -> str:
        number = str(pull["number"])
        self._client.call(
            "POST",
            COMMENTS,
            issue_number=number,
            expect=(201,),
            body={
                "body": "L'auteur a retiré son annonce avec sa clé de retrait : cette demande est fermée sans être "
                "publiée. Il n'y a rien d'autre à faire."
            },
        )
        self._client.call("PATCH", PULL, pull_number=number, body={"state": "closed"}, expect=(200,))
        log.info("pending pull request #%s closed at its author's request", number)
        return pull["html_url"]

    # Finding entries

    def _approved_file(self, entry_id: str) -> dict[str, Any] | None:
        """The file on the base branch: first where its id says (`<commune>-<date>-<hash>`), then the index."""
        for path in self._likely_paths(entry_id):
            found = self._read(path, self.base_branch)
            if found:
                return found
        path = self._indexed_path(entry_id)
        return self._read(path, self.base_branch) if path else None

    def _likely_paths(self, entry_id: str) -> Iterator[str]:
        for commune in load_communes():
            if entry_id.startswith(commune.slug + "-"):
                yield f"{self.submissions_path}/{commune.slug}/{entry_id}.yaml"

    def _indexed_path(self, entry_id: str) -> str | None:
        """Where an id lives, from the base branch's folder listings, refreshed at most once per max age."""
        with self._index_lock:
            now = self._client.throttle.clock.monotonic()
            if entry_id not in self._index and now - self._index_time > self._index_max_age:
                self._index = self._list_submissions()
                self._index_time = now
            return self._index.get(entry_id)

    def _list_submissions(self) -> dict[str, str]:
        """Every entry file's path by id (the contents API lists up to 1,000 files per folder)."""
        top = self._client.call(
            "GET", CONTENTS, path=self.submissions_path, params={"ref": self.base_branch}, expect=(200, 404)
        )
        folders = [item["path"] for item in top.data or [] if item["type"] == "dir"] if top.status == 200 else []
        from concurrent.futures import ThreadPoolExecutor  # only for this rare refresh: cold start matters

        with ThreadPoolExecutor(max_workers=8) as pool:
            listings = pool.map(
                lambda folder: (
                    self._client.call(
                        "GET", CONTENTS, path=folder, params={"ref": self.base_branch}, expect=(200, 404)
                    ).data
                ),
                folders,
            )
            return {
                item["name"].removesuffix(".yaml"): item["path"]
                for listing in listings
                for item in listing or []
                if item["type"] == "file" and item["name"].endswith(".yaml")
            }

    def _pending_file(self, entry_id: str) -> dict[str, Any] | None:
        """The file of its own pull request, or of the open batch that lists it."""
        branch = _submission_branch(entry_id)
        pull = self._pull_for(branch, "open")
        if not pull:
            pull = self._batch_holding(entry_id)
        if not pull:
            return None
        match = re.search(
            rf"{re.escape(self.submissions_path)}/[a-z0-9-]+/{re.escape(entry_id)}\.yaml", pull.get("body") or ""
        )
        return self._read(match.group(0), pull["head"]["ref"]) if match else None

    def _read(self, path: str, ref: str) -> dict[str, Any] | None:
        reply = self._client.call("GET", CONTENTS, path=path, params={"ref": ref}, expect=(200, 404))
        return reply.data if reply.status == 200 and isinstance(reply.data, dict) else None

    def _entry_path(self, entry: Entry) -> str:
        return f"{self.submissions_path}/{entry.commune_slug}/{entry.id}.yaml"


@contextmanager
def _forge_errors() -> Iterator[None]:
    """The client's errors as ForgeUnavailable, with a French message the resident can act on."""
    try:
        yield
    except ForgeBusy as busy:
        log.warning("GitHub cannot take it now: %s", busy)
        raise ForgeUnavailable(busy.retry_after, busy_message(busy.retry_after)) from busy
    except ForgeError as error:
        log.error("GitHub refused: %s", error)
        raise ForgeUnavailable(ERROR_RETRY_AFTER, busy_message(ERROR_RETRY_AFTER)) from error


def busy_message(retry_after: int) -> str:
    return (
        f"Le service qui reçoit les annonces est très sollicité et ne peut pas prendre la vôtre tout de suite. "
        f"Rien n'a été perdu : ce que vous avez écrit est conservé. Réessayez {_in_words(retry_after)}."
    )


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"dans {max(1, seconds)} seconde{'s' if seconds > 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"dans {minutes} minutes" if minutes < 90 else f"dans {math.ceil(minutes / 60)} heures"


def _entry_of(content: dict[str, Any]) -> Entry | None:
    """The file read from GitHub through the one pipeline: an entry the build would refuse is not served."""
    from entraide.pipeline import check_text, errors  # not on a submission's path: the cold start counts

    try:
        text = base64.b64decode(content.get("content") or "").decode("utf-8")
    except ValueError:  # not base64, not UTF-8: `entraide check` tells moderators why
        log.warning("%s cannot be read as an entry", content["path"])
        return None
    file = check_text(text, Path(content["path"]))
    if file.entry is None:
        log.warning("%s is not a valid entry (%d problems)", content["path"], len(errors(file.findings)))
    return file.entry


def _submission_branch(entry_id: str) -> str:
    return f"{BRANCH_PREFIX}{entry_id}"


def _withdraw_branch(entry_id: str) -> str:
    return f"{BRANCH_PREFIX}retrait-{entry_id}"


def _web_url(api_url: str) -> str:
    """github.com for the public API, the host for GitHub Enterprise (`https://host/api/v3`)."""
    api_url = api_url.rstrip("/")
    if api_url == PUBLIC_API_URL:
        return "https://github.com"
    return api_url.removesuffix("/api/v3")


# Texts moderators read: pure functions of the entry.


def submission_title(entry: Entry) -> str:
    return (
        f"[{_kind_word(entry)}] {category(entry.category).label} — {_commune_name(entry)} — "
        f"« {plain_text(entry.title)} »"
    )


def withdrawal_title(entry: Entry) -> str:
    return f"[Retrait] {category(entry.category).label} — {_commune_name(entry)} — « {plain_text(entry.title)} »"


def report_title(entry: Entry) -> str:
    return f"Signalement — {_commune_name(entry)} — « {plain_text(entry.title)} » ({entry.id})"


def submission_labels(entry: Entry, flags: list[Flag]) -> list[str]:
    labels = [_kind_word(entry), category(entry.category).label, _commune_label(entry)]
    labels += [f"À vérifier : {flag.label.lower()}" for flag in flags]
    return list(dict.fromkeys(labels))


CHECKLIST = (
    "- [ ] Le texte ne contient aucune coordonnée (téléphone, e-mail, adresse, lien) ni donnée personnelle.",
    "- [ ] L'aide est gratuite : rembourser des courses est normal, demander à être payé ne l'est pas.",
    "- [ ] La catégorie et la commune correspondent au texte.",
    "- [ ] Le texte est respectueux et ne met personne en danger.",
)
REPORT_STEPS = (
    "- [ ] Relire l'annonce et le motif.",
    "- [ ] Si l'annonce enfreint la charte, la retirer en supprimant son fichier (voir le guide).",
    "- [ ] Fermer ce signalement en indiquant la décision.",
)


def submission_body(entry: Entry, flags: list[Flag], path: str, guide_url: str) -> str:
    heading = f"## {kind(entry.kind).label} — {category(entry.category).label} — {_commune_name(entry)}"
    availability = fenced(entry.availability) if entry.availability else "_Non précisées._"
    return _markdown(
        heading,
        "",
        "Une personne a déposé cette annonce avec le formulaire du site. **Fusionner** (bouton « Merge pull "
        "request ») la publie ; **fermer sans fusionner** (« Close pull request ») la refuse.",
        "",
        *_facts(entry, path),
        "",
        *("### Titre", fenced(entry.title), "### Description", fenced(entry.description)),
        *("### Prénom ou pseudonyme", fenced(entry.name), "### Disponibilités", availability),
        "",
        "### Signalements automatiques",
        *(_flag_lines(flags) or ["Aucun signalement automatique."]),
        "",
        "### À vérifier avant de fusionner",
        *CHECKLIST,
        "",
        "Le contact de la personne est chiffré dans le fichier : il n'apparaît nulle part en clair et ne doit "
        f"jamais être recopié ici. Voir le [guide de modération]({guide_url}).",
    )


def batch_title(members: list[tuple[Entry, list[Flag]]]) -> str:
    count = len(members)
    return f"[Lot] {_commune_name(members[0][0])} — {count} annonce{'s' if count > 1 else ''}"


def batch_labels(members: list[tuple[Entry, list[Flag]]]) -> list[str]:
    labels = [BATCH_LABEL, _commune_label(members[0][0])]
    labels += [f"À vérifier : {flag.label.lower()}" for _, flags in members for flag in flags]
    return list(dict.fromkeys(labels))


def batch_body(members: list[tuple[Entry, list[Flag]]], paths: list[str], guide_url: str) -> str:
    """Each entry as a single pull request shows it (text as code, flags as a checklist, its id and file);
    descriptions are shortened only when the whole would pass GitHub's limit, never the other fields."""
    sections = _batch_sections(members, paths, None)
    if sum(map(len, sections)) > BODY_LIMIT:  # share what is left, once every other field is in, between them
        bare = sum(map(len, _batch_sections(members, paths, 0)))
        sections = _batch_sections(members, paths, max(0, (BODY_LIMIT - bare) // len(members)))
    commune = _commune_name(members[0][0])
    return _markdown(
        f"## Lot de {len(members)} annonce{'s' if len(members) > 1 else ''} — {commune}",
        "",
        "Des habitants ont déposé ces annonces avec le formulaire du site. Beaucoup d'annonces arrivent en même "
        "temps : elles sont regroupées par commune pour être relues ensemble.",
        "",
        "- **Tout accepter** : fusionner (bouton « Merge pull request »).",
        "- **Refuser une annonce** : dans l'onglet « Files changed », supprimer son fichier (« … » puis « Delete "
        "file »), puis écrire le motif dans un commentaire, une ligne par annonce refusée : "
        f"`{REFUSAL_FORM}`. Chaque auteur reçoit le motif par e-mail.",
        "- **Tout refuser** : écrire le motif en commentaire, puis fermer sans fusionner (« Close pull request »).",
        "",
        *("### À vérifier pour chaque annonce", *CHECKLIST),
        "",
        "Les contacts sont chiffrés dans les fichiers : ils n'apparaissent nulle part en clair et ne doivent jamais "
        f"être recopiés ici. Voir le [guide de modération, section « Les lots »]({guide_url}#les-lots).",
        "",
        *sections,
    )


def _batch_sections(members: list[tuple[Entry, list[Flag]]], paths: list[str], room: int | None) -> list[str]:
    return [
        _batch_section(number, entry, flags, path, room)
        for number, ((entry, flags), path) in enumerate(zip(members, paths, strict=True), 1)
    ]


def _batch_section(number: int, entry: Entry, flags: list[Flag], path: str, room: int | None) -> str:
    description = entry.description
    shortened = room is not None and len(description) > room
    if shortened:
        description = description[:room].rstrip() + " […]"
    availability = fenced(entry.availability) if entry.availability else "_Non précisées._"
    where = "un point approximatif" if entry.location else "la commune seulement"
    return _markdown(
        "---",
        f"### {number}. {kind(entry.kind).label} — {category(entry.category).label} — « {plain_text(entry.title)} »",
        "",
        f"Identifiant : `{entry.id}` · fichier `{path}` · déposée le {entry.created_at:%d/%m/%Y à %H:%M} · "
        f"en ligne jusqu'au {entry.expires_on:%d/%m/%Y} · sur la carte : {where}",
        "",
        *("**Titre**", fenced(entry.title), "**Description**", fenced(description)),
        *(["_Description raccourcie ici : le texte entier est dans le fichier._"] if shortened else []),
        *("**Prénom ou pseudonyme**", fenced(entry.name), "**Disponibilités**", availability),
        "",
        "**Signalements automatiques**",
        *(_flag_lines(flags) or ["Aucun signalement automatique."]),
    )


def withdrawal_body(entry: Entry, path: str, guide_url: str) -> str:
    return _markdown(
        "## Retrait demandé par l'auteur",
        "",
        "L'auteur de cette annonce a demandé son retrait avec sa clé de retrait, vérifiée par le formulaire. "
        "**Fusionnez** cette demande sans attendre : elle supprime le fichier de l'annonce et la retire du site.",
        "",
        *_facts(entry, path),
        "",
        *("### Titre", fenced(entry.title)),
        "",
        f"Voir le [guide de modération]({guide_url}).",
    )


def status_title(entry: Entry, updated: Entry) -> str:
    change = "Toujours d'actualité" if updated.renewed != entry.renewed else status_label(entry.kind, updated.state)
    return f"[Statut] {change} — {_commune_name(entry)} — « {plain_text(entry.title)} »"


def status_body(entry: Entry, updated: Entry, path: str, guide_url: str) -> str:
    before, after = status_label(entry.kind, entry.state), status_label(entry.kind, updated.state)
    renewal = (
        [
            f"L'auteur a indiqué avoir toujours besoin d'aide : l'annonce est prolongée jusqu'au "
            f"{updated.expires_on:%d/%m/%Y} et remise en tête des annonces (une seule fois).",
            "",
        ]
        if updated.renewed != entry.renewed
        else []
    )
    return _markdown(
        f"## Changement de statut : {before} → {after}",
        "",
        "L'auteur de l'annonce a changé son état avec sa clé de retrait ou le lien de l'e-mail de suivi, vérifiés "
        "par le formulaire. Cette demande ne modifie que le champ `status` (et, pour un renouvellement, `renewed` "
        "et `expires`) : le workflow « Fusionner les changements de statut » la fusionne de lui-même. S'il l'a "
        "signalée, c'est qu'elle touche autre chose : ne la fusionnez pas sans avoir compris pourquoi.",
        "",
        *renewal,
        *_facts(entry, path),
        "",
        *("### Titre", fenced(entry.title)),
        "",
        f"Voir le [guide de modération]({guide_url}).",
    )


def report_body(entry: Entry, reason: str, path: str, site_url: str, guide_url: str) -> str:
    page = [f"Page de l'annonce : {site_url}/annonces/{entry.id}/", ""] if site_url else []
    return _markdown(
        "## Une annonce a été signalée",
        "",
        *page,
        *_facts(entry, path),
        "",
        *("### Titre de l'annonce", fenced(entry.title)),
        *("### Motif donné par la personne qui signale", fenced(reason)),
        "",
        "### Que faire",
        *REPORT_STEPS,
        "",
        f"Voir le [guide de modération]({guide_url}).",
    )


def _markdown(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _facts(entry: Entry, path: str) -> list[str]:
    commune = load_communes().by_code[entry.commune]
    where = "un point approximatif (à quelques centaines de mètres près)" if entry.location else "la commune seulement"
    return [
        "| | |",
        "|---|---|",
        f"| Type | {kind(entry.kind).label} |",
        f"| Catégorie | {category(entry.category).label} |",
        f"| Commune | {commune.name} ({commune.code}) |",
        f"| Sur la carte | {where} |",
        f"| Déposée le | {entry.created_at:%d/%m/%Y à %H:%M} |",
        f"| En ligne jusqu'au | {entry.expires_on:%d/%m/%Y} |",
        f"| Fichier | `{path}` |",
    ]


def _flag_lines(flags: list[Flag]) -> list[str]:
    return [f"- [ ] **{flag.label}** {_where(flag.key)} : {code_span(flag.excerpt)}" for flag in flags]


def _where(key: str) -> str:
    """A form field by the label residents saw; anything else (how an agent filed it) as it is said."""
    field = ENTRY.get(key)
    return f"dans le champ « {field.summary_label} »" if field else f"dans {key}"


def fenced(text: str) -> str:
    """A code block no text can close (its fence is longer than any run of backticks inside), its long lines
    folded: GitHub does not wrap code blocks, and moderators read on any screen."""
    fence = "`" * max(3, _longest_run(text, "`") + 1)
    folded = "\n".join(_fold(line) for line in text.split("\n"))
    return f"{fence}text\n{folded}\n{fence}"


def _fold(line: str) -> str:
    if len(line) <= FOLD_COLUMNS:
        return line
    return textwrap.fill(line, FOLD_COLUMNS, break_long_words=False, break_on_hyphens=False)


def code_span(text: str) -> str:
    """Inline code no text can close, on one line."""
    text = " ".join(text.split()) or "…"
    fence = "`" * (_longest_run(text, "`") + 1)
    return f"{fence} {text} {fence}"


def plain_text(text: str) -> str:
    """A title shown as typed: GitHub would turn `code`, @mentions and #123 references in titles into markup."""
    text = " ".join(text.split()).replace("`", "ˋ")
    return re.sub(r"([@#])", "\\1\u200b", text)


def _longest_run(text: str, char: str) -> int:
    return max((len(run) for run in re.findall(f"{re.escape(char)}+", text)), default=0)


def _kind_word(entry: Entry) -> str:
    return kind(entry.kind).label.split()[0]  # « Offre d'aide » → « Offre »


def _commune_name(entry: Entry) -> str:
    return load_communes().by_code[entry.commune].name


def _commune_label(entry: Entry) -> str:
    return f"Commune : {_commune_name(entry)}"
