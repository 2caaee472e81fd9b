"""The REST client's throttle: GitHub's published secondary limits, counted on a clock that only moves on sleep."""

from __future__ import annotations

import pytest

from entraide.forge import ForgeBusy, Limits, Throttle

from .clock import ManualClock

GITHUB = Limits(write_interval_seconds=0)  # the second between writes is tested on its own


def sent(
    throttle: Throttle,
    count: int,
    *,
    write: bool = True,
    endpoint: str = "POST /repos/{owner}/{repo}/pulls",
    every: float = 0.0,
) -> None:
    for _ in range(count):
        throttle.admit(writes=int(write), endpoint=endpoint, points=5 if write else 1)
        throttle.record(endpoint, 5 if write else 1, write)
        throttle.clock.now += every


def test_eighty_writes_a_minute_go_through_and_the_next_must_wait_for_the_oldest_to_leave():
    throttle = Throttle(GITHUB, ManualClock())
    sent(throttle, 80, every=0.5)

    with pytest.raises(ForgeBusy) as busy:
        throttle.admit(writes=1)

    assert busy.value.retry_after == 20  # the first write, 40 s ago, leaves the window in 20 s


def test_five_hundred_writes_an_hour_is_the_ceiling_even_spread_out():
    throttle = Throttle(GITHUB, ManualClock())
    sent(throttle, 500, every=1.0)  # 60 a minute: under the minute limit

    with pytest.raises(ForgeBusy) as busy:
        throttle.admit(writes=1)

    assert busy.value.retry_after == 3100  # the first write leaves the hour 3,600 s after it was sent


def test_a_sequence_is_refused_whole_when_it_would_not_fit():
    throttle = Throttle(GITHUB, ManualClock())
    sent(throttle, 77)

    throttle.admit(writes=3)
    with pytest.raises(ForgeBusy):
        throttle.admit(writes=4)


def test_nine_hundred_points_a_minute_per_endpoint():
    throttle = Throttle(GITHUB, ManualClock())
    sent(throttle, 900, write=False, endpoint="GET /repos/{owner}/{repo}/contents/{path}")

    throttle.admit(endpoint="GET /repos/{owner}/{repo}/pulls", points=1)  # another endpoint has its own points
    with pytest.raises(ForgeBusy):
        throttle.admit(endpoint="GET /repos/{owner}/{repo}/contents/{path}", points=1)


def test_a_short_wait_is_slept_rather_than_refused():
    clock = ManualClock()
    throttle = Throttle(GITHUB, clock)
    sent(throttle, 80)
    clock.now += 57

    throttle.admit(writes=1)

    assert clock.sleeps == [pytest.approx(3, abs=0.1)]


def test_writes_wait_a_second_after_the_previous_one():
    clock = ManualClock()
    throttle = Throttle(Limits(), clock)
    sent(throttle, 1)
    clock.now += 0.25

    throttle.admit(writes=1)

    assert clock.sleeps == [pytest.approx(0.75, abs=0.1)]


def test_without_retry_after_the_wait_starts_at_a_minute_and_doubles_until_a_success():
    throttle = Throttle(GITHUB, ManualClock())

    assert [throttle.block(None) for _ in range(3)] == [60, 120, 240]
    throttle.succeeded()
    assert throttle.block(None) == 60
    assert throttle.block(7) == 7
