"""The documentation builds as CI builds it: MkDocs in strict mode, so a broken link, a missing anchor or a page
left out of the navigation fails the suite; and the README's links all reach a page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_documentation_site_builds_strictly(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": ""},
    )
    assert built.returncode == 0, built.stderr[-3000:]
    settings_page = (tmp_path / "site/operators/settings/index.html").read_text()
    assert "SLACK_SIGNING_SECRET" in settings_page and "DATABASE_URL" in settings_page


def test_every_link_in_the_readme_reaches_a_file():
    readme = (ROOT / "README.md").read_text()
    targets = [t for t in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme) if not t.startswith("http")]
    assert targets, "the README links to its documentation"
    for target in targets:
        assert (ROOT / target).exists(), f"README links to {target}, which is not there"


def test_the_readme_is_a_front_door():
    assert len((ROOT / "README.md").read_text().splitlines()) < 250
