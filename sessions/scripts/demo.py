# Demo script: load_script("demo") runs it and exports its public names.
from bliss.common.scans import ascan


def align_roby(count_time=0.1):
    """Scan roby across the simulated Gaussian peak and go to its centre."""
    ascan(roby, 0, 1, 20, count_time, sim_ct_gauss)
    goto_cen()
