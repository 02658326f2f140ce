"""Shared fixtures: every test gets its own state directory and scan directory."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_BLISS_CONFIG = REPO.parent / "shared" / "bliss_test_configuration"
#: the nexus tests' own beamline (session "nexus"), so that the shipped demo may change
NEXUS_BEAMLINE = Path(__file__).resolve().parent / "beamlines" / "nexus"


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real state directory, and none inherits the
    session-less default of another (its state lives in that test's directory)."""
    from bliss_lite import current

    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("BLISS_LITE_STATE_DIR", str(state))
    monkeypatch.delenv("BLISS_LITE_ROOT", raising=False)
    yield state
    current.reset()


@pytest.fixture
def bliss_test_configuration() -> Path:
    """BLISS's own test configuration from ../shared, when it is there."""
    if not SHARED_BLISS_CONFIG.is_dir():
        pytest.skip("../shared/bliss_test_configuration is not available")
    return SHARED_BLISS_CONFIG


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """Where a test's scans write their files (``SCAN_SAVING.base_path``)."""
    return tmp_path / "scans"


def _open(name: str, root: Path, data_dir: Path, capsys):
    from bliss_lite import open_session

    session = open_session(name, root=root, verbose=False)
    session.env["SCAN_SAVING"].base_path = str(data_dir)
    session.env["SCAN_DISPLAY"].mode = "off"
    capsys.readouterr()
    return session


@pytest.fixture
def demo_session(data_dir, capsys):
    """The shipped demo session, fresh state, files under :func:`data_dir`, display off."""
    session = _open("demo", REPO, data_dir, capsys)
    yield session
    session.close()


@pytest.fixture
def nexus_session(data_dir, capsys):
    """The nexus tests' session (``tests/beamlines/nexus``), as :func:`demo_session`."""
    session = _open("nexus", NEXUS_BEAMLINE, data_dir, capsys)
    yield session
    session.close()
