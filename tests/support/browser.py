"""Helpers for the browser tests: where their screenshots go and how they are taken."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

ARTIFACTS = Path(__file__).resolve().parent.parent / "e2e" / "artifacts"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot of `page` as tests/e2e/artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
