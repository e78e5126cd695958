// castscript web UI: sign in, upload with options and progress, live job list, and the result page's editor
// (in-place text, speakers, split/merge, translations, undo/redo, revisions, waveform with draggable cues).
// Plain ES modules, no build step; wavesurfer.js is vendored under vendor/ with its licence.
// The API token lives in an HttpOnly same-site cookie set by POST /session.

import WaveSurfer from "./vendor/wavesurfer/wavesurfer.esm.js";
import RegionsPlugin from "./vendor/wavesurfer/regions.esm.js";

const ACTIVE = new Set(["queued", "running"]);
const NO_SPEAKER_COLOUR = "#8a8a8a";
const names = new Intl.DisplayNames(["en"], { type: "language" });
let me = null;
let languages = null;
let timer = null;
let navigation = 0; // counts route() calls: a page whose data arrives after the user moved on is not shown

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body.hint ? `${body.message} ${body.hint}` : body.message);
    this.status = status;
    this.body = body;
  }
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401 && path !== "/session") {
    showSignIn();
    throw new Error("signed out");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({ message: response.statusText }));
    throw new ApiError(response.status, body);
  }
  return response.status === 204 ? null : response.json();
}

const json = (method, body) => ({ method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

function render(templateId) {
  clearInterval(timer);
  editor.stop();
  const view = $("#view");
  view.replaceChildren($(`#${templateId}`).content.cloneNode(true));
  return view;
}

function showError(node, message) {
  node.textContent = message;
  node.hidden = !message;
}

function languageName(code) {
  try {
    return names.of(code) || code;
  } catch {
    return code;
  }
}

function clock(seconds, tenths = false) {
  const m = Math.floor(seconds / 60), s = seconds - 60 * m;
  const secs = tenths ? s.toFixed(2).padStart(5, "0") : String(Math.floor(s)).padStart(2, "0");
  return `${m}:${secs}`;
}

function formatBytes(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (bytes >= 1000 && i < units.length - 1) { bytes /= 1000; i++; }
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function timeLeft(job) {
  // The server's estimate for the whole job (every stage still to run), refined as the stages go.
  const seconds = job.seconds_left;
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return ` · about ${Math.max(1, seconds)} s left`;
  if (seconds < 5400) return ` · about ${Math.round(seconds / 60)} min left`;
  return ` · about ${(seconds / 3600).toFixed(1)} h left`;
}

function videoText(video) {
  if (video.state === "rendering") return `Burned video: re-rendering revision ${video.wanted} (${video.percent}%); `
    + `the download is still revision ${video.revision}.`;
  if (video.state === "failed") return `Burned video: re-rendering revision ${video.wanted} failed (${video.error}); `
    + `the download shows revision ${video.revision}.`;
  return `Burned video: up to date (revision ${video.revision}).`;
}

function stateText(job) {
  if (job.state === "running") return `${job.stage_label || ""} · ${job.percent}%${timeLeft(job)}`;
  if (job.state === "failed") return job.error ? job.error.message : "failed";
  if (job.state === "queued") return "Waiting for a worker";
  return "";
}

function optionsText(options) {
  const parts = [options.language === "auto" ? "language detected" : languageName(options.language)];
  if (!options.diarize) parts.push("no speakers");
  else if (options.num_speakers) parts.push(`${options.num_speakers} speakers`);
  else if (options.min_speakers || options.max_speakers) parts.push(`${options.min_speakers || 1}–${options.max_speakers || "?"} speakers`);
  if (options.diarize && options.speaker_accuracy === "high") parts.push("high speaker accuracy");
  if (options.translate_to.length) parts.push(`→ ${options.translate_to.join(", ")}`);
  if (options.burn) parts.push(`burned (${options.style})`);
  parts.push(options.formats.join(", "));
  return parts.join(" · ");
}

// ---- sign in -------------------------------------------------------------------------------------------------

function showSignIn() {
  $("#account").hidden = true;
  const view = render("sign-in-view");
  $("#sign-in", view).addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("/session", json("POST", { token: $("#token").value.trim() }));
      await start();
    } catch (error) {
      showError($("#sign-in-error"), error.message);
    }
  });
}

