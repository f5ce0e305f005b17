// glassnet playground: the page. The server trains; this file sends commands and draws what it is sent.
"use strict";

const FEATURES = [  // every input the page offers; the server computes the same ones (playground/data.py)
  ["x1", "X\u2081", (a, b) => a], ["x2", "X\u2082", (a, b) => b],
  ["x1sq", "X\u2081\u00B2", (a, b) => a * a], ["x2sq", "X\u2082\u00B2", (a, b) => b * b],
  ["x1x2", "X\u2081X\u2082", (a, b) => a * b], ["sinx1", "sin(X\u2081)", (a, b) => Math.sin(a)],
  ["sinx2", "sin(X\u2082)", (a, b) => Math.sin(b)],
];
// Settings kept in the URL, by type (the server checks every value again).
const INTS = ["noise", "train_percent", "seed", "batch_size"];
const FLOATS = ["learning_rate", "regularization_rate", "dropout"];
const BOOLS = ["show_test", "discretize"];
const LISTS = ["features", "activations"];
const CLASS_COLOURS = [[8, 119, 189], [245, 147, 34], [44, 160, 44], [148, 103, 189], [214, 39, 40],
                       [140, 86, 75], [227, 119, 194], [23, 190, 207]];
const NODE = 36, GAP_Y = 12, COLUMN = 110, TOP = 70, LEFT = 80;

const $ = (id) => document.getElementById(id);
let session = null, setup = null, state = null, settings = null, drawPending = false;
let curve = {train: [], test: []};
let editing = null;  // the weight the editor is changing

// ---- colours: -1 orange, 0 white, +1 blue, as TensorFlow Playground draws them -----------------------
const PALETTE = (() => {
  const table = new Uint8ClampedArray(256 * 3);
  const neg = [245, 147, 34], mid = [232, 234, 235], pos = [8, 119, 189];
  for (let i = 0; i < 256; i++) {
    const v = i / 127.5 - 1, [a, t] = v < 0 ? [neg, -v] : [pos, v];
    for (let c = 0; c < 3; c++) table[i * 3 + c] = mid[c] + (a[c] - mid[c]) * t;
  }
  return table;
})();

function decode(b64) {
  const s = atob(b64), out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function paint(canvas, bytes, size, discretize, labels) {
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    let v = bytes[i], rgb;
    if (labels) {  // several classes: the winning class's colour, paler where it is less sure
      const c = CLASS_COLOURS[labels[i] % CLASS_COLOURS.length], t = discretize ? 0.75 : 0.25 + 0.6 * (v / 255);
      rgb = [c[0] * t + 255 * (1 - t), c[1] * t + 255 * (1 - t), c[2] * t + 255 * (1 - t)];
    } else {
      if (discretize) v = v >= 128 ? 255 : 0;
      rgb = [PALETTE[v * 3], PALETTE[v * 3 + 1], PALETTE[v * 3 + 2]];
    }
    img.data.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
  }
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  ctx.putImageData(img, 0, 0);
}

// ---- talking to the server ---------------------------------------------------------------------------
async function api(path, options = {}) {
  const response = await fetch(`api/${path}`, options);
  const body = await response.json().catch(() => ({error: `HTTP ${response.status}`}));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function send(command, extra = {}) {
  return api(`sessions/${session}/command`, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({command, ...extra}),
  }).catch(showError);
}

async function change(fields) {
  const reply = await send("set", {settings: fields});
  if (reply) { settings = reply.result; writeHash(); syncControls(); }
}

function showError(error) {
  const banner = $("banner");
  banner.textContent = String(error.message || error);
  banner.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { banner.hidden = true; }, 8000);
}

