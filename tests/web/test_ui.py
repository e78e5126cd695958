"""The web UI in real headless Chromium (Debian's) against a real `castscript serve`."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_upload_follow_and_rename_in_browser(server, token, page, media, artifacts):
    page.goto(server.url)
    page.fill("#token", token)
    page.click("#sign-in button")
    expect(page.locator("#owner")).to_have_text("grace")

    page.set_input_files("#file", str(media / "pyannote-sample" / "sample.wav"))
    expect(page.locator("#diarize")).to_be_checked()
    page.evaluate("""() => {
        window.uploadWidths = [];
        const fill = document.querySelector('#upload-fill');
        new MutationObserver(() => window.uploadWidths.push(fill.style.width)).observe(fill, {attributes: true});
    }""")
    page.click("#start")
    row = page.locator("tr[data-job]").first
    expect(row).to_be_visible(timeout=30_000)
    assert page.evaluate("window.uploadWidths").pop() == "100%"
    expect(row.locator(".badge")).to_have_text("running", timeout=30_000)
    expect(row.locator(".stage")).to_have_text(re.compile(r"^[a-z]+(\+[a-z]+)* \d{1,3}%$"))  # e.g. transcribe+diarize 40%
    page.screenshot(path=str(artifacts / "service-ui-jobs.png"))
    expect(row).to_have_attribute("data-state", "done", timeout=90_000)
    row.locator("a").click()

    segments = page.locator(".segment")
    expect(segments).to_have_count(9, timeout=10_000)
    expect(page.locator("#transcript")).to_contain_text("I didn't know you were there")
    expect(page.locator("#speakers input")).to_have_count(2)
    expect(page.locator("#downloads a")).to_have_count(4)

    third = segments.nth(2)  # SPEAKER_00: "Oh, hello. I didn't know you were there." at 8.28 s
    third.click()
    start = float(third.get_attribute("data-start"))
    assert start > 5
    page.wait_for_function("s => Math.abs(document.querySelector('#player').currentTime - s) < 1.0", arg=start)
    expect(third).to_have_class("segment active", timeout=5_000)
    # the player plays on from the click; hold it inside the short line before reading the caption
    page.evaluate("s => { const p = document.querySelector('#player'); p.pause(); p.currentTime = s + 0.1; }", start)
    expect(page.locator("#caption")).to_contain_text(third.locator(".text").inner_text()[:10])

    label = third.locator(".who").inner_text()
    page.fill(f"#speakers input[name='{label}']", "Diane")
    page.click("#speakers button")
    expect(page.locator("#rename-status")).to_have_text("Saved; outputs re-rendered.")
    expect(third.locator(".who")).to_have_text("Diane")
    txt = page.request.get(server.url + page.locator("#downloads a", has_text=".txt").get_attribute("href")).text()
    assert "Diane: Oh, hello. I didn't know you were there." in txt
    page.evaluate("s => { const p = document.querySelector('#player'); p.pause(); p.currentTime = s + 0.5; }", start)
    expect(page.locator("#caption")).to_contain_text("Diane: Oh, hello.", timeout=10_000)
    page.screenshot(path=str(artifacts / "service-ui-result.png"), full_page=True)