// ---- home: upload form and job list ------------------------------------------------------------------------------

async function showHome(id) {
  languages = languages || await api("/languages");
  if (id !== navigation) return; // another page was asked for meanwhile
  const view = render("home-view");
  const spoken = $("#language", view);
  for (const code of languages.spoken) spoken.append(el("option", { value: code }, `${languageName(code)} (${code})`));
  const targets = $("#targets", view);
  $("#no-targets", view).hidden = languages.targets.length > 0;
  for (const code of languages.targets) {
    targets.append(el("label", { class: "check target" }, el("input", { type: "checkbox", value: code, name: "target" }),
      ` ${languageName(code)}`));
  }
  spoken.addEventListener("change", showReachableTargets);
  const formats = $("#formats", view);
  for (const name of me.formats) {
    const checked = ["srt", "vtt", "txt", "json"].includes(name);
    const description = me.format_descriptions[name] || "";
    formats.append(el("label", { class: "check format", title: description },
      el("input", { type: "checkbox", value: name, checked }), el("b", {}, ` ${name}`),
      el("span", { class: "muted" }, description ? ` ${description}` : "")));
  }
  const mode = $("#speaker-mode", view);
  mode.addEventListener("change", () => {
    $("#num-speakers").hidden = mode.value !== "exact";
    $("#speaker-range").hidden = mode.value !== "range";
  });
  $("#diarize", view).addEventListener("change", () => {
    mode.disabled = $("#speaker-accuracy").disabled = !$("#diarize").checked;
  });
  const file = $("#file", view);
  file.addEventListener("change", () => {
    $("#file-label").textContent = file.files[0] ? `${file.files[0].name} (${formatBytes(file.files[0].size)})` : "";
  });
  $("#upload-form", view).addEventListener("submit", submitJob);
  refreshJobs();
  timer = setInterval(refreshJobs, 1000);
}

function showReachableTargets() {
  const source = $("#language").value;
  const reachable = source === "auto" ? null : new Set(languages.targets_by_source[source] || []);
  for (const label of $$("#targets .target")) {
    const input = $("input", label);
    const ok = !reachable || reachable.has(input.value);
    label.hidden = !ok;
    if (!ok) input.checked = false;
  }
}

function formOptions() {
  const options = {
    language: $("#language").value,
    diarize: $("#diarize").checked,
    translate_to: $$("#targets input:checked").map((input) => input.value),
    formats: $$("#formats input:checked").map((input) => input.value),
    burn: $("#burn").checked,
    style: $("#style").value,
  };
  const mode = $("#speaker-mode").value;
  if (options.diarize) options.speaker_accuracy = $("#speaker-accuracy").value;
  if (options.diarize && mode === "exact") options.num_speakers = Number($("#num-speakers").value);
  if (options.diarize && mode === "range") {
    options.min_speakers = Number($("#min-speakers").value);
    options.max_speakers = Number($("#max-speakers").value);
  }
  return options;
}

function validate(file, options) {
  // Everything the server would refuse, said before a byte is uploaded.
  if (!file) return "Choose a video or audio file.";
  if (file.size > me.max_upload_bytes) return `The file is ${formatBytes(file.size)}; this server takes up to ${formatBytes(me.max_upload_bytes)}.`;
  if (!options.formats.length) return "Choose at least one output format.";
  const whole = (n) => Number.isInteger(n) && n >= 1 && n <= 50;
  if ("num_speakers" in options && !whole(options.num_speakers)) return "The number of speakers is a whole number from 1 to 50.";
  if ("min_speakers" in options) {
    if (!whole(options.min_speakers) || !whole(options.max_speakers)) return "Speaker counts are whole numbers from 1 to 50.";
    if (options.min_speakers > options.max_speakers) return `The fewest speakers (${options.min_speakers}) is more than the most (${options.max_speakers}).`;
  }
  if (options.translate_to.includes(options.language)) return `The speech is already in ${languageName(options.language)}; untick it under "Translate to".`;
  if (options.burn && !file.type.startsWith("video/")) return "Burning subtitles needs a video file; this one is audio.";
  return "";
}

