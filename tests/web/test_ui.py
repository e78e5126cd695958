"""The web UI in real headless Chromium (Debian's) against a real `castscript serve`: the upload form, then the
editor on one finished, Portuguese-translated job of sample.wav (the stage cache makes it a translation-only run)."""

from __future__ import annotations

import json
import re

import pysubs2
import pytest
from playwright.sync_api import Page, expect


def sign_in(page: Page, url: str, token: str) -> None:
    """Sign in, unless the page's session cookie already does."""
    page.goto(url)
    expect(page.locator("#token, #owner:visible").first).to_be_visible()
    if page.locator("#token").count():
        page.fill("#token", token)
        page.click("#sign-in button")
    expect(page.locator("#owner")).to_have_text("grace")


def test_upload_form_validates_and_shows_progress_in_words(server, token, page, media, artifacts):
    sign_in(page, server.url, token)
    expect(page.locator("#targets input[value='pt']")).to_have_count(1)  # installed en->pt model offered
    expect(page.locator("#formats label", has_text="srt")).to_contain_text("SubRip")
    page.set_input_files("#file", str(media / "pyannote-sample" / "sample.wav"))
    page.select_option("#speaker-mode", "range")
    page.fill("#min-speakers", "3")
    page.fill("#max-speakers", "2")
    page.click("#start")
    expect(page.locator("#upload-error")).to_have_text("The fewest speakers (3) is more than the most (2).")
    page.check("#burn")
    page.select_option("#speaker-mode", "exact")
    page.fill("#num-speakers", "2")
    page.click("#start")
    expect(page.locator("#upload-error")).to_have_text("Burning subtitles needs a video file; this one is audio.")
    expect(page.locator("tr[data-job]")).to_have_count(0)  # nothing was uploaded
    page.uncheck("#burn")

    page.evaluate("""() => {
        window.uploadWidths = [];
        const fill = document.querySelector('#upload-fill');
        new MutationObserver(() => window.uploadWidths.push(fill.style.width)).observe(fill, {attributes: true});
    }""")
    page.click("#start")
    row = page.locator("tr[data-job]").first
    expect(row).to_be_visible(timeout=30_000)
    assert page.evaluate("window.uploadWidths").pop() == "100%"
    expect(row.locator(".job-options")).to_contain_text("2 speakers")
    expect(row.locator(".badge")).to_have_text("running", timeout=30_000)
    expect(row.locator(".stage")).to_have_text(re.compile(r"^[A-Z][a-z]+( [a-z]+)*(, [a-z ]+)* · \d{1,3}%"))
    # the whole job's time left, from the job view's seconds_left
    expect(row.locator(".stage")).to_have_text(re.compile(r" · \d{1,3}% · about \d+ (s|min) left$"))
    page.screenshot(path=str(artifacts / "service-ui-jobs.png"))
    expect(row).to_have_attribute("data-state", "done", timeout=120_000)
    row.locator("a").click()
    expect(page.locator("#job-options")).to_have_text("language detected · 2 speakers · json, srt, txt, vtt")



def test_high_speaker_accuracy_is_offered_only_with_diarization_and_stored(server, token, page, media):
    sign_in(page, server.url, token)
    page.uncheck("#diarize")
    expect(page.locator("#speaker-accuracy")).to_be_disabled()
    page.check("#diarize")
    page.select_option("#speaker-accuracy", "high")
    page.set_input_files("#file", str(media / "pyannote-sample" / "sample.wav"))
    with page.expect_response(lambda r: r.url.endswith("/jobs") and r.request.method == "POST") as response:
        page.click("#start")
    created = response.value.json()
    assert created["options"]["speaker_accuracy"] == "high"
    row = page.locator(f"tr[data-job='{created['id']}']")
    expect(row.locator(".job-options")).to_contain_text("language detected · high speaker accuracy · json")
    expect(page.locator("#speaker-accuracy")).to_have_value("standard")  # the form is reset for the next upload
    row.get_by_role("button", name="Cancel").click()  # the stored options are what this checks, not the run
    with server.client(token) as client:
        stored = client.wait(created["id"], timeout=60)
    assert stored["state"] == "cancelled" and stored["options"]["speaker_accuracy"] == "high"

@pytest.fixture(scope="module")
def job(server, token, media) -> str:
    """sample.wav with two speakers, translated into Portuguese (ASR and diarization come from the stage cache)."""
    with server.client(token) as client:
        created = client.submit(client.upload(media / "pyannote-sample" / "sample.wav"), diarize=True, num_speakers=2,
                                translate_to=["pt"], formats=["srt", "vtt", "json", "html"])
        done = client.wait(created["id"], timeout=240)
    assert done["state"] == "done", done
    return done["id"]


def open_editor(page: Page, server, token: str, job: str) -> None:
    sign_in(page, server.url, token)
    page.goto(f"{server.url}/#/jobs/{job}")
    expect(page.locator("#revision")).to_have_text(re.compile(r"^revision \d+$"), timeout=20_000)
    expect(page.locator("#transcript .segment").first).to_be_visible()


