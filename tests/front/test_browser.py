"""The site in a real browser (headless Chromium): classify in place, switch language, work without JavaScript,
and the occlusion map of each result card (« Où regarde le modèle ? »): the real model's map in the main
flows (screenshots 11 and 12), the exact cells, the class choice and the missing map against the fake classifier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from fake_classifier import FakeClassifier, fake_classifier
from hublot_testing import ServerProcess, free_port, photos_dir, start_front

CAT_LABELS = {"tabby", "tiger cat", "Egyptian cat"}


def wait(driver: webdriver.Chrome, seconds: float = 60) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def prediction_labels(driver: webdriver.Chrome) -> list[str]:
    cards = driver.find_elements(By.CSS_SELECTOR, "[data-results-grid] .result-card")
    return [label.text for label in cards[0].find_elements(By.CSS_SELECTOR, '[data-field="label"]')] if cards else []


def test_classifies_cat_in_place_then_switches_to_english(
    front: ServerProcess, browser: webdriver.Chrome, screenshots: Path
) -> None:
    browser.get(front.url + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert "Que voit le modèle" in browser.find_element(By.TAG_NAME, "h1").text
    selected = browser.find_element(By.CSS_SELECTOR, "#model option:checked")
    assert selected.get_attribute("value") == "efficientnet_lite0"
    browser.save_screenshot(str(screenshots / "01-home-fr.png"))

    # A marker that survives only if the page is not reloaded.
    browser.execute_script("window.hublotMarker = 'still-here';")
    browser.find_element(By.ID, "image").send_keys(str(photos_dir() / "cat.jpg"))
    wait(browser, 10).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "[data-preview] img")))
    browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()

    wait(browser).until(lambda driver: len(prediction_labels(driver)) == 5)
    labels = prediction_labels(browser)
    assert labels[0] in CAT_LABELS, labels
    assert browser.execute_script("return window.hublotMarker;") == "still-here"
    assert browser.current_url.rstrip("/") == front.url
    timings = browser.find_elements(By.CSS_SELECTOR, "[data-results-grid] [data-timing]")
    assert len(timings) == 5 and all(cell.text.endswith("ms") for cell in timings)
    browser.execute_script("window.scrollTo(0, 0);")
    browser.save_screenshot(str(screenshots / "02-result-fr.png"))
    browser.execute_script("document.getElementById('results').scrollIntoView();")
    browser.save_screenshot(str(screenshots / "03-result-fr-scrolled.png"))
    # The real model's map of the top-1, over the photo, named in words; the screenshot of the course.
    check_real_map(browser, f"Zone la plus déterminante pour « {labels[0]} » : ")
    browser.save_screenshot(str(screenshots / "11-map-fr.png"))

    browser.find_element(By.CSS_SELECTOR, '.lang-switch a[lang="en"]').click()
    wait(browser, 20).until(lambda driver: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert "What does the model see?" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.get_cookie("hublot_lang")["value"] == "en"
    browser.find_element(By.ID, "image").send_keys(str(photos_dir() / "cat.jpg"))
    browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    wait(browser).until(lambda driver: len(prediction_labels(driver)) == 5)
    assert prediction_labels(browser)[0] in CAT_LABELS
    assert browser.find_element(By.ID, "results-title").text == "Result"
    browser.execute_script("window.scrollTo(0, 0);")
    browser.save_screenshot(str(screenshots / "04-result-en.png"))
    check_real_map(browser, f"Strongest region for “{prediction_labels(browser)[0]}”: ")
    browser.save_screenshot(str(screenshots / "12-map-en.png"))


def test_compare_page_in_place(front: ServerProcess, browser: webdriver.Chrome, screenshots: Path) -> None:
    browser.get(front.url + "/compare?lang=en")
    boxes = browser.find_elements(By.CSS_SELECTOR, 'input[name="model"]')
    assert len(boxes) == 2 and all(box.is_selected() for box in boxes)
    browser.save_screenshot(str(screenshots / "05a-compare-form-en.png"))
    browser.execute_script("window.hublotMarker = 'still-here';")
    browser.find_element(By.ID, "image").send_keys(str(photos_dir() / "banana.jpg"))
    browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    wait(browser).until(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, '[data-results-grid] [data-field="label"]')) == 10)
    cards = browser.find_elements(By.CSS_SELECTOR, "[data-results-grid] .result-card")
    assert [card.find_element(By.CSS_SELECTOR, '[data-field="model"]').text for card in cards] == [
        "efficientnet_lite0", "efficientnet_lite0_twin",
    ]
    assert all(card.find_element(By.CSS_SELECTOR, '[data-field="label"]').text == "banana" for card in cards)
    assert browser.execute_script("return window.hublotMarker;") == "still-here"
    browser.save_screenshot(str(screenshots / "05-compare-en.png"))


def test_shows_a_clear_message_for_a_file_that_is_not_an_image(
    front: ServerProcess, browser: webdriver.Chrome, screenshots: Path, tmp_path: Path
) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not an image", encoding="utf-8")
    browser.get(front.url + "/?lang=en")
    browser.find_element(By.ID, "image").send_keys(str(text_file))
    browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    alert = wait(browser).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "[data-results-grid] .alert-message"))
    )
    assert "not a supported image" in alert.text or "could not be read as an image" in alert.text
    browser.save_screenshot(str(screenshots / "06-error-en.png"))


def test_works_without_javascript(
    front: ServerProcess, browser_without_javascript: webdriver.Chrome, screenshots: Path
) -> None:
    browser = browser_without_javascript
    browser.get(front.url + "/")
    browser.find_element(By.ID, "image").send_keys(str(photos_dir() / "cat.jpg"))
    browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    wait(browser).until(lambda driver: len(prediction_labels(driver)) == 5)
    assert browser.current_url.endswith("/classify#results")
    labels = prediction_labels(browser)
    assert len(labels) == 5 and labels[0] in CAT_LABELS, labels
    assert browser.find_element(By.CSS_SELECTOR, "[data-preview] img").get_attribute("src").startswith("data:image/jpeg")
    browser.save_screenshot(str(screenshots / "07-result-no-js-fr.png"))
    check_real_map(browser, f"Zone la plus déterminante pour « {labels[0]} » : ")


def test_phone_layout(front: ServerProcess, phone_browser: webdriver.Chrome, screenshots: Path) -> None:
    phone_browser.get(front.url + "/")
    phone_browser.find_element(By.ID, "image").send_keys(str(photos_dir() / "cat.jpg"))
    phone_browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    wait(phone_browser).until(lambda driver: len(prediction_labels(driver)) == 5)
    width = phone_browser.execute_script("return document.documentElement.scrollWidth;")
    viewport = phone_browser.execute_script("return window.innerWidth;")
    assert width <= viewport, "the page scrolls sideways on a phone"
    phone_browser.save_screenshot(str(screenshots / "09-phone-result-fr.png"))
    phone_browser.execute_script("window.scrollTo(0, 0);")
    phone_browser.save_screenshot(str(screenshots / "08-phone-fr.png"))


def test_unavailable_classifier_page(browser: webdriver.Chrome, screenshots: Path, tmp_path: Path) -> None:
    front = start_front(f"http://127.0.0.1:{free_port()}", tmp_path / "front.log", wait_ready=False)
    try:
        browser.get(front.url + "/")
        alert = browser.find_element(By.CSS_SELECTOR, "[data-notice]")
        assert "Le service de classification est indisponible" in alert.text
        browser.save_screenshot(str(screenshots / "10-unavailable-fr.png"))
    finally:
        front.stop()


def test_keyboard_reaches_the_file_picker_with_a_visible_focus(front: ServerProcess, browser: webdriver.Chrome) -> None:
    browser.get(front.url + "/?lang=en")
    focused_ids: list[str] = []
    for _ in range(20):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused = browser.switch_to.active_element
        focused_ids.append(focused.get_attribute("id") or focused.tag_name)
        if focused.get_attribute("id") == "image":
            break
    assert focused_ids[-1] == "image", focused_ids
    outline = browser.execute_script(
        "return getComputedStyle(document.querySelector('.dropzone-label')).outlineStyle;"
    )
    assert outline == "solid"
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("id") == "model"


DISPATCH_IMAGE_EVENT = """
const [kind, name, done] = arguments;
const canvas = document.createElement("canvas");
canvas.width = 64; canvas.height = 48;
const context = canvas.getContext("2d");
context.fillStyle = "#3a7"; context.fillRect(0, 0, 64, 48);
canvas.toBlob((blob) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([blob], name, { type: "image/png" }));
  if (kind === "paste") {
    document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true }));
  } else {
    document.querySelector("[data-dropzone]").dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }
  const input = document.getElementById("image");
  done([input.files.length, input.files.length ? input.files[0].name : "", document.querySelector("[data-preview-name]").textContent]);
}, "image/png");
"""


def test_paste_and_drop_choose_the_image(front: ServerProcess, browser: webdriver.Chrome) -> None:
    browser.get(front.url + "/?lang=en")
    count, name, shown = browser.execute_async_script(DISPATCH_IMAGE_EVENT, "paste", "pasted.png")
    assert (count, name, shown) == (1, "pasted.png", "pasted.png")
    count, name, shown = browser.execute_async_script(DISPATCH_IMAGE_EVENT, "drop", "dropped.png")
    assert (count, name, shown) == (1, "dropped.png", "dropped.png")
    assert browser.find_element(By.CSS_SELECTOR, "[data-preview]").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    wait(browser).until(lambda driver: len(prediction_labels(driver)) == 5)
    assert browser.find_element(By.CSS_SELECTOR, '[data-results-grid] [data-field="file"]').text == "dropped.png"


def test_too_large_image_is_refused_before_upload(front: ServerProcess, browser: webdriver.Chrome, tmp_path: Path) -> None:
    big = tmp_path / "huge.jpg"
    big.write_bytes((photos_dir() / "cat.jpg").read_bytes() + b"\0" * (20 * 1024 * 1024))
    browser.get(front.url + "/?lang=en")
    browser.find_element(By.ID, "image").send_keys(str(big))
    browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    error = wait(browser, 10).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "[data-form-error]")))
    assert error.text == "This image is too large: the limit is 20 MiB."


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeClassifier]:
    with fake_classifier() as classifier:
        yield classifier


@pytest.fixture(scope="module")
def fake_front(fake: FakeClassifier, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A front before the fake classifier, whose maps are known: the first class's strongest cell at the top
    centre, the second's at the bottom right."""
    server = start_front(fake.url, tmp_path_factory.mktemp("logs") / "front.log")
    yield server
    server.stop()