function uploadWithProgress(file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/uploads");
    request.upload.addEventListener("progress", (event) => event.lengthComputable && onProgress(event.loaded, event.total));
    request.addEventListener("load", () => {
      const body = JSON.parse(request.responseText || "{}");
      request.status === 201 ? resolve(body) : reject(new Error(body.message || request.statusText));
    });
    request.addEventListener("error", () => reject(new Error("The upload was interrupted.")));
    const form = new FormData();
    form.append("file", file);
    request.send(form);
  });
}

async function submitJob(event) {
  event.preventDefault();
  const file = $("#file").files[0];
  const options = formOptions();
  const problem = validate(file, options);
  showError($("#upload-error"), problem);
  if (problem) return;
  const startButton = $("#start");
  const progress = $("#upload-progress");
  startButton.disabled = true;
  progress.hidden = false;
  const began = performance.now();
  try {
    const upload = await uploadWithProgress(file, (loaded, total) => {
      const seconds = (performance.now() - began) / 1000;
      $("#upload-fill").style.width = `${(100 * loaded) / total}%`;
      $("#upload-text").textContent = `${Math.round((100 * loaded) / total)}% · ${formatBytes(loaded / Math.max(seconds, 0.001))}/s`;
    });
    await api("/jobs", json("POST", { upload_id: upload.id, options }));
    $("#upload-form").reset();
    $("#speaker-mode").dispatchEvent(new Event("change"));
    $("#diarize").dispatchEvent(new Event("change"));
    $("#file-label").textContent = "Choose or drop a video or audio file";
    refreshJobs();
  } catch (error) {
    showError($("#upload-error"), error.message);
  } finally {
    startButton.disabled = false;
    progress.hidden = true;
  }
}

async function refreshJobs() {
  if (!$("#job-rows")) return;
  const jobs = await api("/jobs");
  const rows = $("#job-rows");
  if (!rows) return; // the page moved on meanwhile
  $("#no-jobs").hidden = jobs.length > 0;
  rows.replaceChildren(...jobs.map(jobRow));
}

function jobRow(job) {
  const percent = job.state === "done" ? 100 : job.percent || 0;
  const actions = el("td", { class: "row-actions" });
  if (ACTIVE.has(job.state)) actions.append(el("button", { onclick: () => cancelJob(job.id) }, "Cancel"));
  actions.append(el("button", { class: "danger", onclick: () => deleteJob(job.id) }, "Delete"));
  return el("tr", { "data-job": job.id, "data-state": job.state },
    el("td", {}, el("a", { href: `#/jobs/${job.id}` }, job.input_name)),
    el("td", { class: "muted job-options" }, optionsText(job.options)),
    el("td", {}, el("span", { class: `badge ${job.state}` }, job.state)),
    el("td", {}, el("div", { class: "progress-cell" },
      el("div", { class: "bar small" }, el("div", { class: "fill", style: `width:${percent}%` })),
      el("span", { class: "muted stage" }, stateText(job)))),
    el("td", { class: "muted" }, new Date(job.created_at).toLocaleString()),
    actions);
}

async function cancelJob(id) {
  await api(`/jobs/${id}/cancel`, { method: "POST" }).catch((error) => alert(error.message));
  route();
}

async function deleteJob(id) {
  if (!confirm("Delete this job and its files?")) return;
  await api(`/jobs/${id}`, { method: "DELETE" });
  location.hash = "#/";
  route();
}

// ---- job page ------------------------------------------------------------------------------------------------

