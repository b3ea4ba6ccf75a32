"""The website in a real browser: headless Chromium (Debian's chromium + chromium-driver) driven
by Selenium draws a trimap, mattes the CC0 lemur of ../shared/data with closed_form, opens the
leaderboards, and scores a zip on a hidden-GT benchmark; no request leaves 127.0.0.1.

Skips with a reason when Chromium, its driver, Selenium, Gradio or the shared data are
missing. Set MATTEBENCH_SCREENSHOT_TO=docs/serve.png to copy the screenshot into the docs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.benchmark.serve.helpers import (
    browser_paths,
    make_benchmark,
    make_predictions,
    running_server,
    zip_files,
)
from tests.benchmark.test_report import make_dataset, make_run

pytestmark = pytest.mark.slow
pytest.importorskip("gradio", reason="needs the serve extra: pip install 'mattebench[serve]'")
webdriver = pytest.importorskip(
    "selenium.webdriver", reason="needs the serve extra: pip install 'mattebench[serve]'"
)

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--window-size=1280,1500",
    # every host name but the loopback fails to resolve: nothing can leave this machine
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)
WAIT_S = 180


@pytest.fixture
def browser(tmp_path):
    paths = browser_paths()
    if paths is None:
        pytest.skip(
            "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
        )
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = paths[0]
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(paths[1]), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, condition, timeout=WAIT_S):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.25).until(condition)


def _upload(driver, elem_id: str, path: Path) -> None:
    from selenium.webdriver.common.by import By

    field = driver.find_element(By.CSS_SELECTOR, f"#{elem_id} input[type=file]")
    field.send_keys(str(path))


def _text(driver, elem_id: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, elem_id).text


def _sort_descending(driver, elem_id: str, header: str) -> None:
    from selenium.webdriver.common.by import By

    for th in driver.find_elements(By.CSS_SELECTOR, f"#{elem_id} th"):
        if th.text.startswith(header):
            th.click()
            th.find_element(By.CSS_SELECTOR, "button[aria-label='Open cell menu']").click()
            item = _wait(
                driver,
                lambda d: d.find_elements(By.XPATH, "//button[contains(., 'Sort descending')]"),
            )
            item[-1].click()
            return
    raise AssertionError(f"no column {header!r}")


def _first_cell(driver, elem_id: str) -> str:
    from selenium.webdriver.common.by import By

    cells = driver.find_elements(
        By.CSS_SELECTOR, f"#{elem_id} [role=row][data-index='0'] [role=gridcell]"
    )  # the first row as displayed
    return cells[0].text.strip() if cells else ""


def _draw_trimap(driver, outputs: Path) -> np.ndarray:
    """Paint one stroke on the background layer and one on the foreground layer of the editor,
    press 'Use the drawing as trimap', and return the trimap the server wrote."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    for button in driver.find_elements(By.CSS_SELECTOR, "button"):
        if "draw the trimap" in button.text:
            button.click()
    editor = _wait(driver, lambda d: d.find_element(By.ID, "mb-editor"))
    _wait(driver, lambda d: editor.find_elements(By.TAG_NAME, "canvas"))

    def press(label):
        editor.find_element(By.CSS_SELECTOR, f"button[aria-label='{label}']").click()

    def stroke(x, y0, y1):  # offsets from the canvas centre
        canvas = editor.find_elements(By.TAG_NAME, "canvas")[-1]
        chain = ActionChains(driver).move_to_element_with_offset(canvas, x, y0).click_and_hold()
        chain.move_by_offset(0, y1 - y0).release().perform()

    press("Brush")
    stroke(-150, -100, 100)  # layer 'background' is selected first
    press("Show Layers")
    editor.find_element(By.XPATH, ".//button[normalize-space(.)='foreground']").click()
    stroke(0, -50, 100)
    before = set(outputs.glob("*/trimap.png")) if outputs.is_dir() else set()
    for button in driver.find_elements(By.CSS_SELECTOR, "button"):
        if "Use the drawing" in button.text:
            button.click()
    new = _wait(driver, lambda d: set(outputs.glob("*/trimap.png")) - before)
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#mb-trimap img"))
    return np.asarray(Image.open(new.pop()))


