"""The site build's side effects on the test process: Pelican imported by the plugins' tests must not change how
our loggers behave in the tests that run after them."""

from __future__ import annotations

import logging

import pelican  # what the plugins' tests import into the test process


def test_a_logger_created_after_pelican_is_imported_keeps_a_repeated_warning() -> None:
    assert pelican.__name__ == "pelican"
    logger = logging.getLogger("entraide.tests.repeated")
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        logger.warning("event refused: %s", "the same reason")
        logger.warning("event refused: %s", "the same reason")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 2