async function showJob(id, visit) {
  const view = render("job-view");
  $("#job-delete", view).addEventListener("click", () => deleteJob(id));
  $("#job-cancel", view).addEventListener("click", () => cancelJob(id));
  let job = await api(`/jobs/${id}`);
  if (visit !== navigation) return;
  updateJobHeader(job);
  if (ACTIVE.has(job.state)) {
    timer = setInterval(async () => {
      job = await api(`/jobs/${id}`);
      updateJobHeader(job);
      if (!ACTIVE.has(job.state)) {
        clearInterval(timer);
        if (job.state === "done") editor.open(job);
      }
    }, 1000);
  } else if (job.state === "done") {
    editor.open(job);
  }
}

function updateJobHeader(job) {
  $("#job-title").textContent = job.input_name;
  $("#job-options").textContent = optionsText(job.options);
  const badge = $("#job-state");
  badge.textContent = job.state;
  badge.className = `badge ${job.state}`;
  $("#job-cancel").hidden = !ACTIVE.has(job.state);
  $("#job-running").hidden = job.state !== "running";
  if (job.state === "running") {
    $("#job-fill").style.width = `${job.percent}%`;
    $("#job-stage").textContent = stateText(job);
  }
  showError($("#job-error"), job.state === "failed" && job.error ? `${job.error.message} ${job.error.hint || ""}` : "");
}

// ---- the editor ----------------------------------------------------------------------------------------------

