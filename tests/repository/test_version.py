"""One version for the project: VERSION, and everything that reports or labels it.

VERSION (repository root) is the single source. The Swift constant
(Sources/HublotVersion/HublotRelease.swift), hublot-init's package version, the
Dockerfiles' default version label and CHANGELOG.md's latest release are
copies checked here; scripts/build-images reads VERSION itself. The programs'
`--version`, the classifier's `GET /v2` and the front's footer are checked live.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest

from hublot_testing import PACKAGE_ROOT, binary, dockerfile_stage, get_json, start_classifier, start_front

ROOT = PACKAGE_ROOT
VERSION = (ROOT / "VERSION").read_text().strip()

OCI_LABELS = ("version", "revision", "source", "licenses")
# Every image target: (Dockerfile, stage name or None for a single-stage file).
IMAGE_STAGES = [
    ("docker/hublot.Dockerfile", "builder"),
    ("docker/hublot.Dockerfile", "classifier"),
    ("docker/hublot.Dockerfile", "front"),
    ("docker/hublot.Dockerfile", "cli"),
    ("docker/init.Dockerfile", None),
    ("cp3/Dockerfile", None),
    ("cp6/Dockerfile", None),
]


def test_version_is_semantic():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), f"VERSION holds {VERSION!r}"


def test_the_swift_constant_is_the_version():
    source = (ROOT / "Sources/HublotVersion/HublotRelease.swift").read_text()
    assert re.findall(r'static let version = "([^"]+)"', source) == [VERSION]


def test_hublot_init_package_is_the_version():
    pyproject = tomllib.loads((ROOT / "init/pyproject.toml").read_text())
    assert pyproject["project"]["version"] == VERSION
    module = (ROOT / "init/src/hublot_init/__init__.py").read_text()
    assert re.findall(r'^__version__ = "([^"]+)"', module, re.M) == [VERSION]


def test_the_changelog_has_the_version_and_the_first_release():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    assert headings[:1] == [VERSION] and "0.1.0" in headings, headings


@pytest.mark.parametrize(("dockerfile", "name"), IMAGE_STAGES)
def test_every_image_carries_the_oci_labels(dockerfile: str, name: str | None):
    text = dockerfile_stage(dockerfile, name)
    for label in OCI_LABELS:
        assert re.search(rf"org\.opencontainers\.image\.{label}=\"\S+\"", text), f"{dockerfile} {name}: no {label} label"
    assert re.search(r'image\.licenses="Apache-2\.0"', text)
    assert re.search(r'image\.version="\$\{HUBLOT_VERSION\}"', text)
    assert re.search(r'image\.revision="\$\{HUBLOT_REVISION\}"', text)
    # The default version, used by builds that do not pass it (docker compose build), is VERSION's.
    assert re.findall(r"^ARG HUBLOT_VERSION=(\S+)$", text, re.M) == [VERSION]
    # Declared after the last RUN: a new commit must not invalidate the cached build steps.
    last_run = max((m.start() for m in re.finditer(r"^RUN ", text, re.M)), default=-1)
    assert text.index("ARG HUBLOT_REVISION") > last_run


def test_build_images_reads_the_version_file():
    script = (ROOT / "scripts/lib/image-metadata.sh").read_text()
    assert '"$ROOT/VERSION"' in script


@pytest.mark.parametrize(("name", "env_var"), [
    ("hublot", "HUBLOT_BIN"),
    ("hublot-classifier", "HUBLOT_CLASSIFIER_BIN"),
    ("hublot-front", "HUBLOT_FRONT_BIN"),
])
def test_swift_programs_report_the_version(name: str, env_var: str):
    result = subprocess.run([str(binary(name, env_var)), "--version"], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, VERSION), result.stderr


def test_hublot_init_reports_the_version():
    # This checkout's sources, not whichever hublot-init the environment has installed.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "init" / "src")}
    result = subprocess.run([sys.executable, "-m", "hublot_init", "--version"], capture_output=True, text=True,
                            timeout=120, env=env)
    assert (result.returncode, result.stdout.strip()) == (0, f"hublot-init {VERSION}"), result.stderr


def test_the_classifier_metadata_and_the_front_footer_report_the_version(tmp_path: Path):
    classifier = start_classifier(tmp_path / "classifier.log")
    try:
        status, metadata = get_json(f"{classifier.url}/v2")
        assert status == 200 and metadata["name"] == "hublot-classifier" and metadata["version"] == VERSION
        front = start_front(classifier.url, tmp_path / "front.log")
        try:
            for language in ("en", "fr"):
                with urllib.request.urlopen(f"{front.url}/?lang={language}", timeout=10) as response:
                    page = response.read().decode()
                assert f'<p class="footer-version">Hublot {VERSION}</p>' in page
        finally:
            front.stop()
    finally:
        classifier.stop()
