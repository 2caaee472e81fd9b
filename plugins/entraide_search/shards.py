"""The index in shards: each entry always lands in the same shard, so one new entry re-indexes one shard.

Pagefind rebuilds a whole index whenever one page changes, and holds it all in memory while it does: at
100,000 entries that took 106 s and 6 GB. Split by a hash of the entry's id, each shard is small enough to
rebuild in a fraction of a second, and the browser merges them (Pagefind's mergeIndex, one WebAssembly
module for all). More shards cost the first search more downloads (each shard sends its own metadata and
the chunk holding the word), so their number stays small: a power of two reaching MAX_SHARDS at 40,000
entries. Changing it moves most entries to another shard, so a count is kept while the entries stay within
a margin of what it was chosen for: one entry more or less never re-indexes everything.

Shards are alike (a hash spreads entries evenly), so Pagefind ranks the results of all of them on the same
footing. A small shard of the newest entries would have made approvals cheaper, but its word statistics
ranked new entries below old ones (test_search_with_the_keyboard_only caught it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

from .records import Published, Record

SHARD_SIZE = 2_500  # 4 shards at 10,000 entries: a first search downloads 203 KB (8 shards: 260 KB)
MAX_SHARDS = 16  # at 50,000 entries a first search downloads 773 KB with 32 shards
PARALLEL_UP_TO = 3_125  # entries per shard up to which two Pagefind processes (100 MB each) run at once


def shard_count(entries: int, previous: int = 0) -> int:
    """How many shards for `entries`, given the count the last index used (0: none)."""
    if previous and previous * SHARD_SIZE // 4 < entries <= previous * SHARD_SIZE * 5 // 4:
        return previous
    count = 1 if entries else 0
    while 0 < count < MAX_SHARDS and count * SHARD_SIZE < entries:
        count *= 2
    return count


def processes(shards: Sequence[Sequence[Published]], cpus: int) -> int:
    """Pagefind processes to run at once: one per CPU, or one when shards are large (250 MB at 6,250 entries)."""
    if not shards:
        return 0
    return min(len(shards), cpus) if max(map(len, shards)) <= PARALLEL_UP_TO else 1


def split(entries: Sequence[Published], count: int) -> list[list[Published]]:
    """Entries by shard; the shard of an entry depends only on its id and `count`."""
    shards: list[list[Published]] = [[] for _ in range(count)]
    for entry in entries:
        digest = hashlib.blake2b(entry.id.encode(), digest_size=4).digest()
        shards[int.from_bytes(digest, "big") % count].append(entry)
    return shards


def fingerprint(records: Iterable[Record], salt: str) -> str:
    """Changes when a record of the shard, or how shards are indexed (`salt`), changes."""
    digest = hashlib.blake2b(salt.encode(), digest_size=16)
    for record in records:
        digest.update(json.dumps([record.url, record.content, record.title, record.filters]).encode())
    return digest.hexdigest()
