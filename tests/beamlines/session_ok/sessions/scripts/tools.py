# load_script("tools"): public names are exported to the session.
import math


def double(x):
    return 2 * x


TOOLS_SEES_DIODE = diode.name
_private = "not exported"