def _external_requests(driver) -> list[str]:
    out = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(
                ("http://127.0.0.1", "ws://127.0.0.1")
            ):
                out.append(url)
    return out


def test_three_tabs_in_a_real_browser(tmp_path, shared_data, browser):
    from selenium.webdriver.common.by import By

    lemur = shared_data / "lemur"
    split = make_benchmark(tmp_path / "bench", n=4)
    preds = make_predictions(tmp_path / "preds", split)
    upload = zip_files(tmp_path / "preds.zip", preds, folder="preds/")
    dataset = tmp_path / "ds"
    make_dataset(dataset, ["a_0", "a_1"])
    for model in ("a", "b"):
        make_run(tmp_path / "results", model, ["a_0", "a_1"], None, dataset_dir=dataset, seed=1)

    args = ("--benchmark", str(split), "--results", str(tmp_path / "results"))
    with running_server(tmp_path / "data", *args, log=tmp_path / "server.log") as server:
        browser.get(server.url)
        _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#mb-image input[type=file]"))

        # Matting: image + trimap from ../shared/data (the lemur trimap's unknown is 102),
        # after a trimap drawn on the image (a background and a foreground stroke)
        _upload(browser, "mb-image", lemur / "lemur.png")
        drawn = _draw_trimap(browser, tmp_path / "data" / "outputs")
        assert set(np.unique(drawn)) == {0, 128, 255} and drawn.shape == (440, 680)
        _upload(browser, "mb-trimap", lemur / "lemur_trimap.png")
        _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#mb-trimap img")) > 0)
        browser.find_element(By.CSS_SELECTOR, "#mb-quantize input").click()
        browser.find_element(By.ID, "mb-run").click()
        _wait(browser, lambda d: "closed_form" in _text(d, "mb-summary"))
        alpha_img = browser.find_element(By.CSS_SELECTOR, "#mb-alpha img")
        assert alpha_img.get_attribute("src").startswith("http://127.0.0.1")
        assert "680×440" in _text(browser, "mb-summary")
        shot = tmp_path / "screenshot.png"
        browser.save_screenshot(str(shot))
        with Image.open(shot) as im:
            assert im.size[0] >= 1000 and np.asarray(im).std() > 10  # not a blank page
        if os.environ.get("MATTEBENCH_SCREENSHOT_TO"):  # the docs' copy: 128 colours, < 300 KB
            with Image.open(shot) as im:
                small = im.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
                small.save(os.environ["MATTEBENCH_SCREENSHOT_TO"], optimize=True)

        # Leaderboards: the measured table of the two runs, with report links
        browser.find_element(By.CSS_SELECTOR, "button[data-tab-id=leaderboards]").click()
        _wait(browser, lambda d: "measured" in _text(d, "mb-board"))
        board = _text(browser, "mb-board")
        assert "reported (paper T3)" in board and "Report" in board
        _sort_descending(browser, "mb-board", "SAD")  # numerically: KNN's 175.4 first
        _wait(browser, lambda d: _first_cell(d, "mb-board") == "KNN [7]")

        # Evaluate: upload a zip, score it, see the per-image rows and the mean
        browser.find_element(By.CSS_SELECTOR, "button[data-tab-id=evaluate]").click()
        _upload(browser, "mb-zip", upload)
        _wait(browser, lambda d: "KB" in _text(d, "mb-zip"))  # the upload is listed
        browser.find_element(By.ID, "mb-evaluate").click()
        _wait(browser, lambda d: "mean (4 images)" in _text(d, "mb-scores"))
        assert "fg0_0" in _text(browser, "mb-scores")

        assert _external_requests(browser) == []
        browser.get("about:blank")  # close the page's event stream before the server stops
