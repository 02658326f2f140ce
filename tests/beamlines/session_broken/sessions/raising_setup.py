BEFORE = "set"


def inner():
    return 1 / 0


inner()
AFTER = "never set"
