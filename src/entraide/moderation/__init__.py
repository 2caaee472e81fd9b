"""Moderation tools behind the `entraide` command: checks, the local queue, expiry, records, git.

Every module here works on files and returns findings or results; `entraide.cli` only parses options,
calls them and prints. Everything a moderator reads is French; code and commit messages are English.
"""


class ModerationError(Exception):
    """Something a moderator must fix before the command can go on; the French message says what to do."""
