"""Every test folder runs with the harness (tests/harness/): the real parts the tests drive, declared once.

`pytest_plugins` here, in the conftest.py at the root of the tests, is pytest's documented way to load a plugin
for a whole test suite: pytest reads this file first whether it is given the whole suite, a folder or a file.
"""

pytest_plugins = ["tests.harness"]
