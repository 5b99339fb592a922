"""The widget's pure JavaScript (calendar file, contrast, message parsing) under Node's own
test runner, so `make test` runs it with the rest (widget/test/*.test.js)."""
import shutil
import subprocess
from pathlib import Path

import pytest

WIDGET = Path(__file__).resolve().parents[3] / "widget"


def test_widget_unit_tests_pass_under_node():
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js 20+ is needed for the widget (see docs/channels.md)")
    result = subprocess.run([node, "--test", "test/"], cwd=WIDGET, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
