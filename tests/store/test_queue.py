"""The intake queue: queued once, claimed by one publisher for a lease, gone only once published."""

from __future__ import annotations

from entraide.store import Publication

NOW = 1_000_000.0
LEASE = 120.0


def entry(number: int) -> dict:
    return {"entry": {"id": f"meylan-2026-11-20-{number:06d}", "title": "Courses le samedi"}, "contact": "sealed:v1:…"}


def fill(store, count: int) -> list[str]:
    ids = [f"meylan-2026-11-20-{n:06d}" for n in range(count)]
    for n, entry_id in enumerate(ids):
        assert store.queue.enqueue(entry_id, entry(n), NOW + n) is True
    return ids


def test_an_entry_is_queued_once(store):
    assert store.queue.enqueue("meylan-2026-11-20-k3v9qa", {"title": "Première"}, NOW) is True
    assert store.queue.enqueue("meylan-2026-11-20-k3v9qa", {"title": "Seconde"}, NOW + 1) is False
    [claimed] = store.queue.claim("publisher-a", NOW + 2, LEASE)
    assert claimed.payload == {"title": "Première"}
    assert (claimed.queued_at, claimed.attempts, claimed.lease_until) == (NOW, 1, NOW + 2 + LEASE)


def test_claims_come_oldest_first_and_never_twice_within_a_lease(store):
    ids = fill(store, 5)
    first = store.queue.claim("publisher-a", NOW + 10, LEASE, limit=3)
    second = store.queue.claim("publisher-b", NOW + 10, LEASE, limit=3)
    assert [c.entry_id for c in first] == ids[:3]
    assert [c.entry_id for c in second] == ids[3:]
    assert store.queue.claim("publisher-c", NOW + 10 + LEASE - 1, LEASE) == []


def test_an_entry_leaves_the_queue_only_when_published(store):
    ids = fill(store, 2)
    store.queue.claim("publisher-a", NOW + 10, LEASE)
    assert store.queue.mark_published(ids[0]) is Publication.DONE
    assert store.queue.mark_published(ids[0]) is Publication.GONE
    # publisher-a died before publishing the second: it comes back after the lease, one attempt more
    [again] = store.queue.claim("publisher-b", NOW + 10 + LEASE, LEASE)
    assert (again.entry_id, again.attempts) == (ids[1], 2)
    assert again.payload == entry(1)


def test_a_failure_keeps_its_reason_and_the_entry_comes_back_after_the_delay(store):
    [entry_id] = fill(store, 1)
    store.queue.claim("publisher-a", NOW + 10, LEASE)
    attempts = store.queue.mark_failed(entry_id, "publisher-a", "GitHub answered 502:\n  Bad gateway", NOW + 11, 300)
    assert attempts == 1
    [listed] = store.queue.entries(NOW + 12)
    assert (listed.last_error, listed.failed_at, listed.publishing, listed.available_at) == (
        "GitHub answered 502: Bad gateway",
        NOW + 11,
        False,
        NOW + 311,
    )
    assert store.queue.stats(NOW + 12).failed == 1
    assert store.queue.claim("publisher-a", NOW + 310, LEASE) == []
    assert [c.attempts for c in store.queue.claim("publisher-a", NOW + 311, LEASE)] == [2]


def test_a_failure_reported_by_a_publisher_whose_lease_ran_out_does_not_free_the_new_claim(store):
    [entry_id] = fill(store, 1)
    store.queue.claim("publisher-a", NOW, LEASE)
    store.queue.claim("publisher-b", NOW + LEASE, LEASE)
    assert store.queue.mark_failed(entry_id, "publisher-a", "timeout", NOW + LEASE + 1, 0) is None
    assert store.queue.claim("publisher-c", NOW + LEASE + 2, LEASE) == []
    assert store.queue.entries(NOW + LEASE + 2)[0].last_error is None


def test_a_long_reason_is_cut(store):
    [entry_id] = fill(store, 1)
    store.queue.claim("publisher-a", NOW, LEASE)
    store.queue.mark_failed(entry_id, "publisher-a", "x" * 5000, NOW, 60)
    assert len(store.queue.entries(NOW)[0].last_error) == 500


def test_withdrawing_a_waiting_entry_removes_it(store, rows):
    ids = fill(store, 2)
    assert store.queue.withdraw(ids[0], NOW + 5) is True
    assert store.queue.withdraw(ids[0], NOW + 5) is False
    assert [c.entry_id for c in store.queue.claim("publisher-a", NOW + 6, LEASE)] == [ids[1]]
    assert rows("intake_queue") == 1


