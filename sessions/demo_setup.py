# Setup file of the demo session, as BLISS writes them: it runs at start-up with the
# session namespace as its globals (the objects of demo.yml, the standard functions,
# SCAN_SAVING, ACTIVE_MG, ...).
from bliss.setup_globals import *
from bliss.scanning import scan_meta

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

print("")
print("Welcome to the bliss_lite demo beamline.")
print("   try: wa(), ct(0.1), ascan(roby, 0, 1, 20, 0.01, sim_ct_gauss), cen(), align_roby()")
print("")
