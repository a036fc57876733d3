"""The vendored specifications are what the exports are checked against: the Annex A extract must say what the
published schema says."""

import json
import re
from pathlib import Path

from reports import annex_a

SPECS = Path(annex_a.__file__).parent / "specs"


def yaml_section(text: str, name: str) -> str:
    """The lines of one list in Annex_A_schema.yml, up to the next list (read as text: PyYAML is not installed)."""
    start = text.index(f"\n    {name}:\n")
    following = re.search(r"\n    List \d+:\n", text[start + 1:])
    return text[start: start + 1 + following.start()] if following else text[start:]


def yaml_codes(text: str) -> list[str]:
    """Every `- code: ...` value, quotes and trailing comments removed."""
    return [re.sub(r"\s+#.*$", "", c).strip().strip("'") for c in re.findall(r"- code: (.+)\n", text)]


def test_the_annex_a_extract_matches_the_published_schema():
    text = (SPECS / "Annex_A_schema.yml").read_text()
    extract = json.loads((SPECS / "annex_a_lists.json").read_text())
    for name in ("List 1", "List 3"):
        section = yaml_section(text, name)
        headers = re.findall(r"^        (\S[^:\n]*):(?: \*\S+)?\s*$", section, flags=re.M)
        assert [column["header"] for column in extract[name]] == headers
        for column in extract[name]:
            # Codes given in the list itself, or through an alias (&gen, &eth ...) defined in List 1.
            for code in column["codes"]:
                assert code in yaml_codes(text), code
        codes_in_section = yaml_codes(section)
        if name == "List 1":
            assert codes_in_section == [c for column in extract[name] for c in column["codes"]]


def test_the_export_uses_sex_not_gender_and_the_cin_schema_is_the_2025_26_one():
    assert annex_a.headers("List 1")[1] == "Sex" and annex_a.headers("List 3")[1] == "Sex"
    xsd = (SPECS / "CIN_schema_2026.xsd").read_text()
    assert '<xs:element name="Sex" type="sextype"' in xsd and "GenderCurrent" not in xsd