// ---- the URL holds the whole setup ----------------------------------------------------------------------
function readHash() {
  const out = {};
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    if (!part.includes("=")) continue;
    const [key, raw] = part.split("=").map(decodeURIComponent);
    if (INTS.includes(key)) out[key] = Number.isInteger(Number(raw)) ? Number(raw) : raw;
    else if (FLOATS.includes(key)) out[key] = raw === "" || isNaN(Number(raw)) ? raw : Number(raw);
    else if (BOOLS.includes(key)) out[key] = raw === "true" ? true : raw === "false" ? false : raw;
    else if (LISTS.includes(key)) out[key] = raw ? raw.split(",") : [];
    else if (key === "layers") out[key] = raw ? raw.split(",").map((n) => (Number.isInteger(Number(n)) ? Number(n) : n)) : [];
    else out[key] = raw;
  }
  return out;
}

function writeHash() {
  const parts = Object.entries(settings).filter(([k, v]) => !(k === "dataset" && v === "csv"))
    .map(([k, v]) => `${k}=${encodeURIComponent(Array.isArray(v) ? v.join(",") : v)}`);
  history.replaceState(null, "", "#" + parts.join("&"));
}

// ---- start ----------------------------------------------------------------------------------------------
async function start() {
  const wanted = readHash();
  let created;
  try {
    created = await api("sessions", {method: "POST", headers: {"Content-Type": "application/json"},
                                     body: JSON.stringify({settings: wanted})});
  } catch (error) {
    showError(`The link's setup was refused (${error.message}); starting from the defaults.`);
    created = await api("sessions", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
  }
  session = created.id;
  settings = created.settings;
  writeHash();
  $("export-model").href = `api/sessions/${session}/model`;
  $("export-code").href = `api/sessions/${session}/code`;
  const events = new EventSource(`api/sessions/${session}/events`);
  events.addEventListener("setup", (e) => { setup = JSON.parse(e.data); onSetup(); });
  events.addEventListener("state", (e) => { state = JSON.parse(e.data); schedule(); });
  window.addEventListener("beforeunload", () => { navigator.sendBeacon && events.close(); });
  bindControls();
}

function onSetup() {
  settings = setup.settings;
  writeHash();
  curve = {train: [], test: []};
  buildChoices();
  syncControls();
  buildNetwork();
  drawPoints();
  drawLegend();
}

function schedule() {
  if (!drawPending) { drawPending = true; requestAnimationFrame(draw); }
}

// ---- controls ---------------------------------------------------------------------------------------------
function options(select, values, label = (v) => v) {
  const wanted = values.map(String).join("|");
  if (select.dataset.values === wanted) return;
  select.dataset.values = wanted;
  select.innerHTML = values.map((v) => `<option value="${v}">${label(v)}</option>`).join("");
}

function buildChoices() {
  const c = setup.choices;
  options($("learning_rate"), c.learning_rates);
  options($("regularization_rate"), c.regularization_rates);
  options($("optimizer"), c.optimizers);
  const box = $("datasets");
  box.innerHTML = "";
  for (const [name, [problem, title]] of Object.entries(c.datasets)) {
    if (problem !== settings.problem) continue;
    const b = document.createElement("button");
    b.className = "dataset" + (name === settings.dataset ? " selected" : "");
    b.dataset.name = name;
    b.textContent = title;
    b.onclick = () => change({dataset: name});
    box.appendChild(b);
  }
  if (settings.dataset === "csv") {
    const b = document.createElement("button");
    b.className = "dataset selected";
    b.textContent = "Your CSV file";
    box.appendChild(b);
  }
}

function syncControls() {
  for (const id of ["learning_rate", "regularization_rate", "optimizer", "regularization", "problem"]) {
    $(id).value = String(settings[id]);
  }
  const acts = settings.activations;
  const same = acts.length && acts.every((a) => a === acts[0]);
  options($("activation"), same ? setup.choices.activations : ["per layer", ...setup.choices.activations]);
  $("activation").value = same ? acts[0] : "per layer";
  for (const id of ["train_percent", "noise", "batch_size", "dropout"]) {
    $(id).value = settings[id];
    $(`${id}-value`).textContent = settings[id];
  }
  $("show_test").checked = settings.show_test;
  $("discretize").checked = settings.discretize;
  $("layer-count").textContent = `${settings.layers.length} HIDDEN LAYER${settings.layers.length === 1 ? "" : "S"}`;
}

function bindControls() {
  $("play").onclick = () => send(state && state.playing ? "pause" : "play");
  $("step").onclick = () => send("step");
  $("reset").onclick = () => send("reset");
  $("regenerate").onclick = () => change({seed: Math.floor(Math.random() * 2147483647)});
  for (const id of ["learning_rate", "regularization_rate"]) $(id).onchange = () => change({[id]: Number($(id).value)});
  for (const id of ["optimizer", "regularization"]) $(id).onchange = () => change({[id]: $(id).value});
  $("activation").onchange = () => {
    if ($("activation").value !== "per layer") change({activations: settings.layers.map(() => $("activation").value)});
  };
  $("problem").onchange = () => {
    const problem = $("problem").value;
    const first = Object.entries(setup.choices.datasets).find(([, [p]]) => p === problem)[0];
    change({problem, dataset: first});
  };
  for (const id of ["train_percent", "noise", "batch_size", "dropout"]) {
    $(id).oninput = () => { $(`${id}-value`).textContent = $(id).value; };
    $(id).onchange = () => change({[id]: Number($(id).value)});
  }
  for (const id of ["show_test", "discretize"]) {
    $(id).onchange = () => { settings[id] = $(id).checked; drawPoints(); draw(); change({[id]: $(id).checked}); };
  }
  $("add-layer").onclick = () => {
    if (settings.layers.length >= setup.choices.max_layers) return;
    change({layers: [...settings.layers, 2], activations: [...settings.activations, settings.activations.at(-1) || "tanh"]});
  };
  $("remove-layer").onclick = () => {
    if (!settings.layers.length) return;
    change({layers: settings.layers.slice(0, -1), activations: settings.activations.slice(0, -1)});
  };
  $("csv").onchange = async () => {
    const file = $("csv").files[0];
    if (!file) return;
    try {
      const reply = await api(`sessions/${session}/upload?problem=${settings.problem}`, {method: "POST", body: await file.text()});
      settings = reply.result;
      writeHash();
    } catch (error) { showError(error); }
    $("csv").value = "";
  };
  $("gradcheck").onclick = async () => {
    $("gradcheck-result").textContent = "checking\u2026";
    const reply = await send("gradcheck");
    if (reply) {
      const r = reply.result;
      $("gradcheck-result").textContent =
        `Worst relative error ${r.worst_relative_error.toExponential(2)} over ${r.entries} weights on ${r.samples} samples ` +
        "(backpropagation against central differences).";
    }
  };
  $("editor").onsubmit = (e) => {
    e.preventDefault();
    const target = editing, value = Number($("editor-value").value);
    $("editor").hidden = true;
    if (target && Number.isFinite(value)) send("weight", {...target, value});
  };
}

// ---- the network diagram ---------------------------------------------------------------------------------
let nodes = [], links = [];  // nodes[column][i] = {x, y, canvas}; links: {el, layer, row, col}

function buildNetwork() {
  const holder = $("nodes"), svg = $("links");
  holder.innerHTML = "";
  svg.innerHTML = "";
  nodes = [];
  links = [];
  const hidden = settings.layers, nOut = setup.sizes.at(-1);
  const columns = [FEATURES.length, ...hidden, nOut];
  const height = TOP + Math.max(...columns) * (NODE + GAP_Y) + 10;
  const width = LEFT + COLUMN * (columns.length - 1) + NODE + 20;
  $("network").style.height = `${height}px`;
  $("network").style.width = `${width}px`;
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  const enabled = settings.features;
  columns.forEach((count, c) => {
    nodes.push([]);
    const x = LEFT + c * COLUMN;
    if (c > 0 && c <= hidden.length) holder.appendChild(layerControls(c - 1, x));
    for (let i = 0; i < count; i++) {
      const y = TOP + i * (NODE + GAP_Y);
      const node = document.createElement("div");
      node.className = "node";
      node.style.left = `${x}px`;
      node.style.top = `${y}px`;
      const canvas = document.createElement("canvas");
      node.appendChild(canvas);
      if (c === 0) {
        const [name, label] = FEATURES[i];
        node.classList.toggle("off", !enabled.includes(name));
        node.title = `${label}: click to ${enabled.includes(name) ? "remove" : "add"} this input`;
        node.onclick = () => toggleFeature(name);
        const tag = document.createElement("span");
        tag.className = "feature-label";
        tag.textContent = label;
        node.appendChild(tag);
        paintFeature(canvas, FEATURES[i][2]);
      } else if (c === columns.length - 1) {
        node.classList.add("output-node");
        node.title = setup.classes && nOut > 1 ? `class ${setup.classes[i]}` : "output";
      }
      if (c > 0) {
        const bias = document.createElement("div");
        bias.className = "bias";
        const target = {layer: c - 1, param: "b", row: 0, col: i};
        bias.onmouseenter = (e) => showWeight(e, target);
        bias.onmouseleave = hideTooltip;
        bias.onclick = (e) => { e.stopPropagation(); editWeight(e, target); };
        node.appendChild(bias);
      }
      holder.appendChild(node);
      nodes[c].push({x, y, canvas, node});
    }
  });
  // Links from every enabled input and every neuron to the next column.
  const enabledIndex = FEATURES.map(([name]) => enabled.indexOf(name));
  for (let c = 0; c + 1 < columns.length; c++) {
    nodes[c].forEach((from, i) => {
      const row = c === 0 ? enabledIndex[i] : i;
      if (row < 0) return;
      nodes[c + 1].forEach((to, j) => {
        const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
        const x1 = from.x + NODE, y1 = from.y + NODE / 2, x2 = to.x, y2 = to.y + NODE / 2, mx = (x1 + x2) / 2;
        path.setAttribute("d", `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`);
        path.setAttribute("class", "link");
        const target = {layer: c, param: "W", row, col: j};
        path.onmouseenter = (e) => showWeight(e, target);
        path.onmouseleave = hideTooltip;
        path.onclick = (e) => editWeight(e, target);
        svg.appendChild(path);
        links.push({el: path, ...target});
      });
    });
  }
}

function layerControls(layer, x) {
  const box = document.createElement("div");
  box.className = "layer-controls";
  box.style.left = `${x - 22}px`;
  const plus = document.createElement("button"), minus = document.createElement("button");
  plus.textContent = "+";
  minus.textContent = "\u2212";
  plus.title = "Add a neuron";
  minus.title = "Remove a neuron";
  plus.onclick = () => resize(layer, +1);
  minus.onclick = () => resize(layer, -1);
  const act = document.createElement("select");
  act.className = "layer-activation";
  act.title = "This layer's activation";
  act.innerHTML = setup.choices.activations.map((a) => `<option>${a}</option>`).join("");
  act.value = settings.activations[layer];
  act.onchange = () => change({activations: settings.activations.map((a, i) => (i === layer ? act.value : a))});
  const count = document.createElement("div");
  count.className = "neuron-count";
  count.textContent = `${settings.layers[layer]} neuron${settings.layers[layer] === 1 ? "" : "s"}`;
  box.append(plus, minus, count, act);
  return box;
}

function resize(layer, delta) {
  const n = settings.layers[layer] + delta;
  if (n < 1 || n > setup.choices.max_neurons) return;
  change({layers: settings.layers.map((m, i) => (i === layer ? n : m))});
}

function toggleFeature(name) {
  const on = settings.features.includes(name);
  const features = on ? settings.features.filter((f) => f !== name) : [...settings.features, name];
  if (features.length) change({features});
}

function paintFeature(canvas, f) {
  const n = setup.neuron_grid, r = setup.radius, values = new Uint8Array(n * n);
  let max = 0;
  const raw = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const v = f(-r + (j + 0.5) * 2 * r / n, r - (i + 0.5) * 2 * r / n);
    raw.push(v);
    max = Math.max(max, Math.abs(v));
  }
  raw.forEach((v, k) => { values[k] = Math.round((v / (max || 1) + 1) * 127.5); });
  paint(canvas, values, n, false);
}