SHOWN_MAP = """
const card = document.querySelector("[data-results-grid] .result-card");
if (!card) return { overlays: 0, shown: [], caption: null, cells: 0, covers: false };
const overlays = Array.from(card.querySelectorAll(".map-overlay"));
const shown = overlays.filter((overlay) => getComputedStyle(overlay).display !== "none");
const caption = Array.from(card.querySelectorAll(".map-caption")).find((item) => getComputedStyle(item).display !== "none");
const photo = card.querySelector(".map-photo").getBoundingClientRect();
const box = shown.length === 1 ? shown[0].getBoundingClientRect() : null;
return {
  overlays: overlays.length,
  shown: shown.map((overlay) => overlays.indexOf(overlay)),
  caption: caption ? caption.textContent : null,
  cells: shown.length === 1 ? shown[0].querySelectorAll("rect").length : 0,
  covers: box !== null && photo.width > 0 && [box.left - photo.left, box.top - photo.top,
    box.width - photo.width, box.height - photo.height].every((delta) => Math.abs(delta) < 1),
};
"""


def shown_map(driver: webdriver.Chrome) -> dict[str, object]:
    return driver.execute_script(SHOWN_MAP)


def choose_map(driver: webdriver.Chrome, position: int) -> None:
    labels = driver.find_elements(By.CSS_SELECTOR, "[data-results-grid] .result-card .map-choice")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", labels[position])
    labels[position].click()