const editor = {
  job: null, doc: null, revision: 0, undoStack: [], redoStack: [], waves: null, regions: null, words: [],
  current: null, currentWord: null, frame: 0, videoTimer: 0,

  async open(job) {
    this.job = job;
    this.undoStack = [];
    this.redoStack = [];
    $("#result").hidden = false;
    const player = $("#player");
    const media = `/jobs/${job.id}/media`;
    if (player.getAttribute("src") !== media) player.src = media;
    $("#undo").onclick = () => this.undo();
    $("#redo").onclick = () => this.redo();
    $("#reload").onclick = () => this.reload();
    $("#sub-lang").onchange = () => this.setTrack();
    player.addEventListener("timeupdate", () => this.follow());
    player.addEventListener("play", () => this.tick());
    await this.reload();
    this.setupWaveform().catch((error) => showError($("#edit-message"), `Waveform: ${error.message}`));
  },

  stop() {
    cancelAnimationFrame(this.frame);
    clearTimeout(this.videoTimer);
    this.waves?.destroy();
    this.waves = this.regions = this.job = null;
  },

  async reload() {
    const job = this.job;
    const transcript = await api(`/jobs/${job.id}/transcript`);
    if (this.job !== job || !$("#transcript")) return;
    this.doc = transcript;
    this.revision = transcript.revision;
    this.setState("saved");
    $("#reload").hidden = true;
    showError($("#edit-message"), "");
    $("#player").classList.toggle("audio-only", !transcript.media.has_video);
    this.renderLanguages();
    this.renderRows();
    this.renderSpeakers();
    this.renderRegions();
    this.renderDownloads();
    this.renderRevisions();
    this.setTrack();
  },

  setState(state, text) {
    const badge = $("#save-state");
    badge.dataset.state = state;
    badge.textContent = text || { saved: "Saved", saving: "Saving…", conflict: "Conflict" }[state];
    $("#revision").textContent = `revision ${this.revision}`;
    $("#undo").disabled = !this.undoStack.length || state === "saving";
    $("#redo").disabled = !this.redoStack.length || state === "saving";
  },

  // One request per user action; the server answers 409 if someone else saved first.
  async send(path, body, step) {
    this.setState("saving");
    try {
      const { revision } = await api(path, json("POST", { base_revision: this.revision, ...body }));
      step?.(revision);
      await this.reload();
      return true;
    } catch (error) {
      if (error.status === 409) {
        this.setState("conflict");
        $("#reload").hidden = false;
        showError($("#edit-message"), `Someone else saved revision ${error.body.revision} while you were editing; `
          + "your change was not saved. Reload to see theirs, then make yours again.");
        this.undoStack = [];
        this.redoStack = [];
      } else {
        this.setState("saved");
        showError($("#edit-message"), error.message);
      }
      return false;
    }
  },

  edit(operations) {
    const before = this.revision;
    return this.send(`/jobs/${this.job.id}/edits`, { operations }, (after) => {
      this.undoStack.push({ before, after });
      this.redoStack = [];
    });
  },

  async undo() {
    const step = this.undoStack.pop();
    if (!step) return;
    await this.send(`/jobs/${this.job.id}/revisions/${step.before}/restore`, {}, () => this.redoStack.push(step));
  },

  async redo() {
    const step = this.redoStack.pop();
    if (!step) return;
    await this.send(`/jobs/${this.job.id}/revisions/${step.after}/restore`, {}, () => this.undoStack.push(step));
  },

  colour(label) {
    return (label && this.doc.colours[label]) || NO_SPEAKER_COLOUR;
  },

  speakerName(label) {
    return (this.doc.speakers[label] && this.doc.speakers[label].name) || label;
  },

  renderLanguages() {
    const select = $("#sub-lang");
    const chosen = select.value;
    const options = [el("option", { value: "" }, `Original (${this.doc.language || "?"})`),
      ...this.doc.translation_languages.map((code) => el("option", { value: code }, `${languageName(code)} (${code})`)),
      el("option", { value: "off" }, "Off")];
    select.replaceChildren(...options);
    if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  },

  setTrack() {
    // The VTT track drives a caption overlay of our own: browsers draw no captions over audio-only media.
    const player = $("#player");
    const lang = $("#sub-lang").value;
    player.querySelectorAll("track").forEach((track) => track.remove());
    const caption = $("#caption");
    caption.replaceChildren();
    if (lang === "off") return;
    const query = lang ? `lang=${encodeURIComponent(lang)}&` : "";
    const track = el("track", { kind: "subtitles", label: lang || "Original", srclang: lang || this.doc.language || "und",
      default: true, src: `/jobs/${this.job.id}/subtitles.vtt?${query}v=${this.revision}` });
    player.append(track);
    track.track.mode = "hidden";
    track.track.oncuechange = () => {
      const lines = [...track.track.activeCues].flatMap((cue) => cue.text.split("\n"));
      caption.replaceChildren(...lines.map((line) => el("span", {}, line)));
    };
  },

  renderRows() {
    const doc = this.doc;
    const box = $("#transcript");
    box.style.setProperty("--translations", doc.translation_languages.length);
    const head = el("div", { class: "row head" }, el("span", {}, "Time"), el("span", {}, "Speaker"),
      el("span", {}, `Original${doc.language ? ` (${doc.language})` : ""}`),
      ...doc.translation_languages.map((code) => el("span", {}, languageName(code))), el("span", {}));
    const rows = doc.segments.map((segment, index) => this.row(segment, index));
    box.replaceChildren(head, ...(rows.length ? rows : [el("p", { class: "muted" }, "No speech found.")]));
    this.words = $$(".w", box).map((node) => ({ node, start: +node.dataset.start, end: +node.dataset.end }));
    this.current = this.currentWord = null;
  },

  row(segment, index) {
    const colour = this.colour(segment.speaker);
    const words = (segment.words.length ? segment.words : [{ text: segment.text, start: segment.start, end: segment.end }])
      .flatMap((word, i) => [i ? " " : "", el("span", { class: "w", "data-start": word.start, "data-end": word.end }, word.text)]);
    const text = el("div", { class: "text", lang: segment.language || this.doc.language || null }, ...words);
    this.editable(text, index, (value) => [{ op: "set_text", segment: index, text: value }]);
    const translations = this.doc.translation_languages.map((code) => {
      const hand = segment.translation_edited.includes(code);
      const cell = el("div", { class: `tr${hand ? " hand" : ""}`, "data-lang": code, lang: code,
        title: hand ? "Written by hand: kept when the line changes" : "Click to correct" }, segment.translations[code] || "");
      this.editable(cell, index, (value) => [{ op: "set_translation", segment: index, language: code, text: value }]);
      return cell;
    });
    const keepFocus = (event) => event.preventDefault();
    return el("div", { class: "row segment", "data-index": index, "data-start": segment.start, "data-end": segment.end,
      style: `border-color:${colour}` },
      el("button", { class: "time", title: "Play from here", onclick: () => this.seek(segment.start, true) },
        `${clock(segment.start, true)}–${clock(segment.end, true)}`),
      this.speakerPicker(segment, index),
      text, ...translations,
      el("div", { class: "line-actions" },
        el("button", { class: "split", title: "Split at the caret (Ctrl+Enter)", onmousedown: keepFocus,
          onclick: () => this.splitAtCaret(index) }, "Split"),
        index + 1 < this.doc.segments.length
          ? el("button", { class: "merge", title: "Merge with the next line",
            onclick: () => this.edit([{ op: "merge", segment: index }]) }, "Merge ↓") : null));
  },

  editable(node, index, operations) {
    // Click to type (the caret lands where clicked); Enter saves, Esc cancels, Ctrl+Enter splits (text only).
    node.addEventListener("mousedown", () => {
      if (node.isContentEditable) return;
      node.contentEditable = "true";
      node.dataset.before = node.textContent;
      node.closest(".segment").classList.add("editing");
    });
    node.addEventListener("click", (event) => {
      if (event.target.classList.contains("w")) this.seek(+event.target.dataset.start, false);
    });
    node.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.cancel(node);
      } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && node.classList.contains("text")) {
        event.preventDefault();
        this.splitAtCaret(index);
      } else if (event.key === "Enter") {
        event.preventDefault();
        const value = node.textContent.replace(/\s+/g, " ").trim();
        if (value === node.dataset.before.replace(/\s+/g, " ").trim()) this.cancel(node);
        else this.edit(operations(value));
      }
    });
    node.addEventListener("blur", () => setTimeout(() => {
      if (node.isContentEditable && document.activeElement !== node) this.cancel(node);
    }, 150));
  },

  cancel(node) {
    node.contentEditable = "false";
    node.closest(".segment")?.classList.remove("editing");
    node.blur();
    this.renderRows();
  },

  splitAtCaret(index) {
    const node = $(`.segment[data-index="${index}"] .text`);
    const selection = getSelection();
    let before = null;
    if (node.isContentEditable && selection.rangeCount && node.contains(selection.anchorNode)) {
      const range = selection.getRangeAt(0).cloneRange();
      range.selectNodeContents(node);
      range.setEnd(selection.anchorNode, selection.anchorOffset);
      before = range.toString();
    } else {
      const t = $("#player").currentTime;
      const segment = this.doc.segments[index];
      const inside = segment.words.filter((w) => w.start < t);
      if (t > segment.start && t < segment.end) before = inside.map((w) => w.text).join(" ");
    }
    const text = node.textContent.replace(/\s+/g, " ").trim();
    const tokens = text.split(" ");
    const word = before === null ? 0 : before.trim().split(/\s+/).filter(Boolean).length;
    if (word < 1 || word >= tokens.length) {
      showError($("#edit-message"), "Put the caret between two words of the line (or play to the word) to split it there.");
      return;
    }
    const changed = node.dataset.before !== undefined && text !== node.dataset.before.replace(/\s+/g, " ").trim();
    this.edit([...(changed ? [{ op: "set_text", segment: index, text }] : []), { op: "split", segment: index, word }]);
  },

  speakerPicker(segment, index) {
    const select = el("select", { class: "speaker-pick", "aria-label": `Speaker of line ${index + 1}`,
      style: `color:${this.colour(segment.speaker)}` },
      ...Object.keys(this.doc.colours).map((label) => el("option", { value: label, selected: label === segment.speaker },
        this.speakerName(label))),
      el("option", { value: "" }, "New speaker…"));
    if (!segment.speaker) select.prepend(el("option", { value: "-", selected: true }, "—"));
    select.addEventListener("change", () => {
      let speaker = select.value;
      if (!speaker) speaker = (prompt("Name of the new speaker") || "").trim();
      if (!speaker || speaker === "-") {
        select.value = segment.speaker || "-";
        return;
      }
      this.edit([{ op: "set_speaker", segment: index, speaker }]);
    });
    return select;
  },

  renderSpeakers() {
    const labels = Object.keys(this.doc.colours);
    const box = $("#speakers");
    if (!labels.length) {
      box.replaceChildren(el("p", { class: "muted" }, "Speakers were not identified for this job."));
      return;
    }
    box.replaceChildren(...labels.map((label) => {
      const input = el("input", { value: this.speakerName(label), "aria-label": `Name of ${label}` });
      const into = el("select", { "aria-label": `Merge ${label} into` }, el("option", { value: "" }, "merge into…"),
        ...labels.filter((other) => other !== label).map((other) => el("option", { value: other }, this.speakerName(other))));
      const rename = () => input.value.trim() && input.value.trim() !== this.speakerName(label)
        && this.edit([{ op: "rename_speaker", speaker: label, name: input.value.trim() }]);
      input.addEventListener("keydown", (event) => event.key === "Enter" && rename());
      into.addEventListener("change", () => into.value
        && this.edit([{ op: "merge_speakers", speakers: [label], into: into.value }]));
      return el("div", { class: "speaker", "data-label": label },
        el("span", { class: "swatch", style: `background:${this.colour(label)}` }),
        el("span", { class: "label" }, label), input, el("button", { class: "rename", onclick: rename }, "Rename"), into);
    }));
  },

  // A burned video is re-rendered in the background after each edit: shown until it is current again.
  async followVideo() {
    const job = this.job;
    clearTimeout(this.videoTimer);
    const view = await api(`/jobs/${job.id}`);
    const line = $("#video-state");
    if (this.job !== job || !line) return;
    line.hidden = !view.video;
    if (!view.video) return;
    line.textContent = videoText(view.video);
    line.dataset.state = view.video.state;
    if (view.video.state === "rendering") this.videoTimer = setTimeout(() => this.followVideo(), 1500);
  },

  renderDownloads() {
    this.followVideo().catch(() => {});
    $("#downloads").replaceChildren(
      el("li", {}, el("a", { href: `/jobs/${this.job.id}/outputs.zip`, class: "zip", download: true,
        title: "Every output and the media: the HTML transcript plays it" }, "All outputs (zip)")),
      ...this.job.outputs.map((output) => el("li", {}, el("a", { href: output.url, download: output.name }, output.name))),
      el("li", {}, el("a", { href: `/jobs/${this.job.id}/media`, download: this.job.input_name, class: "media",
        title: "Keep it beside the HTML transcript and the page plays it" }, `${this.job.input_name} (media)`)));
  },

  async renderRevisions() {
    const list = await api(`/jobs/${this.job.id}/revisions`);
    if (!$("#revisions")) return; // the page moved on meanwhile
    $("#revisions").replaceChildren(...list.slice().reverse().map((revision) => el("li", { "data-number": revision.number },
      el("span", { class: "rev-number" }, `#${revision.number}`), " ",
      el("span", { class: "muted" }, `${new Date(revision.time).toLocaleTimeString()} · ${revision.who}`), " ",
      el("span", { class: "summary" }, revision.summary),
      revision.number === this.revision ? el("span", { class: "badge done" }, "current")
        : el("button", { class: "restore", onclick: () => this.restore(revision.number) }, "Restore"))));
  },

  restore(number) {
    return this.send(`/jobs/${this.job.id}/revisions/${number}/restore`, {}, () => {
      this.undoStack = [];
      this.redoStack = [];
    });
  },

  async setupWaveform() {
    const job = this.job;
    const peaks = await api(`/jobs/${job.id}/peaks`);
    if (this.job !== job || !$("#waveform") || this.waves) return;
    this.waves = WaveSurfer.create({
      container: "#waveform", media: $("#player"), peaks: [peaks.peaks], duration: peaks.duration, height: 96,
      waveColor: "#94a3b8", progressColor: "#475569", cursorColor: "#dc2626", normalize: true,
      minPxPerSec: peaks.duration > 120 ? 24 : 0, dragToSeek: true,
    });
    this.regions = this.waves.registerPlugin(RegionsPlugin.create());
    this.waves.on("ready", () => this.renderRegions());
    this.regions.on("region-update", (region) => this.showRegionTime(region));
    this.regions.on("region-updated", (region) => {
      const index = Number(region.id.slice(4));
      this.showRegionTime(region);
      this.edit([{ op: "set_times", segment: index, start: +region.start.toFixed(3), end: +region.end.toFixed(3) }]);
    });
    this.renderRegions();
  },

  showRegionTime(region) {
    $("#region-time").textContent = `Line ${Number(region.id.slice(4)) + 1}: ${clock(region.start, true)} – ${clock(region.end, true)}`;
  },

  renderRegions() {
    if (!this.regions || !this.waves.getDuration()) return; // placed once the waveform knows its length
    this.regions.clearRegions();
    this.doc.segments.forEach((segment, index) => this.regions.addRegion({
      id: `seg-${index}`, start: segment.start, end: segment.end, color: `${this.colour(segment.speaker)}33`,
      drag: false, resize: true, content: String(index + 1),
    }));
  },

  seek(seconds, play) {
    const player = $("#player");
    player.currentTime = seconds;
    if (play) player.play().catch(() => {});
    this.follow();
  },

  tick() {
    cancelAnimationFrame(this.frame);
    const step = () => {
      this.follow();
      if (!$("#player")?.paused) this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  },

  follow() {
    // The line and the word being spoken, highlighted; the transcript keeps the line in view (not while typing).
    const player = $("#player");
    if (!player || !this.doc) return;
    const t = player.currentTime;
    const rows = $$("#transcript .segment");
    const active = rows.find((node) => t >= +node.dataset.start && t < +node.dataset.end) || null;
    if (active !== this.current) {
      this.current?.classList.remove("active");
      active?.classList.add("active");
      if (active && !document.querySelector("[contenteditable=true]")) active.scrollIntoView({ block: "nearest" });
      this.current = active;
    }
    const word = this.words.find((w) => t >= w.start && t < w.end) || null;
    if (word?.node !== this.currentWord) {
      this.currentWord?.classList.remove("now");
      word?.node.classList.add("now");
      this.currentWord = word?.node || null;
    }
  },
};

