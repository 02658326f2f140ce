# Setup file of the demo session, as BLISS writes them: it runs at start-up with the
# session namespace as its globals (the objects of demo.yml, the standard functions,
# SCAN_SAVING, ACTIVE_MG, ...).
from bliss.setup_globals import *
from bliss.scanning import scan_meta
from bliss.common.counter import SoftCounter
from bliss.controllers.lima.roi import Roi

load_script("demo.py")

# Scan metadata, as in BLISS's documentation: every scan's file gets the beamstop's
# position label (a generator, called at each scan) and a static attenuator record.
scan_meta_obj = scan_meta.get_user_scan_meta()

mp = beamstop  # a MultiplePositions object


def generate_label(scan):
    return {"position_label": mp.position}


scan_meta_obj.instrument.set(mp, generate_label)

scan_meta_obj.instrument.set(
    "mymetadata",
    {
        "myattenuator": {
            "@NX_class": "NXattenuator",
            "status": "in",
            "type": "aluminium",
            "thickness": 20.0,
            "thickness@units": "um",
        }
    },
)

# Any Python value is a counter: roby's position, counted in every scan it is given to.
roby_pos = SoftCounter(roby, "position", name="roby_pos", unit="mm")

# ROIs are kept in the session's state; these are the demo's defaults.
if "r1" not in lima_simulator.roi_counters:
    lima_simulator.roi_counters["r1"] = Roi(462, 462, 100, 100)
if "roi1" not in mca1.rois:
    mca1.rois.set("roi1", 500, 550)

print("")
print("Welcome to the bliss_lite demo beamline.")
print("   try: wa(), ct(0.1), ascan(roby, 0, 1, 20, 0.01, sim_ct_gauss), cen(), align_roby()")
print("        ct(0.1, lima_simulator), ascan(roby, -1, 1, 20, 0.01, lima_simulator.counters.r1_sum, roby_pos)")
print("")
