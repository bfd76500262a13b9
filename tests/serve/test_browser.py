"""End-to-end: the page in Debian's headless Chromium (through its chromedriver) against a live server.

Screenshots go to pytest's temporary folder and to `test_artifacts/` at the repository root.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import urllib.request
import zipfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from serve_helpers import ARTIFACTS, SAMPLE

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# A closed browser: no network beyond the loopback server, no downloads of components or updates.
CHROMIUM_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1280,1400")


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    # Both paths given: Selenium never looks for (or downloads) a driver or a browser.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def save_screenshot(driver, tmp_path, name):
    path = tmp_path / name
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(800, min(height + 40, 4000)))  # the whole page, timings included
    assert driver.save_screenshot(str(path))
    os.makedirs(ARTIFACTS, exist_ok=True)
    shutil.copyfile(path, os.path.join(ARTIFACTS, name))
    return path


def open_page(driver, server):
    driver.get(server.url)
    WebDriverWait(driver, 15).until(lambda d: d.find_element(By.ID, "model").text.startswith("Generator:"))


def upload(driver, path):
    def finished(d):
        return int(d.find_element(By.TAG_NAME, "body").get_attribute("data-finished") or 0)

    before = finished(driver)
    driver.find_element(By.ID, "file").send_keys(os.fspath(path))
    # The page counts finished attempts (result or error shown).
    WebDriverWait(driver, 30).until(lambda d: finished(d) > before)


def loaded_size(driver, image):
    """(naturalWidth, naturalHeight) once the browser has decoded the image; (0, 0) if it failed."""
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return arguments[0].complete", image))
    return tuple(driver.execute_script("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", image))


def test_sample_photo_shows_crop_mask_cartoon_pasted_and_timings(browser, live_server, tmp_path):
    open_page(browser, live_server)
    assert not browser.find_element(By.ID, "banner").is_displayed()  # real (tiny) weights: no warning
    upload(browser, SAMPLE)
    assert not browser.find_element(By.ID, "error").is_displayed(), browser.find_element(By.ID, "error").text
    assert browser.find_element(By.ID, "status").text.startswith("Done: 1 face in astronaut.png (512\u00d7512 px)")

    faces = browser.find_elements(By.CSS_SELECTOR, "#faces .face")
    assert len(faces) == 1
    for kind in ("aligned crop", "mask", "cartoon"):
        image = faces[0].find_element(By.CSS_SELECTOR, f'img[data-kind="{kind}"]')
        assert loaded_size(browser, image) == (64, 64), kind  # the tiny generator's size
    pasted = browser.find_element(By.CSS_SELECTOR, 'img[data-kind="pasted back"]')
    assert loaded_size(browser, pasted) == (512, 512)

    stages = {row.get_attribute("data-stage"): float(row.find_element(By.CSS_SELECTOR, "td.ms").text)
              for row in browser.find_elements(By.CSS_SELECTOR, "#timings tbody tr")}
    assert {"preprocess", "generator", "paste_back", "total", "round_trip"} <= set(stages)
    assert all(ms >= 0 for ms in stages.values()) and stages["total"] > 0
    assert stages["round_trip"] >= stages["total"] - 1  # the browser's time includes the server's

    links = browser.find_elements(By.CSS_SELECTOR, "figcaption a[download]")
    assert sorted(link.get_attribute("download") for link in links) == sorted(
        f"astronaut_{n}" for n in ("face0_crop.png", "face0_mask.png", "face0_cartoon.png", "pasted.png"))
    zip_link = browser.find_element(By.ID, "zip")
    assert zip_link.get_attribute("download") == "astronaut_cartoons.zip"
    with urllib.request.urlopen(zip_link.get_attribute("href"), timeout=10) as response:
        names = zipfile.ZipFile(io.BytesIO(response.read())).namelist()
    assert len([n for n in names if n.endswith(".png")]) == 4
    assert save_screenshot(browser, tmp_path, "serve_sample.png").stat().st_size > 10_000


def test_corrupt_file_shows_a_readable_error(browser, live_server, corrupt_png, tmp_path):
    photo = tmp_path / "broken.png"
    photo.write_bytes(corrupt_png)
    open_page(browser, live_server)
    upload(browser, photo)
    error = browser.find_element(By.ID, "error")
    assert error.is_displayed()
    assert error.text.startswith("This file cannot be used as a photo: truncated or corrupt PNG data")
    assert not browser.find_element(By.ID, "results").is_displayed()
    save_screenshot(browser, tmp_path, "serve_corrupt.png")


def test_text_file_then_photo_recovers(browser, live_server, sample_bytes, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    open_page(browser, live_server)
    upload(browser, notes)
    assert "not an image" in browser.find_element(By.ID, "error").text
    upload(browser, SAMPLE)  # the page stays usable after an error
    assert not browser.find_element(By.ID, "error").is_displayed()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#faces .face")) == 1


def test_dropped_photo_is_cartoonized(browser, live_server, sample_bytes):
    open_page(browser, live_server)
    before = int(browser.find_element(By.TAG_NAME, "body").get_attribute("data-finished") or 0)
    # A drop event carrying the file, as the browser fires when a photo is dragged onto the zone.
    browser.execute_script("""
        const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "dropped.png", {type: "image/png"}));
        document.getElementById("drop").dispatchEvent(
            new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    """, base64.b64encode(sample_bytes).decode())
    WebDriverWait(browser, 30).until(
        lambda d: int(d.find_element(By.TAG_NAME, "body").get_attribute("data-finished") or 0) > before)
    assert browser.find_element(By.ID, "status").text.startswith("Done: 1 face in dropped.png")
    assert browser.find_element(By.ID, "zip").get_attribute("download") == "dropped_cartoons.zip"