def revision(page: Page) -> int:
    return int(page.locator("#revision").inner_text().split()[-1])


def wait_revision(page: Page, number: int) -> None:
    expect(page.locator("#revision")).to_have_text(f"revision {number}", timeout=60_000)
    expect(page.locator("#save-state")).to_have_text("Saved")


def put_caret(page: Page, selector: str, word: int, at_end: bool = True) -> None:
    """Click into a line's text, then put the caret at the end of its ``word``-th word (0-based)."""
    page.locator(selector).click()
    page.evaluate("""([selector, word, atEnd]) => {
        const node = document.querySelectorAll(selector + ' .w')[word].firstChild;
        const range = document.createRange();
        range.setStart(node, atEnd ? node.length : 0);
        range.collapse(true);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
    }""", [selector, word, at_end])


def test_editor_fix_speaker_split_undo_and_downloads(server, token, page, job, artifacts):
    open_editor(page, server, token, job)
    rows = page.locator("#transcript .segment")
    count = rows.count()
    assert count >= 5
    with server.client(token) as client:
        before = client.get(f"/jobs/{job}/transcript").json()
    target = next(i for i, s in enumerate(before["segments"]) if len(s["words"]) >= 4 and s["translations"]["pt"])
    line = f".segment[data-index='{target}']"
    old_pt = before["segments"][target]["translations"]["pt"]
    page.screenshot(path=str(artifacts / "editor-opened.png"), full_page=True)

    # fix a word: double-click the line's second word and type over it, Enter saves
    words = [w["text"] for w in before["segments"][target]["words"]]
    page.locator(f"{line} .w").nth(1).dblclick()
    selected = page.evaluate("getSelection().toString().trim()")
    assert selected and words[1].startswith(selected)  # the word, without its punctuation
    page.keyboard.type("wonderful")
    expect(page.locator("#save-state")).to_have_text("Saved")
    page.keyboard.press("Enter")
    wait_revision(page, 1)
    expect(page.locator(f"{line} .text")).to_have_text(" ".join([words[0], "wonderful" + words[1][len(selected):], *words[2:]]))
    expect(page.locator(f"{line} .tr[data-lang='pt']")).not_to_have_text(old_pt)  # re-translated
    new_pt = page.locator(f"{line} .tr[data-lang='pt']").inner_text()
    assert new_pt.strip()

    # change a line's speaker with its picker
    first = before["segments"][0]
    other = next(label for label in before["speakers"] if label != first["speaker"])
    page.select_option(".segment[data-index='0'] .speaker-pick", other)
    wait_revision(page, 2)

    # split a line at the caret (Ctrl+Enter), then undo the split
    put_caret(page, line, 1)
    page.keyboard.press("Control+Enter")
    wait_revision(page, 3)
    expect(rows).to_have_count(count + 1)
    page.screenshot(path=str(artifacts / "editor-after-split.png"), full_page=True)
    page.click("#undo")
    wait_revision(page, 4)
    expect(rows).to_have_count(count)
    expect(page.locator("#redo")).to_be_enabled()

    # the downloads show the changes
    outputs = {a.get_attribute("download"): a.get_attribute("href") for a in page.locator("#downloads a[download]").all()}
    saved = json.loads(page.request.get(server.url + outputs["sample.json"]).text())
    assert len(saved["segments"]) == count
    assert "wonderful" in saved["segments"][target]["text"]
    assert saved["segments"][0]["speaker"] == other
    assert saved["segments"][target]["translations"]["pt"] == new_pt
    srt = pysubs2.SSAFile.from_string(page.request.get(server.url + outputs["sample.srt"]).text())
    assert "wonderful" in " ".join(e.plaintext for e in srt)
    pt = pysubs2.SSAFile.from_string(page.request.get(server.url + outputs["sample.pt.srt"]).text())
    assert new_pt.split()[0] in " ".join(e.plaintext for e in pt) and old_pt not in " ".join(e.plaintext for e in pt)

    # restore an earlier revision from the list
    page.click("#revisions li[data-number='1'] .restore")
    wait_revision(page, 5)
    expect(page.locator(".segment[data-index='0'] .speaker-pick")).to_have_value(first["speaker"])
    expect(page.locator(f"{line} .text")).to_have_text(" ".join([words[0], "wonderful" + words[1][len(selected):], *words[2:]]))
    expect(page.locator("#revisions li")).to_have_count(6)  # 0-5: nothing dropped


