# Written as a BLISS user would.
from bliss.setup_globals import *
from bliss.scanning import scan_meta
from bliss.common.scans import loopscan
from bliss.shell.standard import wa
from bliss import setup_globals, current_session
from bliss.config.static import get_config

user_scan_meta = scan_meta.get_user_scan_meta()
user_scan_meta.instrument.set("mymetadata", {"myattenuator": {"@NX_class": "NXattenuator", "status": "in"}})

COMPAT = {
    "loopscan": loopscan,
    "wa": wa,
    "diode_from_setup_globals": setup_globals.diode,
    "diode_from_star": diode,
    "scan_meta": scan_meta,
    "config": get_config(),
    "current_session": current_session,
}
