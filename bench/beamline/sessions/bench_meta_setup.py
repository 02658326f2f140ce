# 50 static entries and 5 generators in the user scan_meta registry.
from bliss.scanning import scan_meta

_meta = scan_meta.get_user_scan_meta()
_meta.add_categories(["sample"])
for _i in range(50):
    _meta.instrument.set(f"static_{_i:02d}", {f"static_{_i:02d}": {"value": _i, "value@units": "mm"}})


def _make_generator(index):
    def generator(scan):
        return {f"generated_{index}": {"state": str(scan.state), "index": index}}

    return generator


for _i in range(5):
    _meta.sample.set(f"gen_{_i}", _make_generator(_i))
