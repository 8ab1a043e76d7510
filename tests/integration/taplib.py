"""TAP lines for the Python checkers: check() prints each, exit_code() is 1 once one failed
(lib.sh's checker counts every line and tells a failed check from a crash)."""

_n = 0
_failed = 0


def check(ok, what):
    global _n, _failed
    _n += 1
    _failed += not ok
    print(("ok" if ok else "not ok") + f" {_n} - {what}")
    return ok


def exit_code():
    return 1 if _failed else 0
