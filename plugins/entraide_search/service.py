"""A Pagefind indexing process, driven over its service protocol: records in, index files out, in memory.

`pagefind --service` (the binary of the `pagefind[extended]` wheel) reads base64-encoded JSON requests
separated by commas on its standard input and answers each the same way, with the request's message_id.
Pagefind's own Python wrapper (`pagefind.index.PagefindIndex`) speaks this protocol too, but reads one
answer per tenth of a second: 10 records a second, 17 minutes for 10,000 entries. Here every request of an
index is written at once and a thread reads the answers as they come.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
from collections.abc import Iterable
from typing import Any

from .records import Record

# Pagefind's allocator (jemalloc, built in) keeps freed memory instead of handing it back to the system:
# Pagefind allocates a fresh compressor for each of its thousands of small files, and giving those pages
# back and faulting them in again cost a third of its time (measured: kernel time of GetFiles 0.38 s → 0.10 s
# for 5,000 records). One arena, so that memory freed by one of its threads is reused by the others (peak
# for a shard of 6,250 entries: 251 MB by default, 215 MB so).
ALLOCATOR = "narenas:1,dirty_decay_ms:-1,muzzy_decay_ms:-1"


class SearchIndexError(RuntimeError):
    """Pagefind refused a request or stopped; the message says which and what it answered."""


class PagefindService:
    def __init__(self, language: str) -> None:
        from pagefind.service import get_executable  # the binary shipped in the pagefind_bin_extended wheel

        executable = get_executable()
        if executable is None:
            raise SearchIndexError("Pagefind is not installed: pip install -e '.[site]' (pagefind[extended])")
        self.language = language
        self._process = subprocess.Popen(
            [str(executable), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "_RJEM_MALLOC_CONF": ALLOCATOR},
        )
        self._answers: dict[int, dict[str, Any]] = {}
        self._arrived = threading.Condition()
        self._last_id = 0
        self._stopped = False
        self._reader = threading.Thread(target=self._read_answers, daemon=True)
        self._reader.start()

    def __enter__(self) -> PagefindService:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        code = self.close()
        if code != 0 and error is None:
            raise SearchIndexError(f"Pagefind exited with code {code}")

    def index(self, records: Iterable[Record]) -> dict[str, bytes]:
        """Index `records` as one Pagefind index: its files, by path relative to the index's folder.

        In memory (GetFiles), not written by Pagefind (WriteFiles): Pagefind answers WriteFiles while its
        last writes are still under way, and a file read then, or after it exits, may be empty.
        """
        index_id = self._ask({"type": "NewIndex", "config": {"force_language": self.language}})["index_id"]
        sent = [self._send(record.request(index_id, self.language)) for record in records]
        for message_id in sent:
            self._answer(message_id)
        files = self._ask({"type": "GetFiles", "index_id": index_id})["files"]
        self._ask({"type": "DeleteIndex", "index_id": index_id})
        return {file["path"]: base64.b64decode(file["content"]) for file in files}

    def close(self) -> int:
        """Stop Pagefind; its exit code."""
        if self._process.stdin:
            self._process.stdin.close()
        try:
            return self._process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self._process.kill()
            return self._process.wait()

    def _ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._answer(self._send(payload))

    def _send(self, payload: dict[str, Any]) -> int:
        self._last_id += 1
        message = json.dumps({"message_id": self._last_id, "payload": payload}).encode()
        assert self._process.stdin is not None
        self._process.stdin.write(base64.b64encode(message) + b",")
        return self._last_id

    def _answer(self, message_id: int) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.flush()
        with self._arrived:
            self._arrived.wait_for(lambda: message_id in self._answers or self._stopped)
            answer = self._answers.pop(message_id, None)
        if answer is None:
            raise SearchIndexError(f"Pagefind stopped (exit {self._process.poll()}) before answering")
        if answer.get("type") == "Error":
            raise SearchIndexError(f"Pagefind refused a request: {answer.get('message')}")
        return answer

    def _read_answers(self) -> None:
        assert self._process.stdout is not None
        pending = b""
        try:
            while chunk := self._process.stdout.read1(1 << 20):
                *complete, pending = (pending + chunk).split(b",")
                answers = [json.loads(base64.b64decode(message)) for message in complete]
                with self._arrived:
                    for answer in answers:
                        self._answers[_message_id(answer)] = answer["payload"]
                    self._arrived.notify_all()
        finally:
            with self._arrived:
                self._stopped = True
                self._arrived.notify_all()


def _message_id(answer: dict[str, Any]) -> int:
    """The id an answer is for; a request Pagefind could not parse comes back with the request inside."""
    if "message_id" in answer:
        return answer["message_id"]
    original = answer.get("payload", {}).get("original_message")
    return json.loads(original).get("message_id", -1) if original else -1