function onKey(event) {
  const player = $("#player");
  if (!player || !editor.doc) return;
  const typing = event.target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName);
  if ((event.ctrlKey || event.metaKey) && !typing && (event.key === "z" || event.key === "y")) {
    event.preventDefault();
    event.key === "z" ? editor.undo() : editor.redo();
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === " ") player.paused ? player.play().catch(() => {}) : player.pause();
  else if (key === "j") { player.currentTime = Math.max(0, player.currentTime - 5); }
  else if (key === "k") player.pause();
  else if (key === "l") {
    if (player.paused) { player.playbackRate = 1; player.play().catch(() => {}); }
    else player.playbackRate = player.playbackRate >= 2 ? 1 : player.playbackRate + 0.5;
  } else if (key === "arrowleft") player.currentTime = Math.max(0, player.currentTime - 1);
  else if (key === "arrowright") player.currentTime = Math.min(player.duration || Infinity, player.currentTime + 1);
  else return;
  event.preventDefault();
  editor.follow();
}

// ---- routing -------------------------------------------------------------------------------------------------

function route() {
  const visit = ++navigation;
  const match = location.hash.match(/^#\/jobs\/([0-9a-f]+)$/);
  return match ? showJob(match[1], visit) : showHome(visit);
}

async function start() {
  try {
    me = await api("/me");
  } catch {
    return;
  }
  $("#account").hidden = false;
  $("#owner").textContent = me.owner;
  route();
}

window.addEventListener("hashchange", () => me && route());
document.addEventListener("keydown", onKey);
$("#sign-out").addEventListener("click", async () => {
  await api("/session", { method: "DELETE" });
  me = null;
  showSignIn();
});
start();