def check_real_map(driver: webdriver.Chrome, caption_start: str) -> None:
    """The real classifier's maps: five overlays exactly over the photo, the top-1's shown, some cells coloured
    (the cat's map is not flat), its caption naming a region; the card scrolled into view."""
    wait(driver).until(lambda driver: shown_map(driver)["shown"] == [0])
    state = shown_map(driver)
    assert state["overlays"] == 5 and state["covers"], state
    assert 0 < state["cells"] <= 49, state
    assert str(state["caption"]).startswith(caption_start), state
    driver.execute_script("document.querySelector('.map').scrollIntoView({block: 'center'});")


def check_map_and_choice(driver: webdriver.Chrome, first: str, second: str) -> None:
    """Five overlays over the photo, the first shown with its text alternative; the second chosen shows instead."""
    wait(driver).until(lambda driver: shown_map(driver)["shown"] == [0])
    state = shown_map(driver)
    assert state["overlays"] == 5 and state["covers"], state
    assert state["caption"] == first
    assert 0 < state["cells"] < 49, "the negative cell stays clear"
    choose_map(driver, 1)
    wait(driver, 10).until(lambda driver: shown_map(driver)["shown"] == [1])
    assert shown_map(driver)["caption"] == second


def test_the_map_shows_over_the_photo_and_follows_the_chosen_class(fake_front: ServerProcess, browser: webdriver.Chrome) -> None:
    browser.get(fake_front.url + "/")
    browser.find_element(By.ID, "image").send_keys(str(photos_dir() / "cat.jpg"))
    browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    wait(browser).until(lambda driver: len(prediction_labels(driver)) == 5)
    check_map_and_choice(browser, "Zone la plus déterminante pour « tabby » : en haut au centre.",
                         "Zone la plus déterminante pour « tiger cat » : en bas à droite.")
    assert browser.current_url.rstrip("/") == fake_front.url, "classified in place"
    choose_map(browser, 0)
    wait(browser, 10).until(lambda driver: shown_map(driver)["shown"] == [0])