// ---- weights: value and gradient on hover, edited on click ------------------------------------------------
function weightOf(t) {
  const w = state && state.weights[t.layer];
  if (!w || (t.param === "b" && w.b[t.col] === undefined)) return null;  // a layer built without one
  return t.param === "b" ? [w.b[t.col], w.db[t.col]] : [w.W[t.row][t.col], w.dW[t.row][t.col]];
}

function showWeight(e, target) {
  const v = weightOf(target);
  if (!v) return;
  const tip = $("tooltip");
  tip.textContent = `${target.param === "b" ? "Bias" : "Weight"} ${v[0].toFixed(3)}  (gradient ${v[1].toPrecision(3)}); click to edit`;
  tip.style.left = `${e.pageX + 12}px`;
  tip.style.top = `${e.pageY + 12}px`;
  tip.hidden = false;
}

function hideTooltip() { $("tooltip").hidden = true; }

function editWeight(e, target) {
  const v = weightOf(target);
  if (!v) return;
  const editor = $("editor");
  editing = target;
  editor.style.left = `${e.pageX}px`;
  editor.style.top = `${e.pageY}px`;
  editor.hidden = false;
  $("editor-value").value = v[0].toFixed(3);
  $("editor-value").focus();
  $("editor-value").select();
}

// ---- drawing a state -------------------------------------------------------------------------------------
function draw() {
  drawPending = false;
  if (!state || !setup) return;
  $("epoch").textContent = String(state.epoch).padStart(6, "0").replace(/(\d{3})(\d{3})$/, "$1,$2");
  $("play").innerHTML = state.playing ? "&#x275A;&#x275A;" : "&#x25B6;";
  $("play").classList.toggle("playing", state.playing);
  $("message").textContent = state.message;
  $("train-loss").textContent = formatLoss(state.train_loss);
  $("test-loss").textContent = formatLoss(state.test_loss);
  const last = curve.train.length ? curve.train.at(-1)[0] : -1;
  if (state.epoch < last) curve = {train: [], test: []};
  if (state.epoch !== last && state.train_loss !== null) {
    curve.train.push([state.epoch, state.train_loss]);
    curve.test.push([state.epoch, state.test_loss]);
  }
  drawCurve();
  drawSurface();
  const out = state.output;
  paint($("heatmap"), decode(out.values), setup.grid, settings.discretize, out.labels ? decode(out.labels) : null);
  const many = out.nodes.length > 1, cells = setup.neuron_grid * setup.neuron_grid;
  (nodes.at(-1) || []).forEach((n, k) => {  // with several classes, each unit in its class's colour
    if (out.nodes[k]) paint(n.canvas, decode(out.nodes[k]), setup.neuron_grid, settings.discretize,
                            many ? new Uint8Array(cells).fill(k) : null);
  });
  state.neurons.forEach((layer, c) => layer.forEach((b64, i) => {
    const n = nodes[c + 1] && nodes[c + 1][i];
    if (n) paint(n.canvas, decode(b64), setup.neuron_grid, false);
  }));
  let biggest = 1e-9;
  for (const w of state.weights) for (const row of w.W) for (const v of row) biggest = Math.max(biggest, Math.abs(v));
  for (const link of links) {
    const w = state.weights[link.layer];
    if (!w) { link.el.style.stroke = "#bbb"; link.el.style.strokeDasharray = "3 3"; continue; }  // fixed: no weight
    const v = w.W[link.row][link.col];
    link.el.style.stroke = v >= 0 ? "#0877bd" : "#f59322";
    link.el.style.strokeWidth = String(0.3 + 6 * Math.abs(v) / Math.max(biggest, 1));
  }
}

