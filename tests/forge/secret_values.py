"""What the forge's tests look for wherever GitHub or a log could show it: the token, an author's contact."""

from __future__ import annotations

TOKEN = "ghp_test-token-never-logged"
EMAIL = "marie.dupont@example.org"
PHONE = "06 12 34 56 78"