def test_the_map_works_without_javascript(fake_front: ServerProcess, browser_without_javascript: webdriver.Chrome) -> None:
    browser = browser_without_javascript
    browser.get(fake_front.url + "/?lang=en")
    browser.find_element(By.ID, "image").send_keys(str(photos_dir() / "cat.jpg"))
    browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    wait(browser).until(lambda driver: len(prediction_labels(driver)) == 5)
    assert browser.current_url.endswith("/classify#results")
    check_map_and_choice(browser, "Strongest region for “tabby”: top centre.", "Strongest region for “tiger cat”: bottom right.")
    choose_map(browser, 0)
    wait(browser, 10).until(lambda driver: shown_map(driver)["shown"] == [0])


@pytest.mark.parametrize("javascript", [True, False])
def test_a_missing_map_leaves_the_classification_with_a_note(
    fake: FakeClassifier, fake_front: ServerProcess, javascript: bool, request: pytest.FixtureRequest
) -> None:
    driver = request.getfixturevalue("browser" if javascript else "browser_without_javascript")
    fake.explain_overloaded = True
    try:
        driver.get(fake_front.url + "/")
        driver.find_element(By.ID, "image").send_keys(str(photos_dir() / "cat.jpg"))
        driver.find_element(By.CSS_SELECTOR, "[data-submit]").click()
        wait(driver).until(lambda driver: len(prediction_labels(driver)) == 5)
        note = wait(driver).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "[data-results-grid] .map-note")))
        wait(driver, 10).until(lambda _: note.text.startswith("Carte non calculée : Le service est très sollicité"))
        assert not driver.find_element(By.CSS_SELECTOR, "[data-results-grid] [data-field='map-body']").is_displayed()
    finally:
        fake.explain_overloaded = False


def test_the_map_fits_a_phone(fake_front: ServerProcess, phone_browser: webdriver.Chrome) -> None:
    phone_browser.get(fake_front.url + "/")
    phone_browser.find_element(By.ID, "image").send_keys(str(photos_dir() / "cat.jpg"))
    phone_browser.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    wait(phone_browser).until(lambda driver: shown_map(driver)["shown"] == [0])
    assert shown_map(phone_browser)["covers"]
    width = phone_browser.execute_script("return document.documentElement.scrollWidth;")
    viewport = phone_browser.execute_script("return window.innerWidth;")
    assert width <= viewport, "the map makes the page scroll sideways on a phone"


OVERLAY_CELLS = """
return Array.from(document.querySelectorAll("[data-results-grid] .result-card .map-overlay")).map((overlay) => [
  overlay.getAttribute("viewBox"),
  Array.from(overlay.querySelectorAll("rect")).map((cell) => [cell.getAttribute("x"), cell.getAttribute("y"), cell.getAttribute("fill-opacity")]),
]);
"""


def test_the_page_script_draws_the_same_maps_as_the_server(
    fake_front: ServerProcess, browser: webdriver.Chrome, browser_without_javascript: webdriver.Chrome
) -> None:
    """The opacity rule and the text alternative exist in OcclusionMapView.swift and in app.js: both must agree."""
    drawn = []
    for driver in (browser, browser_without_javascript):
        driver.get(fake_front.url + "/")
        driver.find_element(By.ID, "image").send_keys(str(photos_dir() / "cat.jpg"))
        driver.find_element(By.CSS_SELECTOR, "[data-submit]").click()
        wait(driver).until(lambda driver: shown_map(driver)["shown"] == [0])
        captions = [caption.get_attribute("textContent") for caption in
                    driver.find_elements(By.CSS_SELECTOR, "[data-results-grid] .map-caption")]
        drawn.append((driver.execute_script(OVERLAY_CELLS), captions))
    assert len(drawn[0][0]) == 5 and len(drawn[0][1]) == 5
    assert drawn[0] == drawn[1]
