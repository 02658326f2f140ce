# Setup file of the demo session: runs at start-up with the session namespace as globals.
print("Welcome to the bliss_lite demo beamline.")
load_script("demo")
