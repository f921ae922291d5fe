"""hublot-front's configuration: flags, environment variables, invalid values."""

from __future__ import annotations

import os
import subprocess

import pytest

from hublot_testing import PACKAGE_ROOT, binary


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary("hublot-front", "HUBLOT_FRONT_BIN")), *args], capture_output=True, text=True, timeout=60,
        cwd=PACKAGE_ROOT, env={**os.environ, **(env or {})})


def test_help_documents_every_flag_and_its_variable() -> None:
    result = run("--help")
    assert result.returncode == 0
    for flag, variable in [
        ("--host", "HUBLOT_FRONT_HOST"), ("--port", "HUBLOT_FRONT_PORT"), ("--classifier-url", "HUBLOT_CLASSIFIER_URL"),
        ("--connect-timeout", "HUBLOT_CONNECT_TIMEOUT"), ("--request-timeout", "HUBLOT_REQUEST_TIMEOUT"),
        ("--body-timeout", "HUBLOT_BODY_TIMEOUT"), ("--idle-timeout", "HUBLOT_IDLE_TIMEOUT"),
        ("--header-timeout", "HUBLOT_HEADER_TIMEOUT"),
        ("--max-upload-bytes", "HUBLOT_MAX_UPLOAD_BYTES"), ("--upload-memory-bytes", "HUBLOT_UPLOAD_MEMORY_BYTES"),
        ("--classifier-connections", "HUBLOT_CLASSIFIER_CONNECTIONS"),
        ("--classifier-balancing", "HUBLOT_CLASSIFIER_BALANCING"),
        ("--classifier-dns-refresh", "HUBLOT_CLASSIFIER_DNS_REFRESH"),
        ("--default-language", "HUBLOT_DEFAULT_LANGUAGE"), ("--log-level", "HUBLOT_LOG_LEVEL"),
    ]:
        assert flag in result.stdout and variable in result.stdout, flag


@pytest.mark.parametrize("variable, value", [
    ("HUBLOT_FRONT_PORT", "80a"), ("HUBLOT_FRONT_PORT", "0"), ("HUBLOT_REQUEST_TIMEOUT", "-1"),
    ("HUBLOT_BODY_TIMEOUT", "soon"), ("HUBLOT_MAX_UPLOAD_BYTES", "big"), ("HUBLOT_DEFAULT_LANGUAGE", "de"),
    ("HUBLOT_LOG_LEVEL", "loud"), ("LOG_LEVEL", "loud"),
    ("HUBLOT_CLASSIFIER_BALANCING", "random"), ("HUBLOT_CLASSIFIER_DNS_REFRESH", "-1"),
])
def test_an_invalid_environment_value_stops_the_program_naming_the_variable(variable: str, value: str) -> None:
    result = run(env={variable: value})
    assert result.returncode == 64, result.stderr
    assert f"{variable}={value}" in result.stderr


def test_an_invalid_combination_is_refused() -> None:
    result = run("--max-upload-bytes", str(200 * 1024 * 1024))
    assert result.returncode == 64
    assert "upload memory bytes" in result.stderr
