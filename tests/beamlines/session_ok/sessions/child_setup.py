ORDER = globals().get("ORDER", []) + ["child"]
load_script("child_tools")
