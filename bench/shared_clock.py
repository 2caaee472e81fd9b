"""A virtual clock several processes share, for benchmarks that compress hours of traffic into minutes.

Two modes, switched by the process that drives the benchmark:

- running: virtual seconds pass `factor` times faster than real ones, for everyone at once; a sleep of `s`
  virtual seconds sleeps `s / factor` real ones. Real work (HTTP, SQL) takes real time, hence `factor` times
  more virtual time: keep `factor` small enough that it stays small next to the waits being measured.
- stepped: time stands still; it moves on only when someone sleeps (by that sleep) or the driver moves it.
  For a phase where one actor at a time works, as a discrete-event simulation: work costs no virtual time.

The state is five doubles in a small file that every process maps in memory: reading the time costs no
system call. Each thread also counts the virtual and the real seconds it slept, so that a request's wait for
the forge can be counted at its virtual length in a latency measured in real time.
"""

from __future__ import annotations

import fcntl
import mmap
import struct
import threading
import time
from pathlib import Path

STATE = struct.Struct("<ddddd")  # stepped (0 or 1), virtual origin, real origin (monotonic), factor, stepped now


class SharedClock:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = open(self.path, "r+b")  # noqa: SIM115 - kept open for the mapping's lifetime
        self._map = mmap.mmap(self._file.fileno(), STATE.size)
        self._local = threading.local()

    @classmethod
    def create(cls, path: Path, origin: float) -> SharedClock:
        """A clock standing still at `origin` (Unix seconds) until `run` is called."""
        Path(path).write_bytes(STATE.pack(1.0, origin, time.monotonic(), 1.0, origin))
        return cls(path)

    def now(self) -> float:
        stepped, origin, real_origin, factor, stepped_now = STATE.unpack(self._map[: STATE.size])
        return stepped_now if stepped else origin + (time.monotonic() - real_origin) * factor

    __call__ = now
    monotonic = now  # the forge's Clock protocol: monotonic() and sleep()

    def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        stepped, _, _, factor, _ = STATE.unpack(self._map[: STATE.size])
        self._local.virtual = self.slept_virtual() + seconds
        if stepped:
            self.advance(self.now() + seconds)
            return
        self._local.real = self.slept_real() + seconds / factor
        time.sleep(seconds / factor)

    def run(self, factor: float) -> None:
        """From now on, virtual time passes `factor` times faster than real time."""
        with self._locked():
            self._write(0.0, self.now(), time.monotonic(), factor, 0.0)

    def stop(self) -> None:
        """Time stands still from now on (stepped mode)."""
        with self._locked():
            now = self.now()
            _, origin, real_origin, factor, _ = STATE.unpack(self._map[: STATE.size])
            self._write(1.0, origin, real_origin, factor, now)

    def advance(self, to: float) -> None:
        """In stepped mode, move time on to `to` (never back)."""
        with self._locked():
            stepped, origin, real_origin, factor, now = STATE.unpack(self._map[: STATE.size])
            self._write(stepped, origin, real_origin, factor, max(now, to))

    def slept_virtual(self) -> float:
        return getattr(self._local, "virtual", 0.0)

    def slept_real(self) -> float:
        return getattr(self._local, "real", 0.0)

    def reset_sleeps(self) -> None:
        self._local.virtual = self._local.real = 0.0

    def _write(self, *values: float) -> None:
        self._map[: STATE.size] = STATE.pack(*values)

    def _locked(self) -> _FileLock:
        return _FileLock(self._file)


class _FileLock:
    def __init__(self, file: object) -> None:
        self.file = file

    def __enter__(self) -> None:
        fcntl.flock(self.file, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.file, fcntl.LOCK_UN)
