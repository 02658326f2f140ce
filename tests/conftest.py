"""Shared fixtures: every test gets its own state directory and scan directory."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_BLISS_CONFIG = REPO.parent / "shared" / "bliss_test_configuration"


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real state directory."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("BLISS_LITE_STATE_DIR", str(state))
    monkeypatch.delenv("BLISS_LITE_ROOT", raising=False)
    yield state


@pytest.fixture
def bliss_test_configuration() -> Path:
    """BLISS's own test configuration from ../shared, when it is there."""
    if not SHARED_BLISS_CONFIG.is_dir():
        pytest.skip("../shared/bliss_test_configuration is not available")
    return SHARED_BLISS_CONFIG


@pytest.fixture
def demo_session(tmp_path, capsys):
    """The shipped demo session, fresh state, files under ``tmp_path/scans``, display off."""
    from bliss_lite import open_session

    session = open_session("demo", root=REPO, verbose=False)
    session.env["SCAN_SAVING"].base_path = str(tmp_path / "scans")
    session.env["SCAN_DISPLAY"].mode = "off"
    capsys.readouterr()
    yield session
    session.close()
