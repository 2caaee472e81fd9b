"""The alerts' sender at scale: 10,000 confirmed subscribers, 200 new entries over the 49 communes.

SQLite in a file (WAL, synchronous=FULL), addresses sealed as in production, a real SMTP server (aiosmtpd) on
127.0.0.1 that records every mail. Printed:
  1. matching and composing every digest, in this process (goal under 30 s), and the digests' count;
  2. a run in its own process handing the digests to the SMTP server, SIGKILLed once half of them have arrived,
     then a rerun to the end: its time, mails handed over per second, the peak memory of each process;
  3. for every (subscriber, entry) pair the subscribers' choices call for: how many arrived twice (goal 0),
     how many never arrived (goal 0; a digest caught between the server's acceptance and the record is counted
     apart: at most once, it is never sent again).
"""

from __future__ import annotations

import collections
import email
import email.policy
import os
import random
import re
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from entraide.alerts.manifest import manifest_json
from entraide.alerts.sender import LEASE_SECONDS, Run, _digest, send_alerts
from entraide.categories import load_categories
from entraide.communes import load_communes
from entraide.config import Config
from entraide.sealing import Contact, KeyPair
from entraide.store import Choices, open_store, upgrade
from tests.harness.mail import smtp_server

SUBSCRIBERS = 10_000
ENTRIES = 200
SECRET = b"bench alerts secret"
NOW = 1_800_000_000.0  # a Tuesday, 10:00 in Paris: outside quiet hours
ENTRY_URL = re.compile(r"/annonces/([a-z0-9-]+)/")
OTHERS = re.compile(r"… et (\d+) autres? :")


class Recorder:
    """aiosmtpd's handler: for each recipient, the entries each mail listed."""

    def __init__(self) -> None:
        self.received: list[tuple[str, tuple[str, ...], int]] = []  # recipient, entries listed, « et X autres »
        self.lock = threading.Lock()
        self.port = 0  # set by smtp_server once it listens

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()
        listed = tuple(ENTRY_URL.findall(text))
        others = int(found[1]) if (found := OTHERS.search(text)) else 0
        with self.lock:
            self.received.append((envelope.rcpt_tos[0], listed, others))
        return "250 OK"


def subscribers(rng: random.Random) -> list[tuple[str, Choices]]:
    codes = [c.code for c in load_communes().all]
    categories = [c.key for c in load_categories()]
    people = []
    for n in range(SUBSCRIBERS):
        communes = () if rng.random() < 0.2 else tuple(rng.sample(codes, rng.randint(1, 3)))
        wanted = () if rng.random() < 0.5 else tuple(rng.sample(categories, rng.randint(1, 2)))
        kinds = rng.choice([(), ("offer",), ("request",)])
        people.append(
            (f"habitant{n:05d}@example.test", Choices(communes, wanted, kinds, rng.choice(["hourly", "daily"])))
        )
    return people


def new_entries(rng: random.Random) -> list[SimpleNamespace]:
    codes = [c.code for c in load_communes().all]
    categories = [c.key for c in load_categories()]
    return [
        SimpleNamespace(
            id=f"bench-20270115-{n:06d}",
            kind=rng.choice(["offer", "request"]),
            category=rng.choice(categories),
            commune=codes[n % len(codes)],
            title=f"Annonce numéro {n} <b>avec</b> un peu de texte",
            created="2027-01-15T09:00:00+01:00",
        )
        for n in range(ENTRIES)
    ]


