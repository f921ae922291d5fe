"""Headless Chromium (Debian's package) driven by Selenium, with a fresh profile per browser."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def chromium(
    javascript: bool = True, width: int = 1280, height: int = 1000, phone: bool = False
) -> tuple[webdriver.Chrome, Path]:
    """A headless Chromium and its throw-away profile folder (delete it after `quit()`)."""
    if not CHROMIUM.is_file() or not CHROMEDRIVER.is_file():
        raise RuntimeError("chromium and chromium-driver are missing: apt-get install -y chromium chromium-driver")
    profile = Path(tempfile.mkdtemp(prefix="hublot-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
        f"--window-size={width},{height}", "--lang=fr-FR", "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)
    prefs: dict[str, object] = {"intl.accept_languages": "fr-FR,fr"}
    if phone:
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2, "touch": True}}
        )
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    try:
        driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    return driver, profile
