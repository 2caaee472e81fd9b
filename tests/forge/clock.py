"""A clock for the forge's throttle that moves only when the code sleeps: waits are recorded, and cost nothing."""

from __future__ import annotations


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
