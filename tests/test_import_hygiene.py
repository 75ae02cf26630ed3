"""The core is a library with no UI in it: importing it must not import Textual."""

import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "tui" / "core"


def test_core_imports_nothing_from_textual():
    modules = sorted(p.stem for p in CORE.glob("*.py") if p.stem != "__init__")
    code = "import sys\n" + "".join(f"import tui.core.{m}\n" for m in modules) + (
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.') or m == 'rich' or m.startswith('rich.')]\n"
        "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(modules) >= 10
