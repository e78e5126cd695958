"use strict";
(() => {
  const player = document.getElementById("player");
  const bar = document.querySelector(".bar");
  const words = Array.from(document.querySelectorAll(".w"));
  const starts = words.map((w) => parseFloat(w.dataset.s));
  const ends = words.map((w) => parseFloat(w.dataset.e));
  const HOLD = 1.0; // seconds a word stays highlighted after it ends, unless the next one starts
  let current = -1;
  let lastAutoScroll = 0;

  // --- the word being spoken -------------------------------------------------------------------------------------
  function wordAt(t) {
    let lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.02) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found >= 0 && t <= ends[found] + HOLD ? found : -1;
  }

  function update() {
    const index = wordAt(player.currentTime);
    if (index === current) return;
    if (current >= 0) {
      words[current].classList.remove("now");
      words[current].closest(".seg").classList.remove("active");
    }
    current = index;
    if (current < 0) return;
    words[current].classList.add("now");
    words[current].closest(".seg").classList.add("active");
    if (document.body.dataset.autoscroll === "on") keepInView(words[current]);
  }

  function tick() {
    update();
    if (!player.paused) requestAnimationFrame(tick);
  }

  player.addEventListener("play", () => requestAnimationFrame(tick));
  for (const type of ["timeupdate", "seeked"]) player.addEventListener(type, update);

  // --- autoscroll, paused while the reader scrolls ---------------------------------------------------------------
  function keepInView(element) {
    const top = bar.getBoundingClientRect().bottom;
    const rect = element.getBoundingClientRect();
    const visible = window.innerHeight - top;
    if (rect.top >= top + visible * 0.1 && rect.bottom <= top + visible * 0.75) return;
    lastAutoScroll = performance.now();
    window.scrollTo({ top: window.scrollY + rect.top - top - visible * 0.3, behavior: "smooth" });
  }

  function setAutoscroll(on) {
    document.body.dataset.autoscroll = on ? "on" : "paused";
    document.getElementById("resume").hidden = on;
    if (on && current >= 0) keepInView(words[current]);
  }

  const SCROLL_KEYS = new Set(["PageUp", "PageDown", "ArrowUp", "ArrowDown", "Home", "End", " "]);
  window.addEventListener("wheel", () => setAutoscroll(false), { passive: true });
  window.addEventListener("touchmove", () => setAutoscroll(false), { passive: true });
  window.addEventListener("keydown", (event) => {
    if (SCROLL_KEYS.has(event.key) && !event.target.closest("input, button, audio, video")) setAutoscroll(false);
  });
  window.addEventListener("scroll", () => {
    if (performance.now() - lastAutoScroll > 1000) setAutoscroll(false); // e.g. dragging the scrollbar
  }, { passive: true });
  document.getElementById("resume").addEventListener("click", () => setAutoscroll(true));

  // --- click a word (or a turn's time) to play from there --------------------------------------------------------
  document.getElementById("transcript").addEventListener("click", (event) => {
    const target = event.target.closest(".w, .time");
    if (!target) return;
    player.currentTime = parseFloat(target.dataset.s);
    setAutoscroll(true);
    player.play().catch(() => {});
  });

  // --- search ------------------------------------------------------------------------------------------------------
  const search = document.getElementById("search");
  const count = document.getElementById("hit-count");
  const translations = Array.from(document.querySelectorAll(".tr"));
  for (const p of translations) p.dataset.text = p.textContent;
  let hits = [];
  let hitIndex = -1;

  // Lower-case, accents removed, one output character per input character (so offsets map back).
  const fold = (text) => Array.from(text, (c) => c.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase()[0] || c).join("");

  function clearHits() {
    for (const w of document.querySelectorAll(".w.hit")) w.classList.remove("hit", "current");
    for (const p of translations) if (p.querySelector("mark")) p.textContent = p.dataset.text;
    hits = [];
    hitIndex = -1;
  }

  function matches(text, query) {
    const found = [];
    for (let at = text.indexOf(query); at >= 0; at = text.indexOf(query, at + 1)) found.push(at);
    return found;
  }

  function searchWords(paragraph, query) {
    const spans = Array.from(paragraph.querySelectorAll(".w"));
    let text = "";
    const offsets = spans.map((span) => { const start = text.length + 1; text += " " + fold(span.textContent); return start; });
    for (const at of matches(text, query)) {
      const inside = spans.filter((span, i) => offsets[i] < at + query.length && offsets[i] + span.textContent.length > at);
      inside.forEach((span) => span.classList.add("hit"));
      if (inside.length) hits.push(inside[0]);
    }
  }

  function searchTranslation(paragraph, query) {
    const text = paragraph.dataset.text;
    const found = matches(fold(text), query);
    if (!found.length) return;
    paragraph.textContent = "";
    let cursor = 0;
    for (const at of found) {
      if (at < cursor) continue;
      paragraph.append(text.slice(cursor, at));
      const mark = document.createElement("mark");
      mark.textContent = text.slice(at, at + query.length);
      paragraph.append(mark);
      hits.push(mark);
      cursor = at + query.length;
    }
    paragraph.append(text.slice(cursor));
  }

  function runSearch() {
    clearHits();
    const query = fold(search.value.trim());
    if (query) {
      for (const seg of document.querySelectorAll(".seg")) {
        searchWords(seg.querySelector(".orig"), query);
        seg.querySelectorAll(".tr").forEach((p) => searchTranslation(p, query));
      }
    }
    count.textContent = query ? `${hits.length} match${hits.length === 1 ? "" : "es"}` : "";
    if (hits.length) showHit(0);
  }

  function showHit(index) {
    if (!hits.length) return;
    if (hitIndex >= 0) hits[hitIndex].classList.remove("current");
    hitIndex = (index + hits.length) % hits.length;
    hits[hitIndex].classList.add("current");
    count.textContent = `${hitIndex + 1} of ${hits.length}`;
    setAutoscroll(false);
    hits[hitIndex].scrollIntoView({ block: "center" });
  }

  search.addEventListener("input", runSearch);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") showHit(hitIndex + (event.shiftKey ? -1 : 1));
    if (event.key === "Escape") { search.value = ""; runSearch(); }
  });
  document.getElementById("next-hit").addEventListener("click", () => showHit(hitIndex + 1));
  document.getElementById("prev-hit").addEventListener("click", () => showHit(hitIndex - 1));
})();
