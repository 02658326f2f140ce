"""Side-by-side benchmarks of bliss_lite against Bluesky + ophyd (``python -m bench``)."""