def fill_store(url: str, keys: KeyPair, people: list[tuple[str, Choices]]) -> None:
    store = open_store(url)
    upgrade(store)
    rows = []
    for n, (address, choices) in enumerate(people):
        contact = Contact(email=address)
        rows.append(
            (
                f"sub{n:06d}",
                keys.fingerprint(contact),
                keys.seal(contact),
                *choices.columns(),
                NOW - 86400,
                NOW + 86400 * 80,
            )
        )
    with store.engine.transaction() as transaction:
        transaction.execute_many(
            "INSERT INTO alert_subscriptions (subscription_id, address_hash, address_sealed, communes, categories, "
            "kinds, frequency, confirmed_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    store.deliveries.see([], NOW - 3600)  # the sender ran before: these entries are news
    store.close()


def expected_pairs(people: list[tuple[str, Choices]], entries: list[SimpleNamespace]) -> set[tuple[str, str]]:
    """Computed apart from the sender: who must hear of what."""
    return {
        (address, e.id) for address, choices in people for e in entries if choices.wants(e.commune, e.category, e.kind)
    }


def settings(folder: Path, smtp_port: int) -> Config:
    return Config.from_environ(
        {
            "ENTRAIDE_ALERTS_MANIFEST": str(folder / "manifest.json"),
            "ENTRAIDE_ALERTS_DELAY_MINUTES": "0",
            "ENTRAIDE_ALERTS_QUIET_HOURS": "",
            "ENTRAIDE_ALERTS_MAILS_PER_HOUR": "0",
            "ENTRAIDE_SMTP_HOST": "127.0.0.1",
            "ENTRAIDE_SMTP_PORT": str(smtp_port),
            "ENTRAIDE_SITE_URL": "https://entraide.example",
            "ENTRAIDE_ENDPOINT_URL": "https://formulaires.entraide.example",
        }
    )


def match_and_compose(url: str, config: Config, keys: KeyPair) -> tuple[float, float, int]:
    store = open_store(url)
    from entraide.alerts.manifest import read_manifest

    started = time.perf_counter()
    published = read_manifest(config.alerts_manifest)
    store.deliveries.see(published, NOW)
    Run(config, store, keys, SECRET, lambda: NOW).match({e.entry_id for e in published}, NOW, NOW)
    matched = time.perf_counter()
    running = {s.subscription_id: s for s in store.subscriptions.active(NOW)}
    digests = 0
    for subscription_id, entries in store.deliveries.waiting().items():
        subscription = running[subscription_id]
        address = keys.unseal(subscription.address_sealed).email
        message = _digest(config, SECRET, subscription, entries, address, f"m{digests}")
        message.as_bytes()
        digests += 1
    composed = time.perf_counter()
    store.close()
    return matched - started, composed - matched, digests


def run_in_child(url: str, config: Config, keys: KeyPair, now: float) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            send_alerts(config, open_store(url), keys, SECRET, clock=lambda: now)
        finally:
            os._exit(0)
    return pid


def peak_kb(pid: int) -> tuple[int, int]:
    """Wait for a child; its exit signal (0 if none) and peak memory in KB."""
    _, status, usage = os.wait4(pid, 0)
    return (os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0), usage.ru_maxrss


def main() -> None:
    rng = random.Random(11)
    keys = KeyPair.generate()
    people, entries = subscribers(rng), new_entries(rng)
    expected = expected_pairs(people, entries)
    with tempfile.TemporaryDirectory(prefix="entraide-bench-alerts-") as folder:
        root = Path(folder)
        (root / "manifest.json").write_text(manifest_json(entries))
        started = time.perf_counter()
        fill_store(f"sqlite:///{root}/measure.db", keys, people)
        fill_store(f"sqlite:///{root}/send.db", keys, people)
        print(f"setup: {SUBSCRIBERS:,} subscribers sealed and stored twice in {time.perf_counter() - started:.1f} s")

        recorder = Recorder()
        with smtp_server(recorder):
            config = settings(root, recorder.port)
            match_seconds, compose_seconds, digests = match_and_compose(f"sqlite:///{root}/measure.db", config, keys)
            print(
                f"match {ENTRIES} entries × {SUBSCRIBERS:,} subscribers: {match_seconds:.1f} s; compose {digests:,} "
                f"digests (text + HTML, addresses unsealed): {compose_seconds:.1f} s; together "
                f"{match_seconds + compose_seconds:.1f} s (goal < 30 s); {len(expected):,} (subscriber, entry) pairs"
            )
            kill_and_rerun(f"sqlite:///{root}/send.db", config, keys, recorder, digests)
        check(recorder, expected, f"sqlite:///{root}/send.db")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def kill_and_rerun(url: str, config: Config, keys: KeyPair, recorder: Recorder, digests: int) -> None:
    started = time.perf_counter()
    pid = run_in_child(url, config, keys, NOW)
    while len(recorder.received) < digests // 2:
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    killed_at = len(recorder.received)
    sig, first_peak = peak_kb(pid)
    first_seconds = time.perf_counter() - started
    print(
        f"first run: SIGKILLed (signal {sig}) after {killed_at:,} mails in {first_seconds:.1f} s "
        f"({killed_at / first_seconds:.0f} mails/s), peak memory {first_peak / 1024:.0f} MB"
    )
    for mail_id, ending, count in caught_mid_hand_over(url):
        state = "its last line perhaps sent: never resent" if ending else "its last line not sent: resent by the rerun"
        print(f"digest {mail_id} ({count} entries) caught by the kill, {state}")
    started = time.perf_counter()
    before = len(recorder.received)
    pid = run_in_child(url, config, keys, NOW + LEASE_SECONDS + 1)  # the killed run's lease has run out
    _, rerun_peak = peak_kb(pid)
    rerun_seconds = time.perf_counter() - started
    sent = len(recorder.received) - before
    print(
        f"rerun: {sent:,} mails in {rerun_seconds:.1f} s ({sent / rerun_seconds:.0f} mails/s handed to the SMTP "
        f"server), peak memory {rerun_peak / 1024:.0f} MB; {len(recorder.received):,} mails in all"
    )


def caught_mid_hand_over(url: str) -> list[tuple[str, bool, int]]:
    """The digests a killed run recorded as started and not as sent: whether their last line may have reached the
    server (then never resent), and how many entries each listed."""
    store = open_store(url)
    with store.engine.transaction(write=False) as transaction:
        rows = transaction.rows(
            "SELECT m.mail_id, m.ending_at IS NOT NULL, COUNT(*) FROM alert_mails m "
            "JOIN alert_deliveries d ON d.mail_id = m.mail_id WHERE m.sent_at IS NULL GROUP BY m.mail_id, m.ending_at"
        )
    store.close()
    return [(mail_id, bool(ending), count) for mail_id, ending, count in rows]


def check(recorder: Recorder, expected: set[tuple[str, str]], url: str) -> None:
    """Each subscriber: one digest, each entry listed once, listed + « et X autres » = what their choices call for."""
    wanted = collections.Counter(address for address, _ in expected)
    mails = collections.Counter(address for address, _, _ in recorder.received)
    listed = collections.Counter((address, entry) for address, entries, _ in recorder.received for entry in entries)
    told = collections.Counter()
    for address, entries, others in recorder.received:
        told[address] += len(entries) + others
    doubles = sum(count - 1 for count in listed.values() if count > 1)
    second_mails = sum(count - 1 for count in mails.values() if count > 1)
    missing = sum(max(0, count - told[address]) for address, count in wanted.items())
    unexpected = sum(1 for pair in listed if pair not in expected)
    store = open_store(url)
    with store.engine.transaction(write=False) as transaction:
        unsent = transaction.row("SELECT COUNT(*) FROM alert_deliveries WHERE mail_id IS NULL")[0]
    store.close()
    print(
        f"subscribers to tell {len(wanted):,}, digests received {sum(mails.values()):,} (a second one for "
        f"{second_mails}); entries listed twice to one subscriber {doubles}; entries never told (listed or in "
        f"« et X autres ») {missing} of {len(expected):,}; listed to someone who did not ask {unexpected}; "
        f"deliveries left unsent {unsent}"
    )


if __name__ == "__main__":
    main()
    sys.exit(0)
