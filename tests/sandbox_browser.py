"""A real browser for the sandbox's page tests (Debian's Chromium, driven by Selenium), and what a
visitor does and sees in it, in the page's own words. Screenshots land in test-artifacts/ (git-ignored).

Without Chromium the tests skip with a reason; COACH_REQUIRE_BROWSER=1 (set by .ci/run) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,900",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path in (CHROMIUM, DRIVER):
        if not shutil.which(path):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("COACH_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " and COACH_REQUIRE_BROWSER=1 makes the browser tests required")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(0)
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


class Page:
    """What a visitor does and sees, in the page's own words."""

    def __init__(self, driver) -> None:
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver, self.by = driver, By
        self.wait = WebDriverWait(driver, 10, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException])

    def find(self, css: str):
        return self.wait.until(lambda d: next(iter(d.find_elements(self.by.CSS_SELECTOR, css)), None))

    def text_appears(self, css: str, words: str):
        def seen(driver):
            found = [e for e in driver.find_elements(self.by.CSS_SELECTOR, css) if words in e.text]
            return found[-1] if found else None

        from selenium.common.exceptions import TimeoutException

        try:
            return self.wait.until(seen, message=f"no {css} with {words!r}")
        except TimeoutException:
            shown = [e.text[:200] for e in self.driver.find_elements(self.by.CSS_SELECTOR, css)]
            raise AssertionError(f"no {css} with {words!r}; it shows {shown}") from None

    def type(self, line: str) -> None:
        from selenium.webdriver.common.keys import Keys

        box = self.find("#compose-input")
        box.send_keys(line)
        box.send_keys(Keys.ENTER)

    def click(self, css: str, words: str) -> None:
        """Click what shows those words (found again if the page redrew it meanwhile)."""
        from selenium.common.exceptions import StaleElementReferenceException

        def clicked(driver):
            try:
                self.text_appears(css, words).click()
                return True
            except StaleElementReferenceException:
                return False

        self.wait.until(clicked)

    def next_morning(self, day: str, news: str) -> None:
        """Move the sandbox clock to the next working morning: the clock shows `day`, the jobs' list `news`."""
        self.click("[data-jump=morning]", "Next working morning")
        self.text_appears("#clock-now", day)
        self.text_appears("#jobs li", news)

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
