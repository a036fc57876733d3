"""Extract Annex A List 1 and List 3 (headers and drop-down strings, in order) from Annex_A_schema.yml into
annex_a_lists.json. Run with any Python that has PyYAML (it is not a dependency of the project):

    python3 reports/specs/extract_annex_a.py
"""

import json
from pathlib import Path

import yaml

HERE = Path(__file__).parent
LISTS = ("List 1", "List 3")

schema = yaml.safe_load((HERE / "Annex_A_schema.yml").read_text())["column_map"]
out = {
    name: [{"header": header, "codes": [c["code"] for c in spec.get("category", [])],
            "blank_allowed": bool(spec.get("canbeblank", True))}
           for header, spec in schema[name].items()]
    for name in LISTS
}
(HERE / "annex_a_lists.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
