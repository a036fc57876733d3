"""The layering (DESIGN.md section 2) is checked by import-linter, not hoped for.

The project's own contracts (pyproject.toml, [tool.importlinter]) are run twice: over the project, where they
must hold, and over a small scratch tree of packages with the same names in which the kernel imports an app and
consent imports enquiries, where they must fail, naming those two contracts.
"""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(cwd: Path, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([LINT_IMPORTS, str(config), "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def write(tree: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = tree / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_the_project_keeps_its_layering():
    result = lint_imports(ROOT, ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 kept, 0 broken" in result.stdout


def test_a_wrong_import_breaks_the_contract_it_crosses(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    tree = {f"{app}/__init__.py": "" for app in ("mash", "agencies", "contacts", "enquiries", "consent",
                                                              "reports", "retention")}
    tree.update({
        "mash/tests/__init__.py": "",
        # Allowed: the kernel's tests drive a real clocked model (the contract's ignore_imports).
        "mash/tests/helpers.py": "import agencies.models\nimport contacts.services\n",
        "agencies/models.py": "import mash\n",
        "contacts/services.py": "import agencies.models\nimport mash\n",
        "enquiries/services.py": "import consent\nimport contacts\n",
        # Wrong: the kernel names an app, and consent reaches up into enquiries.
        "mash/deadlines.py": "from contacts import services\n",
        "consent/selectors.py": "import enquiries.services\n",
        # Allowed: retention builds on every app (it destroys their rows of a record).
        "retention/destruction.py": "import contacts\nimport enquiries\nimport consent\nimport reports\n",
    })
    write(tmp_path, tree)
    result = lint_imports(tmp_path, tmp_path / "pyproject.toml")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "4 kept, 2 broken" in out, out
    assert "mash.deadlines -> contacts.services" in out
    assert "consent.selectors -> enquiries.services" in out
    assert "agencies imports no work app KEPT" in out and "contacts imports neither enquiries nor consent KEPT" in out
