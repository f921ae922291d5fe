"""Fixtures for the browser tests: a real classifier, a real front, headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver

from front_browser import chromium
from twin_repository import twin_repository
from hublot_testing import PACKAGE_ROOT, ServerProcess, start_classifier, start_front

SCREENSHOTS = PACKAGE_ROOT / "tests" / "screenshots"


@pytest.fixture(scope="session")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    models = twin_repository(tmp_path_factory.mktemp("models"))
    server = start_classifier(tmp_path_factory.mktemp("logs") / "classifier.log", models=models, ready_within=180)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def front(classifier: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start_front(classifier.url, tmp_path_factory.mktemp("logs") / "front.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def _browser(javascript: bool, width: int, height: int, phone: bool = False) -> Iterator[webdriver.Chrome]:
    driver, profile = chromium(javascript=javascript, width=width, height=height, phone=phone)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    yield from _browser(javascript=True, width=1280, height=1000)


@pytest.fixture
def phone_browser() -> Iterator[webdriver.Chrome]:
    yield from _browser(javascript=True, width=390, height=844, phone=True)


@pytest.fixture
def browser_without_javascript() -> Iterator[webdriver.Chrome]:
    yield from _browser(javascript=False, width=1280, height=1000)
