// castscript web UI: sign in, upload with progress, live job list, result page with player and transcript.
// Plain ES module, no build step. The API token lives in an HttpOnly same-site cookie set by POST /session.

const COLOURS = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#65a30d"];
const ACTIVE = new Set(["queued", "running"]);
let me = null;
let timer = null;

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401 && path !== "/session") {
    showSignIn();
    throw new Error("signed out");
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({ message: response.statusText }));
    throw new Error(body.hint ? `${body.message} ${body.hint}` : body.message);
  }
  return response.status === 204 ? null : response.json();
}

const json = (method, body) => ({ method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

function render(templateId) {
  clearInterval(timer);
  const view = $("#view");
  view.replaceChildren($(`#${templateId}`).content.cloneNode(true));
  return view;
}

function showError(node, message) {
  node.textContent = message;
  node.hidden = !message;
}

function formatTime(seconds) {
  const m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
  return `${m}:${String(s).padStart(2, "0")}`;
}

function formatBytes(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (bytes >= 1000 && i < units.length - 1) { bytes /= 1000; i++; }
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function stateText(job) {
  if (job.state === "running") return `${job.stage} ${job.percent}%`;
  if (job.state === "failed") return job.error ? job.error.message : "failed";
  return "";
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

// ---- home: upload and job list -----------------------------------------------------------------------------------

function showHome() {
  const view = render("home-view");
  const formats = $("#formats", view);
  for (const name of me.formats) {
    const checked = ["srt", "vtt", "txt", "json"].includes(name);
    formats.append(el("label", { class: "check" }, el("input", { type: "checkbox", value: name, checked }), ` ${name}`));
  }
  const file = $("#file", view);
  file.addEventListener("change", () => {
    $("#file-label").textContent = file.files[0] ? `${file.files[0].name} (${formatBytes(file.files[0].size)})` : "";
  });
  $("#upload-form", view).addEventListener("submit", submitJob);
  refreshJobs();
  timer = setInterval(refreshJobs, 1000);
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
  const start = $("#start");
  const progress = $("#upload-progress");
  showError($("#upload-error"), "");
  start.disabled = true;
  progress.hidden = false;
  const began = performance.now();
  try {
    const upload = await uploadWithProgress(file, (loaded, total) => {
      const seconds = (performance.now() - began) / 1000;
      $("#upload-fill").style.width = `${(100 * loaded) / total}%`;
      $("#upload-text").textContent = `${Math.round((100 * loaded) / total)}% · ${formatBytes(loaded / Math.max(seconds, 0.001))}/s`;
    });
    const options = {
      language: $("#language").value,
      diarize: $("#diarize").checked,
      translate_to: $("#translate").value.split(",").map((s) => s.trim()).filter(Boolean),
      formats: [...document.querySelectorAll("#formats input:checked")].map((input) => input.value),
    };
    await api("/jobs", json("POST", { upload_id: upload.id, options }));
    $("#upload-form").reset();
    $("#file-label").textContent = "Choose or drop a video or audio file";
    refreshJobs();
  } catch (error) {
    showError($("#upload-error"), error.message);
  } finally {
    start.disabled = false;
    progress.hidden = true;
  }
}

async function refreshJobs() {
  const rows = $("#job-rows");
  if (!rows) return;
  const jobs = await api("/jobs");
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

async function showJob(id) {
  const view = render("job-view");
  $("#job-delete", view).addEventListener("click", () => deleteJob(id));
  $("#job-cancel", view).addEventListener("click", () => cancelJob(id));
  let job = await api(`/jobs/${id}`);
  updateJobHeader(job);
  if (ACTIVE.has(job.state)) {
    timer = setInterval(async () => {
      job = await api(`/jobs/${id}`);
      updateJobHeader(job);
      if (!ACTIVE.has(job.state)) {
        clearInterval(timer);
        if (job.state === "done") showResult(job);
      }
    }, 1000);
  } else if (job.state === "done") {
    showResult(job);
  }
}

function updateJobHeader(job) {
  $("#job-title").textContent = job.input_name;
  const badge = $("#job-state");
  badge.textContent = job.state;
  badge.className = `badge ${job.state}`;
  $("#job-cancel").hidden = !ACTIVE.has(job.state);
  $("#job-running").hidden = job.state !== "running";
  if (job.state === "running") {
    $("#job-fill").style.width = `${job.percent}%`;
    $("#job-stage").textContent = `${job.stage} · ${job.percent}%`;
  }
  showError($("#job-error"), job.state === "failed" && job.error ? `${job.error.message} ${job.error.hint || ""}` : "");
}

async function showResult(job) {
  const transcript = await api(`/jobs/${job.id}/transcript`);
  $("#result").hidden = false;
  const player = $("#player");
  player.classList.toggle("audio-only", !transcript.media.has_video);
  const media = `/jobs/${job.id}/media`;
  if (player.getAttribute("src") !== media) player.src = media;
  setTrack(player, job.id, transcript.language);
  renderSpeakers(job, transcript);
  renderTranscript(transcript, player);
  $("#downloads").replaceChildren(...job.outputs.map((output) =>
    el("li", {}, el("a", { href: output.url, download: output.name }, output.name))));
}

function setTrack(player, jobId, language) {
  // The VTT track drives a caption overlay of our own: browsers draw no captions over audio-only media.
  player.querySelectorAll("track").forEach((track) => track.remove());
  const track = el("track", { kind: "subtitles", label: "Transcript", srclang: language || "und", default: true,
    src: `/jobs/${jobId}/subtitles.vtt?v=${Date.now()}` });
  player.append(track);
  track.track.mode = "hidden";
  const caption = $("#caption");
  caption.replaceChildren();
  track.track.oncuechange = () => {
    const lines = [...track.track.activeCues].flatMap((cue) => cue.text.split("\n"));
    caption.replaceChildren(...lines.map((line) => el("span", {}, line)));
  };
}

function speakerColours(transcript) {
  const labels = [...new Set([...Object.keys(transcript.speakers),
    ...transcript.segments.map((segment) => segment.speaker).filter(Boolean)])].sort();
  return new Map(labels.map((label, i) => [label, COLOURS[i % COLOURS.length]]));
}

function speakerName(transcript, label) {
  return (transcript.speakers[label] && transcript.speakers[label].name) || label;
}

function renderSpeakers(job, transcript) {
  const form = $("#speakers");
  const colours = speakerColours(transcript);
  if (!colours.size) {
    form.replaceChildren(el("p", { class: "muted" }, "Speakers were not identified for this job."));
    return;
  }
  const inputs = [...colours].map(([label, colour]) =>
    el("label", { class: "speaker" }, el("span", { class: "swatch", style: `background:${colour}` }),
      el("span", { class: "label" }, label),
      el("input", { name: label, value: speakerName(transcript, label), "aria-label": `Name of ${label}` })));
  const status = el("span", { class: "muted", id: "rename-status" });
  form.replaceChildren(...inputs, el("div", { class: "actions" }, el("button", { type: "submit" }, "Save names"), status));
  form.onsubmit = async (event) => {
    event.preventDefault();
    const names = {};
    for (const input of form.querySelectorAll("input")) {
      if (input.value.trim() && input.value.trim() !== speakerName(transcript, input.name)) names[input.name] = input.value.trim();
    }
    try {
      await api(`/jobs/${job.id}/speakers`, json("PATCH", { names }));
      await showResult(job);
      $("#rename-status").textContent = "Saved; outputs re-rendered.";
    } catch (error) {
      status.textContent = error.message;
    }
  };
}

function renderTranscript(transcript, player) {
  const colours = speakerColours(transcript);
  const segments = transcript.segments.map((segment) => {
    const who = segment.speaker
      ? el("span", { class: "who", style: `color:${colours.get(segment.speaker)}` }, speakerName(transcript, segment.speaker))
      : "";
    return el("p", {
      class: "segment", "data-start": segment.start, "data-end": segment.end,
      style: segment.speaker ? `border-color:${colours.get(segment.speaker)}` : null,
      onclick: () => { player.currentTime = segment.start; player.play().catch(() => {}); },
    }, el("span", { class: "time" }, formatTime(segment.start)), who, el("span", { class: "text" }, segment.text));
  });
  const box = $("#transcript");
  box.replaceChildren(...(segments.length ? segments : [el("p", { class: "muted" }, "No speech found.")]));
  let current = null;
  player.ontimeupdate = () => {
    const t = player.currentTime;
    const active = segments.find((node) => t >= +node.dataset.start && t < +node.dataset.end) || null;
    if (active === current) return;
    current?.classList.remove("active");
    active?.classList.add("active");
    active?.scrollIntoView({ block: "nearest", behavior: "smooth" });
    current = active;
  };
}

// ---- routing -------------------------------------------------------------------------------------------------

function route() {
  const match = location.hash.match(/^#\/jobs\/([0-9a-f]+)$/);
  return match ? showJob(match[1]) : showHome();
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
$("#sign-out").addEventListener("click", async () => {
  await api("/session", { method: "DELETE" });
  me = null;
  showSignIn();
});
start();
