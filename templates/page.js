// gradviz's page: pan and zoom, search, selection with gradient paths, and backward replayed
// step by step. Every number shown was written by gradviz (Rust); this script only swaps
// texts and classes. Nothing here recurses: graphs may be a million values deep.
"use strict";
(function () {
  const PAGE = JSON.parse(document.getElementById("gv-data").textContent);
  const DATA = PAGE.snapshots;
  const $ = (id) => document.getElementById(id);
  // Element names as gradviz writes them (gradviz::figure::ElementId): one grammar, sent
  // by Rust, prefixed per figure.
  const NAMES = PAGE.names;
  const valueName = (id) => NAMES.value + id;
  const opName = (id) => valueName(id) + NAMES.op;
  const gradName = (id) => valueName(id) + NAMES.grad;
  const edgeName = (tail, head) => tail + NAMES.edge + head;
  const element = (d, name) => $(d.prefix + "-" + name);
  const viewport = $("gv-viewport");
  const canvas = $("gv-canvas");
  const slider = $("gv-slider");

  // ---- per-snapshot model, built when a snapshot is first shown ----
  const models = [];
  function model(k) {
    if (models[k]) return models[k];
    const d = DATA[k];
    const n = d.ids.length;
    const m = {
      d: d,
      figure: $(d.prefix + "-figure"),
      group: new Array(n),
      opGroup: new Array(n),
      gradText: new Array(n),
      users: [],
      indexOfId: new Map(),
      indexOfGroup: new Map(),
      shown: new Array(n),
      // By value: the folded group drawing it (d.groups), or -1 for a record of its own.
      folded: new Int32Array(n).fill(-1),
    };
    d.groups.forEach((g, k) => { for (const i of g.members) m.folded[i] = k; });
    for (let i = 0; i < n; i++) {
      const own = m.folded[i] < 0;
      // A folded value is drawn by its group's summary node, named after the group's holder.
      m.group[i] = element(d, valueName(d.ids[own ? i : d.groups[m.folded[i]].holder]));
      m.opGroup[i] = own ? element(d, opName(d.ids[i])) : null;
      m.gradText[i] = own ? element(d, gradName(d.ids[i])) : null;
      m.users.push([]);
      m.indexOfId.set(String(d.ids[i]), i);
      for (const group of [m.group[i], m.opGroup[i]]) if (group && !m.indexOfGroup.has(group.id)) m.indexOfGroup.set(group.id, i);
      m.shown[i] = m.gradText[i] ? m.gradText[i].textContent : "";
    }
    for (let i = 0; i < n; i++) {
      const ops = d.operands[i];
      for (let j = 0; j < ops.length; j++) {
        const users = m.users[ops[j]];
        if (users[users.length - 1] !== i) users.push(i);
      }
    }
    models[k] = m;
    return m;
  }

  // ---- state ----
  const state = { snapshot: 0, step: 0, selected: -1, matches: [], match: -1 };
  let current = null; // the model of the shown snapshot
  let grads = []; // {drawn, full} texts of each value's grad at state.step
  const marked = { active: [], touched: [], path: [], match: [], selected: [] };

  function mark(kind, cls, elements) {
    for (const el of marked[kind]) el.classList.remove(cls);
    marked[kind] = elements.filter((el) => el);
    for (const el of marked[kind]) el.classList.add(cls);
  }

  // ---- the replay ----
  function lastStep() {
    return current.d.steps.length - 1;
  }

  function gradsAt(step) {
    const d = current.d;
    const out = d.ids.map(() => ({ drawn: d.zero, full: "0.0" }));
    for (let s = 1; s <= step; s++) {
      for (const c of d.steps[s].changes) out[c.node] = { drawn: c.drawn, full: c.full };
    }
    return out;
  }

  function goToStep(step, keepPlaying) {
    step = Math.max(0, Math.min(lastStep(), step | 0));
    if (!keepPlaying) stopPlaying();
    if (step !== state.step + 1 || !grads.length) grads = gradsAt(step - 1);
    // What each change's value held before it, for the panel's "was → now".
    const was = [];
    if (step > 0) {
      for (const c of current.d.steps[step].changes) {
        was.push(grads[c.node].drawn);
        grads[c.node] = { drawn: c.drawn, full: c.full };
      }
    }
    state.step = step;
    for (let i = 0; i < grads.length; i++) {
      const text = "grad " + grads[i].drawn;
      if (current.shown[i] !== text && current.gradText[i]) {
        current.gradText[i].textContent = text;
        current.shown[i] = text;
      }
    }
    showStep(was);
    if (state.selected >= 0) showNode();
    syncHash();
  }

  function showStep(was) {
    const d = current.d;
    const { kind, node, changes } = d.steps[state.step];
    slider.max = String(lastStep());
    slider.value = String(state.step);
    $("gv-step-count").textContent = "step " + state.step + " of " + lastStep();
    // The op node at work and its edges: operands → op → value.
    const active = [];
    if (kind === "local") active.push(current.opGroup[node], ...opEdges(d, node, () => true));
    if (kind === "group") active.push(current.group[node]);
    mark("active", "gv-active", active);
    if (kind === "local") follow(current.opGroup[node]);
    if (kind === "group") follow(current.group[node]);
    mark("touched", "gv-touched", changes.map((c) => current.group[c.node]));
    const title = $("gv-step-title");
    if (kind === "start") title.textContent = "Step 0: every grad is 0.";
    else if (kind === "seed") title.textContent = "Step " + state.step + ": backward() from " + name(node) + " starts: its grad is 1.";
    else if (kind === "group") {
      const [g, count] = d.steps[state.step].group;
      title.textContent = "Step " + state.step + ": " + count + " local backward" + (count === 1 ? "" : "s") +
        " inside the folded " + d.groups[g].title + ".";
    } else title.textContent = "Step " + state.step + ": the local backward of " + name(node) + " (" + d.ops[node] + ").";
    const list = $("gv-step-lines");
    list.textContent = "";
    // Grads of folded values are counted, not listed: no record draws them.
    const folded = changes.filter((c) => !c.text).length;
    if (folded) {
      const li = document.createElement("li");
      li.textContent = folded + " grad" + (folded === 1 ? "" : "s") + " of folded values changed (select one to read it).";
      list.appendChild(li);
    }
    changes.forEach((c, j) => {
      if (!c.text) return;
      const li = document.createElement("li");
      li.textContent = c.text;
      const span = document.createElement("span");
      span.className = "gv-was";
      span.textContent = "  (" + name(c.node) + ".grad: " + was[j] + " → " + c.drawn + ")";
      li.appendChild(span);
      list.appendChild(li);
    });
  }

  function name(i) {
    const label = current.d.labels[i];
    return label === "" ? "#" + current.d.ids[i] : label;
  }

  let timer = null;
  function stopPlaying() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    $("gv-play").textContent = "play";
  }
  function togglePlay() {
    if (timer !== null) return stopPlaying();
    if (state.step >= lastStep()) goToStep(0);
    $("gv-play").textContent = "pause";
    timer = setInterval(() => {
      if (state.step >= lastStep()) return stopPlaying();
      goToStep(state.step + 1, true);
    }, 700);
  }

  // ---- selection and gradient paths ----
  function select(i, centre) {
    state.selected = i;
    if (i < 0) {
      $("gv-node").hidden = true;
      mark("selected", "gv-selected", []);
      mark("path", "gv-path", []);
      syncHash();
      return;
    }
    mark("selected", "gv-selected", [current.group[i]]);
    mark("path", "gv-path", pathElements(i));
    showNode();
    if (centre) centreOn(current.group[i], centre === "if-hidden");
    syncHash();
  }

  // Every path from a root down to value i: the values i flows into (through users) that a
  // root reaches (through operands), with the op nodes and edges between them.
  function pathElements(target) {
    const d = current.d;
    const n = d.ids.length;
    const above = new Uint8Array(n);
    const stack = [target];
    above[target] = 1;
    while (stack.length) {
      const v = stack.pop();
      for (const u of current.users[v]) if (!above[u]) { above[u] = 1; stack.push(u); }
    }
    const reached = new Uint8Array(n);
    for (const r of d.roots) if (above[r] && !reached[r]) { reached[r] = 1; stack.push(r); }
    while (stack.length) {
      const v = stack.pop();
      for (const o of d.operands[v]) if (above[o] && !reached[o]) { reached[o] = 1; stack.push(o); }
    }
    const out = [];
    for (let v = 0; v < n; v++) {
      if (!reached[v]) continue;
      out.push(current.group[v]);
      if (v === target) continue;
      out.push(current.opGroup[v], ...opEdges(d, v, (o) => reached[o]));
    }
    return out;
  }

  // The edges through value v's op node: op → v, and operand → op for the operands kept.
  function opEdges(d, v, keep) {
    const op = opName(d.ids[v]);
    const edges = [element(d, edgeName(op, valueName(d.ids[v])))];
    for (const o of d.operands[v]) if (keep(o)) edges.push(element(d, edgeName(valueName(d.ids[o]), op)));
    return edges;
  }

  function showNode() {
    const d = current.d;
    const i = state.selected;
    $("gv-node").hidden = false;
    $("gv-node-title").textContent = "#" + d.ids[i];
    const fields = $("gv-node-fields");
    fields.textContent = "";
    const add = (term, value) => {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      if (typeof value === "string") dd.textContent = value;
      else dd.appendChild(value);
      dd.id = "gv-field-" + term.replace(/\W+/g, "-");
      fields.append(dt, dd);
    };
    add("label", d.labels[i] === "" ? "(none)" : d.labels[i]);
    if (current.folded[i] >= 0) add("drawn in", d.groups[current.folded[i]].title);
    add("op", d.ops[i] === "" ? "(leaf)" : d.ops[i]);
    add("data", d.data[i]);
    add("grad", grads[i].full);
    if (d.stored[i] !== grads[i].full) add("stored grad", d.stored[i]);
    add("operands", links(d.operands[i]));
    add("users", links(current.users[i]));
  }

  function links(indices) {
    const span = document.createElement("span");
    if (!indices.length) span.textContent = "none";
    indices.forEach((v, j) => {
      if (j) span.append(", ");
      const a = document.createElement("a");
      a.href = "#node=" + current.d.ids[v];
      a.dataset.node = String(v);
      a.textContent = name(v);
      span.appendChild(a);
    });
    return span;
  }

  // ---- search ----
  function search(query) {
    const q = query.trim().toLowerCase();
    const d = current.d;
    state.matches = [];
    if (q) for (let i = 0; i < d.labels.length; i++) if (d.labels[i].toLowerCase().includes(q)) state.matches.push(i);
    state.match = -1;
    mark("match", "gv-match", state.matches.map((i) => current.group[i]));
    $("gv-search-count").textContent = q ? state.matches.length + " found" : "";
  }

  function nextMatch(direction) {
    if (!state.matches.length) return;
    const count = state.matches.length;
    state.match = (state.match + direction + count) % count;
    select(state.matches[state.match], true);
    $("gv-search-count").textContent = state.match + 1 + " of " + count;
  }

  // ---- pan and zoom ----
  const view = { x: 0, y: 0, s: 1 };
  function applyView() {
    canvas.style.transform = "translate(" + view.x + "px," + view.y + "px) scale(" + view.s + ")";
  }
  // A camera move under way (following the replay), which any move of the user's ends.
  let glide = null;
  function stopGlide() {
    if (glide !== null) cancelAnimationFrame(glide);
    glide = null;
    document.documentElement.dataset.camera = "still";
  }
  // Moves the view to `to` over GLIDE_MS, eased, so the eye can follow where it goes.
  const GLIDE_MS = 300;
  function glideTo(to) {
    stopGlide();
    // While the page opens, the first view is placed at once.
    if (document.documentElement.dataset.ready !== "true") {
      Object.assign(view, to);
      applyView();
      return;
    }
    const from = { x: view.x, y: view.y, s: view.s };
    const start = performance.now();
    document.documentElement.dataset.camera = "moving";
    const frame = (now) => {
      const t = Math.min(1, (now - start) / GLIDE_MS);
      const e = t * t * (3 - 2 * t);
      // Scale is interpolated in log space, so zooming reads as steady.
      view.s = from.s * Math.pow(to.s / from.s, e);
      const k = (to.s - from.s) === 0 ? e : (view.s - from.s) / (to.s - from.s);
      view.x = from.x + (to.x - from.x) * k;
      view.y = from.y + (to.y - from.y) * k;
      applyView();
      if (t < 1) glide = requestAnimationFrame(frame);
      else { glide = null; document.documentElement.dataset.camera = "still"; }
    };
    glide = requestAnimationFrame(frame);
  }
  // Follows the replay's active element: when it is off screen, or drawn too small to read,
  // the view glides to centre it at the scale that draws labels READABLE_PX high (or the
  // scale the user chose, when larger). An element in view and readable leaves the view
  // alone, so the user's own pan and zoom hold while stepping through what they look at.
  function follow(el) {
    if (!el) return;
    const readable = labelPx() > 0 ? READABLE_PX / labelPx() : view.s;
    const box = el.getBoundingClientRect();
    const port = viewport.getBoundingClientRect();
    const inside = box.left >= port.left && box.right <= port.right && box.top >= port.top && box.bottom <= port.bottom;
    if (inside && view.s >= readable * 0.99) return;
    const s = Math.max(view.s, Math.min(readable, 8));
    // The element's centre in figure units (scale 1), then where the view puts it.
    const cx = (box.left + box.width / 2 - port.left - view.x) / view.s;
    const cy = (box.top + box.height / 2 - port.top - view.y) / view.s;
    glideTo({ s: s, x: port.width / 2 - cx * s, y: port.height / 2 - cy * s });
  }
  function zoomAt(factor, cx, cy) {
    stopGlide();
    const s = Math.max(0.02, Math.min(8, view.s * factor));
    view.x = cx - ((cx - view.x) * s) / view.s;
    view.y = cy - ((cy - view.y) * s) / view.s;
    view.s = s;
    applyView();
  }
  function zoomCentre(factor) {
    zoomAt(factor, viewport.clientWidth / 2, viewport.clientHeight / 2);
  }
  // The figure's size at scale 1, in CSS pixels.
  function figureSize() {
    const box = current.figure.querySelector("svg").getBoundingClientRect();
    return { w: box.width / view.s, h: box.height / view.s };
  }
  // Shows the figure at scale `s`: centred along each axis it fits in, else from its start
  // (left, top), where a figure is read from.
  function place(s) {
    stopGlide();
    const { w, h } = figureSize();
    const margin = (length, port) => (length * s <= port ? (port - length * s) / 2 : port * 0.02);
    view.s = s;
    view.x = margin(w, viewport.clientWidth);
    view.y = margin(h, viewport.clientHeight);
    applyView();
  }
  function fitScale() {
    const { w, h } = figureSize();
    return Math.min(viewport.clientWidth / w, viewport.clientHeight / h, 2) * 0.96;
  }
  function fit() {
    place(fitScale());
  }
  // A snapshot's first view: the whole figure, unless that draws its labels smaller than
  // READABLE_PX (the lecture neuron fitted in a laptop's window: about 8 px); then as small
  // as keeps them readable. Zooming out, or fitting (0), still shows it all.
  const READABLE_PX = 12;
  function firstView() {
    const scale = fitScale();
    const label = labelPx();
    place(label > 0 ? Math.max(scale, READABLE_PX / label) : scale);
  }
  // The size on screen, at scale 1, of the font of the figure's labels, in CSS pixels.
  function labelPx() {
    const svg = current.figure.querySelector("svg");
    const text = svg.querySelector("g.node text");
    const units = svg.viewBox.baseVal;
    if (!text || !units || !units.width) return 0;
    const size = parseFloat(getComputedStyle(text).fontSize);
    return (size * figureSize().w) / units.width;
  }
  function centreOn(el, onlyIfHidden) {
    if (!el) return;
    const box = el.getBoundingClientRect();
    const port = viewport.getBoundingClientRect();
    const inside = box.left >= port.left && box.right <= port.right && box.top >= port.top && box.bottom <= port.bottom;
    if (onlyIfHidden && inside) return;
    stopGlide();
    view.x += port.left + port.width / 2 - (box.left + box.width / 2);
    view.y += port.top + port.height / 2 - (box.top + box.height / 2);
    applyView();
  }

  viewport.addEventListener("wheel", (e) => {
    e.preventDefault();
    const port = viewport.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - port.left, e.clientY - port.top);
  }, { passive: false });

  let drag = null;
  viewport.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
  });
  window.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    stopGlide();
    viewport.classList.add("gv-dragging");
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    applyView();
  });
  window.addEventListener("pointerup", () => {
    viewport.classList.remove("gv-dragging");
    setTimeout(() => { drag = null; }, 0);
  });

  viewport.addEventListener("click", (e) => {
    if (drag && drag.moved) return;
    const group = e.target.closest("g.node");
    if (!group) return select(-1);
    const i = current.indexOfGroup.get(group.id);
    select(i === undefined ? -1 : i, false);
  });

  // Links to values: by index within the snapshot (data-node), or by id (data-id, the
  // tables of compare and check pages, which list ids).
  $("gv-panel").addEventListener("click", (e) => {
    const a = e.target.closest("a[data-node], a[data-id]");
    if (!a) return;
    e.preventDefault();
    const i = a.dataset.node !== undefined ? Number(a.dataset.node) : current.indexOfId.get(a.dataset.id);
    if (i !== undefined) select(i, true);
  });

  // ---- the controls ----
  $("gv-zoom-in").addEventListener("click", () => zoomCentre(1.25));
  $("gv-zoom-out").addEventListener("click", () => zoomCentre(0.8));
  $("gv-fit").addEventListener("click", fit);
  $("gv-first").addEventListener("click", () => goToStep(0));
  $("gv-prev").addEventListener("click", () => goToStep(state.step - 1));
  $("gv-next").addEventListener("click", () => goToStep(state.step + 1));
  $("gv-last").addEventListener("click", () => goToStep(lastStep()));
  $("gv-play").addEventListener("click", togglePlay);
  slider.addEventListener("input", () => goToStep(Number(slider.value)));
  $("gv-search").addEventListener("input", (e) => search(e.target.value));
  $("gv-search").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); nextMatch(e.shiftKey ? -1 : 1); }
  });
  $("gv-snapshot").addEventListener("change", (e) => showSnapshot(Number(e.target.value), null, -1));

  document.addEventListener("keydown", (e) => {
    const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    const keys = {
      ArrowLeft: () => goToStep(state.step - 1),
      ArrowRight: () => goToStep(state.step + 1),
      Home: () => goToStep(0),
      End: () => goToStep(lastStep()),
      "+": () => zoomCentre(1.25),
      "=": () => zoomCentre(1.25),
      "-": () => zoomCentre(0.8),
      "0": fit,
      Tab: () => {
        const n = current.d.ids.length;
        const i = state.selected;
        select(e.shiftKey ? (i <= 0 ? n - 1 : i - 1) : (i + 1) % n, "if-hidden");
      },
      Escape: () => select(-1),
    };
    const action = keys[e.key];
    if (!action || (e.key === "Tab" && e.target !== viewport && e.target !== document.body)) return;
    e.preventDefault();
    action();
  });

  // ---- snapshots and deep links ----
  function showSnapshot(k, step, selected) {
    stopPlaying();
    for (const figure of canvas.querySelectorAll(".gv-figure")) figure.hidden = true;
    state.snapshot = k;
    current = model(k);
    current.figure.hidden = false;
    $("gv-snapshot").value = String(k);
    grads = [];
    state.step = -1;
    state.selected = -1;
    for (const kind of Object.keys(marked)) mark(kind, "gv-" + kind, []);
    showMarks();
    if (!fitted[k]) { fitted[k] = true; firstView(); }
    goToStep(step === null ? current.d.start : step);
    if (selected >= 0) select(selected, "if-hidden");
    search($("gv-search").value);
  }
  const fitted = [];

  function showMarks() {
    const d = current.d;
    const unknown = $("gv-unknown");
    unknown.hidden = !d.unknown.length;
    unknown.textContent = d.unknown.length
      ? "Not replayed: the local backward of " + d.unknown.map((i) => name(i) + " (" + d.ops[i] + ")").join(", ") +
        ", an op gradviz does not know; the grads flowing through it are missing."
      : "";
    $("gv-marks").hidden = !d.marks.length;
    const body = $("gv-marks-table").tBodies[0];
    body.textContent = "";
    for (const { node: i, stored, replayed } of d.marks) {
      const row = body.insertRow();
      const a = document.createElement("a");
      a.href = "#node=" + d.ids[i];
      a.dataset.node = String(i);
      a.textContent = name(i);
      row.insertCell().appendChild(a);
      row.insertCell().textContent = stored;
      row.insertCell().textContent = replayed;
    }
  }

  let syncing = false;
  function syncHash() {
    if (syncing || !current) return;
    let hash = "#step=" + state.step;
    if (DATA.length > 1) hash = "#snapshot=" + (state.snapshot + 1) + "&" + hash.slice(1);
    if (state.selected >= 0) hash += "&node=" + current.d.ids[state.selected];
    if (location.hash === hash) return;
    try {
      history.replaceState(null, "", hash);
    } catch (e) {
      // A page with no address of its own (an iframe's srcdoc in a notebook's exported
      // HTML, opaque origin) cannot change it; the page works the same without.
    }
  }

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    let k = Number(params.get("snapshot") || 1) - 1;
    if (!(k >= 0 && k < DATA.length)) k = 0;
    const m = model(k);
    const raw = params.get("step");
    let step = null;
    if (raw === "end") step = m.d.steps.length - 1;
    else if (raw !== null && /^\d+$/.test(raw)) step = Number(raw);
    const node = params.get("node");
    const selected = node !== null && m.indexOfId.has(node) ? m.indexOfId.get(node) : -1;
    syncing = true;
    showSnapshot(k, step, selected);
    syncing = false;
    syncHash();
  }

  window.addEventListener("hashchange", readHash);
  readHash();
  document.documentElement.dataset.ready = "true";
  performance.mark("gradviz-ready");
})();
