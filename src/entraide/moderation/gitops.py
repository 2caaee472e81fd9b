"""The few git operations moderation needs, through the `git` command, with French errors for moderators.

Commits name their paths explicitly (`git commit -- paths`), so whatever else is staged in the working
tree is never swept into a moderation commit.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from entraide.moderation import ModerationError

MAX_PATHSPECS = 500


class Repository:
    """A git working tree, found from any folder inside it."""

    def __init__(self, folder: Path) -> None:
        folder = folder if folder.is_dir() else folder.parent
        try:
            top = _git(folder, "rev-parse", "--show-toplevel")
        except ModerationError:
            raise ModerationError(
                f"{folder} n'est pas dans un dépôt git : lancez la commande depuis le dossier du "
                "site cloné avec git (ou créez le dépôt avec « git init »)"
            ) from None
        self.root = Path(top.strip())
        self.git_dir = Path(self.git("rev-parse", "--absolute-git-dir").strip())

    def git(self, *args: str, stdin: str | None = None) -> str:
        return _git(self.root, *args, stdin=stdin)

    def ensure_ready(self, paths: Sequence[Path]) -> None:
        """Refuse to touch paths with uncommitted changes, or a tree in the middle of a merge or rebase."""
        for state in ("MERGE_HEAD", "REBASE_HEAD", "CHERRY_PICK_HEAD"):
            if (self.git_dir / state).exists():
                raise ModerationError(
                    "une fusion ou un rebase git est en cours dans ce dépôt : terminez-le "
                    "(ou annulez-le avec « git merge --abort ») puis recommencez"
                )
        if len(paths) > MAX_PATHSPECS:  # the command line has a length limit: ask about their folders instead
            paths = sorted({p.parent for p in paths})
        changed = self.git("status", "--porcelain", "-z", "--untracked-files=all", "--", *map(self._relative, paths))
        names = [item[3:] for item in changed.split("\0") if item[3:]]
        if names:
            raise ModerationError(
                "des modifications non enregistrées touchent "
                + ", ".join(names)
                + " : enregistrez-les (git commit) ou annulez-les, puis recommencez"
            )

    def commit(self, message: str, *, added: Sequence[Path] = (), removed: Sequence[Path] = ()) -> str:
        """Commit exactly these added and removed files; returns the new commit's hash."""
        paths = [self._relative(p) for p in (*added, *removed)]
        if added:
            self.git(
                "add", "--pathspec-from-file=-", "--pathspec-file-nul", stdin="\0".join(map(self._relative, added))
            )
        if removed:
            self.git(
                "rm",
                "--quiet",
                "--cached",
                "--ignore-unmatch",
                "--pathspec-from-file=-",
                "--pathspec-file-nul",
                stdin="\0".join(map(self._relative, removed)),
            )
        self.git(
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            message,
            "--pathspec-from-file=-",
            "--pathspec-file-nul",
            stdin="\0".join(paths),
        )
        return self.git("rev-parse", "HEAD").strip()

    def tracked(self, path: Path) -> bool:
        return bool(self.git("ls-files", "--", self._relative(path)).strip())

    def user_name(self) -> str:
        try:
            return self.git("config", "user.name").strip()
        except ModerationError:
            return ""

    def _relative(self, path: Path) -> str:
        return str(path.resolve().relative_to(self.root.resolve()))


def _git(folder: Path, *args: str, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], input=stdin, capture_output=True, text=True, check=False, timeout=120
        )
    except FileNotFoundError:
        raise ModerationError("la commande git est introuvable : installez git (apt install git)") from None
    if done.returncode != 0:
        raise ModerationError(_explain(done.stderr.strip()))
    return done.stdout


def _explain(stderr: str) -> str:
    if "Please tell me who you are" in stderr or "empty ident" in stderr:
        return (
            'git ne connaît pas votre nom : configurez-le avec « git config user.name "Prénom Nom" » et '
            "« git config user.email adresse », puis recommencez"
        )
    if "index.lock" in stderr:
        return "une autre commande git est en cours dans ce dépôt : attendez qu'elle finisse, puis recommencez"
    return f"git a échoué : {stderr.splitlines()[-1] if stderr else 'erreur inconnue'}"
