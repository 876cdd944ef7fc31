"""Organization sizes the tests share (importable from any test folder: ``from sizes import TINY``;
a name of its own, since each test folder may have its own ``conftest``)."""

#: A tiny organization (3 line managers) over two years: enough for every mechanism to act.
TINY = {"n_teams": 24, "weeks": 104}
#: A small organization for effects that need a few dozen teams and a longer horizon.
SMALL = {"n_teams": 100, "weeks": 260}