function drawCurve() {
  const canvas = $("curve"), ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const all = curve.train.concat(curve.test).map((p) => p[1]).filter((v) => v !== null);
  if (all.length < 2) return;
  const top = Math.max(...all), first = curve.train[0][0], span = Math.max(1, curve.train.at(-1)[0] - first);
  for (const [points, colour] of [[curve.test, "#000"], [curve.train, "#999"]]) {
    ctx.beginPath();
    points.forEach(([e, v], k) => {
      const x = (e - first) / span * (w - 2) + 1, y = h - 2 - (v / top) * (h - 4);
      k ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
}

function formatLoss(v) {
  return v === null ? "\u2013" : Math.abs(v) < 1000 ? v.toFixed(3) : v.toExponential(2);
}

let path = [];  // the (wh, bo) visited, for the one-neuron example's loss surface

function drawSurface() {
  const panel = $("surface-panel"), surface = setup.surface;
  panel.hidden = !surface;
  if (!surface) return;
  if (state.epoch === 0) path = [];
  const last = path.at(-1);
  if (!last || last[0] !== state.surface_point[0] || last[1] !== state.surface_point[1]) path.push(state.surface_point);
  const canvas = $("surface"), ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  if (!drawSurface.image || drawSurface.source !== surface) {  // the surface itself: once per setup
    const small = document.createElement("canvas");
    paint(small, decode(surface.values), surface.width, false);
    drawSurface.image = small;
    drawSurface.source = surface;
  }
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(drawSurface.image, 0, 0, surface.width, surface.height, 0, 0, w, h);
  const [a0, a1] = surface.wh, [b0, b1] = surface.bo;
  ctx.fillStyle = "#fff";
  ctx.strokeStyle = "#333";
  for (const [a, b] of path) {
    ctx.beginPath();
    ctx.arc((a - a0) / (a1 - a0) * w, (b1 - b) / (b1 - b0) * h, 3, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
  ctx.fillStyle = "#333";
  ctx.font = "11px sans-serif";
  ctx.fillText(`w\u2095 ${a0} \u2026 ${a1}`, 4, h - 4);
  ctx.fillText(`b\u2092 ${b0} \u2026 ${b1}`, 4, 12);
}

function drawPoints() {
  if (!setup) return;
  const canvas = $("points"), ctx = canvas.getContext("2d"), size = canvas.width, r = setup.radius;
  ctx.clearRect(0, 0, size, size);
  const parts = [["train", "#fff"]].concat(settings.show_test ? [["test", "#000"]] : []);
  for (const [part, edge] of parts) {
    for (const [x, y, label] of setup.points[part]) {
      let fill;
      if (setup.problem === "regression") {
        const v = Math.round((Math.max(-1, Math.min(1, label)) + 1) * 127.5);
        fill = `rgb(${PALETTE[v * 3]},${PALETTE[v * 3 + 1]},${PALETTE[v * 3 + 2]})`;
      } else if (setup.classes.length === 2) {
        fill = label ? "#0877bd" : "#f59322";
      } else {
        const c = CLASS_COLOURS[label % CLASS_COLOURS.length];
        fill = `rgb(${c[0]},${c[1]},${c[2]})`;
      }
      ctx.beginPath();
      ctx.arc((x + r) / (2 * r) * size, (r - y) / (2 * r) * size, 7, 0, 2 * Math.PI);
      ctx.fillStyle = fill;
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = edge;
      ctx.stroke();
    }
  }
}

function drawLegend() {
  const legend = $("legend");
  if (setup.problem === "regression" || setup.classes.length === 2) {
    const [low, high] = setup.problem === "regression" ? ["\u22121", "+1"] :
      [`class ${setup.classes[0]}`, `class ${setup.classes[1]}`];
    legend.innerHTML = `<span>${low}</span><span class="scale"></span><span>${high}</span>`;
  } else {
    legend.innerHTML = setup.classes.map((c, k) => {
      const [r, g, b] = CLASS_COLOURS[k % CLASS_COLOURS.length];
      return `<span class="swatch" style="background:rgb(${r},${g},${b})"></span><span>class ${c}</span>`;
    }).join(" ");
  }
}

start().catch(showError);
