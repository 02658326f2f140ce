ORDER = ORDER + ["parent"]
