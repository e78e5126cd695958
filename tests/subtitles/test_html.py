"""The interactive HTML transcript in headless Chromium: playback highlights words, clicks seek, search, layout."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from castscript.document import Speaker
from castscript.editing import set_word_speaker, word_at
from castscript.pipeline import PipelineOptions, SpeakerOptions, run_pipeline
from castscript.subtitles import write_outputs

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--autoplay-policy=no-user-gesture-required",
]
PORTUGUESE = [
    "Bom dia. Você leu o roteiro do novo episódio?",
    "Sim, li ontem à noite. A segunda cena é muito engraçada.",
    "Concordo. Devemos gravá-lo esta tarde.",
    "Perfeito. Vou ligar para o estúdio e reservar uma sala para as três horas.",
]


@pytest.fixture(scope="module")
def page_folder(demo_dialogue, tmp_path_factory):
    """The demo dialogue transcribed, with speakers and Portuguese lines from its exact reference turns, as HTML."""
    wav, _, turns = demo_dialogue
    folder = tmp_path_factory.mktemp("html")
    media = shutil.copy(wav, folder / "dialogue.wav")
    options = PipelineOptions(speakers=SpeakerOptions(enabled=False), formats=("json",))
    document = run_pipeline(media, options, folder).document
    document.speakers = {"SPEAKER_00": Speaker("SPEAKER_00", "Anna"), "SPEAKER_01": Speaker("SPEAKER_01", "Ben")}
    for segment in document.segments:
        segment.speaker = "SPEAKER_00"
    bens = [t for t in turns if t.speaker == "Ben"]
    middles = [(w.start + w.end) / 2 for s in document.segments for w in s.words]
    for middle in [m for m in middles if any(t.start <= m < t.end for t in bens)]:
        set_word_speaker(document, word_at(document, middle), "Ben")
    for segment in document.segments:
        line = max(range(len(turns)), key=lambda i: min(segment.end, turns[i].end) - max(segment.start, turns[i].start))
        segment.translations = {"pt": PORTUGUESE[line]}
    document.translation_languages = ["pt"]
    write_outputs(document, folder, "dialogue", ["html"])
    write_outputs(document, folder / "elsewhere", "dialogue", ["html"])
    return folder, document


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, page_folder):
    context = browser.new_context(viewport={"width": 1000, "height": 420})
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((page_folder[0] / "dialogue.html").as_uri())
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    yield page
    assert all(url.startswith("file://") for url in requests), f"the page fetched from the network: {requests}"
    context.close()


def highlighted(page) -> dict:
    return page.evaluate(
        "(() => { const w = document.querySelector('.w.now');"
        " return w && {text: w.textContent, start: +w.dataset.s, time: player.currentTime}; })()"
    )


def settled_scroll(page) -> float:
    """window.scrollY once smooth scrolling has stopped."""
    return page.evaluate(
        "new Promise(resolve => { let last = -1; const check = () => {"
        " if (scrollY === last) resolve(scrollY); else { last = scrollY; setTimeout(check, 150); } }; check(); })"
    )


def test_self_contained_with_relative_media(page_folder):
    folder, document = page_folder
    html = (folder / "dialogue.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']https?://""", html), "no CDN or remote asset"
    assert '<source src="dialogue.wav">' in html
    assert html.count('class="w"') == sum(len(s.words) for s in document.segments)


def test_playing_advances_the_highlighted_word(page, artifacts):
    page.evaluate("player.play()")
    page.wait_for_function("player.currentTime > 1.5 && document.querySelector('.w.now')")
    first = highlighted(page)
    page.wait_for_function(f"player.currentTime > {first['time'] + 1.5}")
    second = highlighted(page)
    page.evaluate("player.pause()")
    assert second["start"] > first["start"] + 0.5, (first, second)
    assert second["start"] <= second["time"] + 0.05
    page.screenshot(path=str(artifacts / "html_transcript.png"))


def test_clicking_a_word_seeks_the_player(page):
    target = page.locator(".w").filter(has_text="studio").first
    start = float(target.get_attribute("data-s"))
    target.click()
    page.wait_for_function("!player.paused && document.querySelector('.w.now')")
    page.evaluate("player.pause()")
    now = highlighted(page)
    assert start - 0.05 <= now["time"] < start + 1.0
    assert "studio" in now["text"]
    assert page.evaluate("document.querySelector('.w.now').closest('.seg').classList.contains('active')")


def test_autoscroll_follows_playback_until_the_reader_scrolls(page):
    assert page.evaluate("window.scrollY") == 0
    last = page.locator(".w").last
    page.evaluate(f"player.currentTime = {last.get_attribute('data-s')}; player.play()")
    in_view = "(() => { const r = document.querySelector('.w.now')?.getBoundingClientRect();" \
        " return r && r.top > document.querySelector('.bar').getBoundingClientRect().bottom && r.bottom < innerHeight; })()"
    page.wait_for_function(in_view, timeout=3000)  # autoscroll brings the word being spoken into view
    page.evaluate("player.pause()")
    assert settled_scroll(page) > 0
    page.mouse.move(500, 380)
    page.mouse.wheel(0, -150)
    page.wait_for_function("document.body.dataset.autoscroll === 'paused'")
    assert page.locator("#resume").is_visible()
    scrolled = settled_scroll(page)
    hidden = page.evaluate(  # a word now out of sight: playback moves there
        "(() => { const w = Array.from(document.querySelectorAll('.w')).find(w => w.getBoundingClientRect().top > innerHeight);"
        " player.currentTime = +w.dataset.s; return w.dataset.s; })()"
    )
    page.wait_for_function(f"document.querySelector('.w.now')?.dataset.s === '{hidden}'")
    assert settled_scroll(page) == scrolled, "autoscroll stays paused while the reader looks elsewhere"
    page.locator("#resume").click()
    assert page.evaluate("document.body.dataset.autoscroll") == "on"
    page.wait_for_function(in_view, timeout=3000)
    assert settled_scroll(page) > scrolled


def test_speakers_coloured_and_translations_side_by_side(page):
    colours = page.evaluate(
        "Array.from(document.querySelectorAll('.turn'), t => [t.querySelector('.who span').textContent,"
        " getComputedStyle(t).borderLeftColor])"
    )
    by_name = dict(colours)
    assert set(by_name) == {"Anna", "Ben"} and by_name["Anna"] != by_name["Ben"]
    assert all(by_name[name] == colour for name, colour in colours), "one colour per speaker"
    original, translation = page.locator(".seg").first.locator("p").all()
    left, right = original.bounding_box(), translation.bounding_box()
    assert right["x"] >= left["x"] + left["width"] and abs(right["y"] - left["y"]) < 5
    assert translation.get_attribute("lang") == "pt"


def test_search_marks_words_and_translations(page):
    page.fill("#search", "second scene")
    assert page.locator(".w.hit").all_inner_texts() == ["second", "scene"]
    assert page.locator("#hit-count").inner_text() == "1 of 1"
    page.fill("#search", "estudio")  # accents do not matter
    assert page.locator("mark").all_inner_texts() == ["estúdio"]
    page.fill("#search", "")
    assert page.locator(".w.hit, mark").count() == 0


def test_media_found_from_another_folder(browser, page_folder):
    folder, _ = page_folder
    page = browser.new_page()
    page.goto((folder / "elsewhere" / "dialogue.html").as_uri())
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    assert page.evaluate("player.currentSrc") == Path(folder / "dialogue.wav").resolve().as_uri()
    page.close()
