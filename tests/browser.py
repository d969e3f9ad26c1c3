"""Headless Chromium for the browser tests (the backprop player's, the documentation site's).

Chromium is Debian's ``chromium`` (``make test`` installs it with scripts/ensure-chromium.sh; :func:`chromium` tries
the same script once when it is missing). Playwright only drives it — ``playwright install`` is never run; the
browser is launched from ``/usr/bin/chromium`` with a fresh profile and without its background network traffic
(this machine's network is closed). A test is skipped, saying why, only when Chromium cannot be installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """The Chromium executable, installed from Debian's packages if missing; skip only if that is impossible."""
    found = shutil.which("chromium") or (Path("/usr/bin/chromium").exists() and "/usr/bin/chromium")
    if not found:
        result = subprocess.run(
            ["bash", str(REPO / "scripts" / "ensure-chromium.sh")], capture_output=True, text=True, timeout=900
        )
        found = shutil.which("chromium")
        if not found:
            pytest.skip(f"Chromium could not be installed: {(result.stderr or result.stdout).strip()[-300:]}")
    return str(found)


def sync_playwright():
    """Playwright's ``sync_playwright``; missing means the set-up is incomplete, not that a test may pass."""
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail("Playwright drives the browser and is missing: pip install -e '.[dev]' (or make test)")
    return sync_api.sync_playwright()