def test_stale_page_gets_the_conflict_and_reloads(server, token, page, job, artifacts):
    open_editor(page, server, token, job)
    stale = page.context.browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        open_editor(stale, server, token, job)
        base = revision(stale)
        label = page.locator("#speakers .speaker").first.get_attribute("data-label")
        page.fill(f"#speakers .speaker[data-label='{label}'] input", "Alice")
        page.click(f"#speakers .speaker[data-label='{label}'] .rename")
        wait_revision(page, base + 1)

        stale.locator(".segment[data-index='0'] .tr[data-lang='pt']").click()
        stale.keyboard.press("Control+End")
        stale.keyboard.type(" (editado)")
        stale.keyboard.press("Enter")
        expect(stale.locator("#save-state")).to_have_text("Conflict")
        expect(stale.locator("#edit-message")).to_contain_text(f"Someone else saved revision {base + 1}")
        stale.screenshot(path=str(artifacts / "editor-conflict.png"), full_page=True)
        stale.click("#reload")
        wait_revision(stale, base + 1)
        expect(stale.locator(f"#speakers .speaker[data-label='{label}'] input")).to_have_value("Alice")
        expect(stale.locator(".segment[data-index='0'] .tr[data-lang='pt']")).not_to_contain_text("(editado)")
    finally:
        stale.close()


def test_waveform_drag_keyboard_words_and_subtitles(server, token, page, job, artifacts):
    open_editor(page, server, token, job)
    base = revision(page)
    handle = page.locator("#waveform [part~='region-handle-right']").first
    expect(handle).to_be_attached(timeout=20_000)
    with server.client(token) as client:
        before = client.get(f"/jobs/{job}/transcript").json()["segments"][0]
    box = handle.bounding_box()
    wave = page.locator("#waveform").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    wait_revision(page, base + 1)
    with server.client(token) as client:
        after = client.get(f"/jobs/{job}/transcript").json()["segments"][0]
    moved = after["end"] - before["end"]
    assert after["start"] == pytest.approx(before["start"], abs=0.01)
    assert 0.3 < moved < 2.0, (before, after, wave)  # 30 px of a ~1200 px wide, 30 s waveform: about 0.75 s
    expect(page.locator("#region-time")).to_contain_text("Line 1: ")
    expect(page.locator(".segment[data-index='0'] .time")).to_contain_text(f"{int(after['end'] // 60)}:{after['end'] % 60:05.2f}")
    page.screenshot(path=str(artifacts / "editor-waveform-drag.png"), full_page=True)

    # keyboard: arrows +/-1 s, J back 5 s, space plays, K pauses, L plays then faster
    page.locator(".editor-bar h2").click()
    page.evaluate("() => { const p = document.querySelector('#player'); p.pause(); p.currentTime = 6; }")
    time = lambda: page.evaluate("document.querySelector('#player').currentTime")
    page.keyboard.press("ArrowRight")
    assert time() == pytest.approx(7, abs=0.05)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert time() == pytest.approx(5, abs=0.05)
    page.keyboard.press("j")
    assert time() == pytest.approx(0, abs=0.05)
    page.keyboard.press(" ")
    page.wait_for_function("!document.querySelector('#player').paused")
    page.keyboard.press("k")
    page.wait_for_function("document.querySelector('#player').paused")
    page.keyboard.press("l")
    page.keyboard.press("l")
    assert page.evaluate("document.querySelector('#player').playbackRate") == 1.5
    page.keyboard.press("k")

    # word-level highlight follows the player, and a click on a word seeks to it
    with server.client(token) as client:
        doc = client.get(f"/jobs/{job}/transcript").json()
    word = doc["segments"][2]["words"][1]
    page.evaluate("t => { const p = document.querySelector('#player'); p.currentTime = t; }", (word["start"] + word["end"]) / 2)
    expect(page.locator(".w.now")).to_have_text(word["text"])
    other = doc["segments"][1]["words"][0]
    page.locator(f".segment[data-index='1'] .w").first.click()
    page.keyboard.press("Escape")
    assert time() == pytest.approx(other["start"], abs=0.05)

    # subtitle preview in Portuguese on the player
    page.select_option("#sub-lang", "pt")
    segment = doc["segments"][2]
    page.evaluate("t => { const p = document.querySelector('#player'); p.currentTime = t; }", segment["start"] + 0.3)
    expect(page.locator("#caption")).to_contain_text(segment["translations"]["pt"].split()[0], timeout=10_000)
    page.screenshot(path=str(artifacts / "editor-subtitles-pt.png"), full_page=True)


def test_burned_video_is_shown_re_rendering_then_current(server, token, page, media, artifacts):
    """d12.mp4 (7.3 s) burned; after a word is retyped the side panel says the video is being re-rendered, then
    that it is up to date with the new revision."""
    with server.client(token) as client:
        created = client.submit(client.upload(media / "talking-heads" / "d12.mp4"), burn=True, formats=["json"])
        done = client.wait(created["id"], timeout=180)
    assert done["state"] == "done", done
    open_editor(page, server, token, done["id"])
    expect(page.locator("#video-state")).to_have_text("Burned video: up to date (revision 0).")
    page.locator(".segment[data-index='0'] .w").first.dblclick()
    page.keyboard.type("Mine")
    page.keyboard.press("Enter")
    wait_revision(page, 1)
    expect(page.locator("#video-state")).to_have_text(re.compile(r"^Burned video: re-rendering revision 1 \(\d+%\)"))
    page.screenshot(path=str(artifacts / "editor-video-rendering.png"), full_page=True)
    expect(page.locator("#video-state")).to_have_text("Burned video: up to date (revision 1).", timeout=120_000)