def test_withdrawing_an_entry_being_published_tells_its_publisher_to_take_it_back(store):
    [entry_id] = fill(store, 1)
    store.queue.claim("publisher-a", NOW, LEASE)
    assert store.queue.withdraw(entry_id, NOW + 1) is True
    with store.engine.transaction(write=False) as transaction:
        assert transaction.row("SELECT payload FROM intake_queue")[0] == "{}"  # the sealed contact is gone now
    assert store.queue.entries(NOW + 1) == []
    assert store.queue.stats(NOW + 1).waiting == 0
    assert store.queue.claim("publisher-b", NOW + LEASE + 1, LEASE) == []
    assert store.queue.mark_published(entry_id) is Publication.WITHDRAWN


def test_a_withdrawn_entry_whose_publication_failed_is_dropped(store, rows):
    [entry_id] = fill(store, 1)
    store.queue.claim("publisher-a", NOW, LEASE)
    store.queue.withdraw(entry_id, NOW + 1)
    assert store.queue.mark_failed(entry_id, "publisher-a", "timeout", NOW + 2, 60) is None
    assert rows("intake_queue") == 0


def test_a_withdrawn_entry_whose_publisher_died_is_purged_after_the_lease(store, rows):
    [entry_id] = fill(store, 1)
    store.queue.claim("publisher-a", NOW, LEASE)
    store.queue.withdraw(entry_id, NOW + 1)
    store.purge_expired(NOW + LEASE - 1)
    assert rows("intake_queue") == 1
    store.purge_expired(NOW + LEASE)
    assert rows("intake_queue") == 0


def test_stats_say_what_waits_and_for_how_long(store):
    ids = fill(store, 4)
    store.queue.claim("publisher-a", NOW + 10, LEASE, limit=1)
    store.queue.claim("publisher-a", NOW + 10, LEASE, limit=1)
    store.queue.mark_failed(ids[1], "publisher-a", "GitHub answered 422", NOW + 11, 60)
    stats = store.queue.stats(NOW + 100)
    assert (stats.waiting, stats.publishing, stats.failed) == (4, 1, 1)
    assert stats.oldest_age(NOW + 100) == 100
    lines = store.queue.entries(NOW + 100)
    assert [(q.entry_id, q.attempts, q.publishing) for q in lines] == [
        (ids[0], 1, True),
        (ids[1], 1, False),
        (ids[2], 0, False),
        (ids[3], 0, False),
    ]


def test_an_empty_queue_has_no_age(store):
    stats = store.queue.stats(NOW)
    assert (stats.waiting, stats.oldest_queued_at, stats.oldest_age(NOW)) == (0, None, 0.0)


def test_payloads_keep_their_text(store):
    payload = {"title": "Aide aux devoirs — « maths » 😀", "lines": ["<b>", "{{ x }}", "\ud800", "\x00"], "n": 3}
    store.queue.enqueue("grenoble-2026-11-20-abcdef", payload, NOW)
    assert store.queue.claim("publisher-a", NOW, LEASE)[0].payload == payload


def test_a_claim_can_keep_to_one_commune_s_ids(store):
    for n, entry_id in enumerate(
        ["meylan-20261120-0000aaaa", "grenoble-20261120-0000bbbb", "meylan-20261120-0000cccc"]
    ):
        store.queue.enqueue(entry_id, {"n": n}, NOW + n)

    claimed = store.queue.claim("publisher-a", NOW + 5, LEASE, ids_like="meylan-________-________")

    assert [c.entry_id for c in claimed] == ["meylan-20261120-0000aaaa", "meylan-20261120-0000cccc"]


def test_notes_join_the_payload_of_held_entries_only(store):
    ids = fill(store, 2)
    [first] = store.queue.claim("publisher-a", NOW + 5, LEASE, limit=1)
    store.queue.withdraw(ids[0], NOW + 6)  # withdrawn while held: its payload is emptied

    assert store.queue.annotate([first], "publisher-a", batch="x") == []
    [second] = store.queue.claim("publisher-a", NOW + 7, LEASE, limit=1)
    [noted] = store.queue.annotate([second], "publisher-a", batch="lot")
    assert store.queue.annotate([second], "publisher-b", batch="other") == []  # not its claim
    assert noted.payload == {**entry(1), "batch": "lot"} == store.queue.payload(ids[1])
