"use strict";
// The photo2cartoon page: upload or drop a photo, show every face's crop, mask and cartoon, the
// photo with the cartoons pasted back, per-stage timings, and download links. Plain DOM, no build.

const $ = (id) => document.getElementById(id);

// Server stages in pipeline order, with the labels shown in the timings table.
const STAGES = [
  ["queued", "waiting for a free worker"],
  ["decode", "decode the photo"],
  ["preprocess", "find, align and segment faces"],
  ["generator", "generator (cartoon)"],
  ["paste_back", "paste back into the photo"],
  ["encode", "encode the PNGs"],
  ["total", "total on the server"],
];

let limits = null;
let lastFile = null;
let working = false;
let inputUrl = null;

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = false;
}

function clearError() {
  $("error").textContent = "";
  $("error").hidden = true;
}

function setStatus(text) {
  $("status").textContent = text;
}

function megabytes(bytes) {
  return (bytes / (1024 * 1024)).toFixed(1) + " MB";
}

async function loadInfo() {
  try {
    const response = await fetch("/api/info");
    const info = await response.json();
    limits = info.limits;
    $("model").textContent = "Generator: " + info.weights + (info.backend ? " (" + info.backend + ")" : "");
    if (info.warning) {
      $("banner").textContent = info.warning;
      $("banner").hidden = false;
    }
    $("limits").textContent = "Up to " + megabytes(limits.max_upload_bytes) + " and " +
      (limits.max_pixels / 1e6).toFixed(0) + " megapixels per photo. Photos stay on this server " +
      "only until newer results replace them.";
  } catch (error) {
    showError("Cannot reach the server: " + error.message);
  }
}

function figure(url, caption, downloadName, className) {
  const fig = document.createElement("figure");
  if (className) fig.className = className;
  const img = document.createElement("img");
  img.src = url;
  img.alt = caption;
  img.dataset.kind = caption;
  const cap = document.createElement("figcaption");
  cap.textContent = caption + " ";
  if (downloadName) {
    const link = document.createElement("a");
    link.href = url;
    link.download = downloadName;
    link.textContent = "download";
    cap.appendChild(link);
  }
  fig.append(img, cap);
  return fig;
}

function render(result, file, roundTripMs) {
  const faces = $("faces");
  const photos = $("photos");
  faces.replaceChildren();
  photos.replaceChildren();
  for (const face of result.faces) {
    const row = document.createElement("div");
    row.className = "face";
    row.dataset.index = face.index;
    const prefix = result.file_name + "_face" + face.index + "_";
    row.append(
      figure(face.crop, "aligned crop", prefix + "crop.png"),
      figure(face.mask, "mask", prefix + "mask.png"),
      figure(face.cartoon, "cartoon", prefix + "cartoon.png"),
    );
    faces.appendChild(row);
  }
  if (inputUrl) URL.revokeObjectURL(inputUrl);
  inputUrl = URL.createObjectURL(file);
  photos.appendChild(figure(inputUrl, "your photo", null, "photo"));
  if (result.pasted) {
    photos.appendChild(figure(result.pasted, "pasted back", result.file_name + "_pasted.png", "photo"));
  }
  const body = $("timings").tBodies[0];
  body.replaceChildren();
  const rows = STAGES.filter(([key]) => key in result.timings_ms)
    .map(([key, label]) => [key, label, result.timings_ms[key]]);
  rows.push(["round_trip", "round trip in the browser (upload included)", roundTripMs]);
  for (const [key, label, ms] of rows) {
    const tr = document.createElement("tr");
    tr.dataset.stage = key;
    const name = document.createElement("td");
    name.textContent = label;
    const value = document.createElement("td");
    value.className = "ms";
    value.textContent = ms.toFixed(1);
    tr.append(name, value);
    body.appendChild(tr);
  }
  $("zip").href = result.zip;
  $("zip").download = result.file_name + "_cartoons.zip";
  $("results").hidden = false;
  const count = result.faces.length === 1 ? "1 face" : result.faces.length + " faces";
  setStatus("Done: " + count + " in " + file.name + " (" + result.image.width + "\u00d7" +
    result.image.height + " px), " + result.timings_ms.total.toFixed(0) + " ms on the server.");
}

async function readJson(response) {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    // A proxy or the HTTP server itself may answer with plain text.
    return { message: "The server answered " + response.status + " " + response.statusText + "." };
  }
}

// Counts finished attempts (result or error) in `body[data-finished]`, so scripts driving the
// page can tell a new outcome from the previous one.
let finished = 0;

async function cartoonize(file) {
  if (!file || working) return;
  try {
    await attempt(file);
  } finally {
    document.body.dataset.finished = String(++finished);
  }
}

async function attempt(file) {
  lastFile = file;
  clearError();
  $("results").hidden = true;
  if (limits && file.size > limits.max_upload_bytes) {
    showError("The upload is too large: " + file.name + " is " + megabytes(file.size) +
      ", the limit is " + megabytes(limits.max_upload_bytes) + " per photo.");
    setStatus("");
    return;
  }
  const form = new FormData();
  form.append("image", file, file.name);
  form.append("all_faces", $("all-faces").checked ? "1" : "0");
  form.append("paste_back", $("paste-back").checked ? "1" : "0");
  working = true;
  $("file").disabled = true;
  setStatus("Cartoonizing " + file.name + "...");
  const started = performance.now();
  try {
    const response = await fetch("/api/cartoonize", { method: "POST", body: form });
    const result = await readJson(response);
    if (!response.ok) {
      setStatus("");
      showError(result.message || "The server answered " + response.status + ".");
      return;
    }
    render(result, file, performance.now() - started);
  } catch (error) {
    setStatus("");
    showError("The upload failed: " + error.message + ". Is the server still running?");
  } finally {
    working = false;
    $("file").disabled = false;
    $("file").value = "";
  }
}

function setUp() {
  const drop = $("drop");
  $("file").addEventListener("change", (event) => cartoonize(event.target.files[0]));
  for (const id of ["all-faces", "paste-back"]) {
    $(id).addEventListener("change", () => cartoonize(lastFile));
  }
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    cartoonize(event.dataTransfer.files[0]);
  });
  loadInfo();
}

setUp();
