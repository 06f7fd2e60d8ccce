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
    drillModel(m);
    for (let i = 0; i < n; i++) {
      m.users.push([]);
      m.indexOfId.set(String(d.ids[i]), i);
    }
    resolve(m);
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


  // ---- drill down: folded nodes opened in place (gradviz::page::parts) ----
  // Each part is a node standing for many values, with the drawing it opens to (laid out by
  // gradviz, in points from its top left). An opened part's frame takes its node's place;
  // what lies past the node in its drawing (below it, right of it) moves by the growth, so
  // nothing that stays changes order, and what lies before it stays where it was.
  const HEADER = 22;
  function drillModel(m) {
    const d = m.d;
    m.parts = (d.parts || []).map((p) => Object.assign({}, p, { parent: p.parent === null ? -1 : p.parent }));
    m.open = new Uint8Array(m.parts.length);
    // By value: the innermost part whose drawing draws it (or whose node stands for it).
    m.home = new Int32Array(d.ids.length).fill(-1);
    m.partOfNode = new Map();
    m.parts.forEach((p, k) => {
      if (p.drawing) for (const i of p.drawing.own) m.home[i] = k;
      else if (p.repeat) for (const unit of p.repeat.units) for (const i of unit) m.home[i] = k;
      else for (const i of p.members || []) m.home[i] = k;
    });
    // Parts are listed parents first, so a value's innermost part comes last.
    m.drawings = [{ container: null, frame: null, items: null, size: null, part: -1 }];
    // By "drawing:value": the part whose node that value names in that drawing.
    m.partAt = new Map(m.parts.map((p, k) => [p.parent + ":" + p.holder, k]));
    m.crossing = [];
    m.svg = m.figure.querySelector("svg");
    m.graph = m.svg.querySelector("g.graph");
    const v = m.svg.viewBox.baseVal;
    m.base = { w: v.width, h: v.height, pw: parseFloat(m.svg.getAttribute("width")), ph: parseFloat(m.svg.getAttribute("height")) };
  }
  const namespace = (d, p) => (p < 0 ? d.prefix : d.prefix + "-" + NAMES.part + p);
  const nodeOfPart = (m, k) => $(namespace(m.d, m.parts[k].parent) + "-" + valueName(m.d.ids[m.parts[k].holder]));
  const opens = (m, k) => !!(m.parts[k].drawing || m.parts[k].repeat);
  // The size of part k's drawing as gradviz laid it out, in points.
  const sizeOf = (m, k) => m.parts[k].drawing || m.parts[k].repeat;

  // Which element draws each value now: its own record when every part around it is open,
  // else the node of the outermost closed part around it.
  function resolve(m) {
    const d = m.d;
    const n = d.ids.length;
    m.indexOfGroup = new Map();
    m.partOfNode = new Map();
    m.ns = new Array(n);
    for (let i = 0; i < n; i++) {
      const chain = [];
      for (let p = m.home[i]; p >= 0; p = m.parts[p].parent) chain.push(p);
      let drawnBy = -1;
      for (let c = chain.length - 1; c >= 0; c--) if (!m.open[chain[c]]) { drawnBy = chain[c]; break; }
      let own = drawnBy < 0;
      if (own && m.home[i] >= 0 && !opens(m, m.home[i])) own = false;
      if (own && m.home[i] < 0 && m.folded[i] >= 0) {
        // A value folded in the figure with no part (a node too large to draw) stays there.
        own = false;
      }
      if (own) {
        const ns = namespace(d, m.home[i]);
        m.ns[i] = ns;
        m.group[i] = $(ns + "-" + valueName(d.ids[i]));
        m.opGroup[i] = $(ns + "-" + opName(d.ids[i]));
        m.gradText[i] = $(ns + "-" + gradName(d.ids[i]));
      } else {
        m.ns[i] = null;
        m.group[i] = drawnBy >= 0 ? nodeOfPart(m, drawnBy) : element(d, valueName(d.ids[d.groups[m.folded[i]].holder]));
        m.opGroup[i] = null;
        m.gradText[i] = null;
      }
      for (const group of [m.group[i], m.opGroup[i]]) if (group && !m.indexOfGroup.has(group.id)) m.indexOfGroup.set(group.id, i);
      m.shown[i] = "";
    }
    m.parts.forEach((p, k) => {
      const parentOpen = p.parent < 0 || m.open[p.parent];
      const node = parentOpen ? nodeOfPart(m, k) : null;
      if (node) m.partOfNode.set(node.id, k);
    });
  }

  // The frame of part k, made the first time it opens: a titled box holding its drawing.
  function frameOf(m, k) {
    const draw = m.drawings[k + 1];
    if (draw) return draw;
    const p = m.parts[k];
    const svgNS = "http://www.w3.org/2000/svg";
    const frame = document.createElementNS(svgNS, "g");
    frame.setAttribute("class", "gv-part");
    frame.id = namespace(m.d, k);
    const rect = document.createElementNS(svgNS, "rect");
    rect.setAttribute("class", "gv-frame");
    rect.setAttribute("width", sizeOf(m, k).width);
    rect.setAttribute("height", sizeOf(m, k).height + HEADER);
    const title = document.createElementNS(svgNS, "text");
    title.setAttribute("class", "gv-frame-title");
    title.setAttribute("x", 6);
    title.setAttribute("y", 15);
    title.textContent = "\u25be " + p.title + "  (click to fold)";
    const body = document.createElementNS(svgNS, "g");
    body.setAttribute("transform", "translate(0," + HEADER + ")");
    if (p.drawing) body.innerHTML = p.drawing.svg;
    else body.appendChild(unitsDrawing(m, k));
    frame.append(rect, title, body);
    const parent = p.parent < 0 ? m.graph : frameOf(m, p.parent).container;
    parent.appendChild(frame);
    const container = body.firstElementChild;
    const entry = { frame: frame, container: container, items: null, part: k };
    m.drawings[k + 1] = entry;
    return entry;
  }

  // The drawing of part k, a repeated computation's other units: a copy of its first
  // unit's drawing (in part p.repeat.template) for each, in rows, each captioned with its
  // number; the copies' elements are named after their own values, their records show
  // their own labels and data (written by gradviz), and the replay writes their grads.
  function unitsDrawing(m, k) {
    const d = m.d;
    const r = m.parts[k].repeat;
    const svgNS = "http://www.w3.org/2000/svg";
    const template = document.createElementNS(svgNS, "g");
    template.innerHTML = m.parts[r.template].drawing.svg;
    const wrapper = template.firstElementChild;
    const from = namespace(d, r.template);
    const to = namespace(d, k);
    const position = new Map(r.first.map((i, q) => [String(d.ids[i]), q]));
    // The first unit's nodes and edges: every value they name is one of its values.
    const names = (el) => el.id.slice(from.length + 1).match(/v\d+/g) || [];
    const kept = Array.from(wrapper.children).filter((el) => el.id.startsWith(from + "-") &&
      names(el).every((v) => position.has(v.slice(NAMES.value.length))));
    const out = wrapper.cloneNode(false);
    r.units.forEach((unit, j) => {
      const cell = document.createElementNS(svgNS, "g");
      const x = (j % r.columns) * r.cell[0], y = Math.floor(j / r.columns) * r.cell[1];
      cell.setAttribute("transform", "translate(" + (x - r.origin[0]) + "," + (y - r.origin[1] + r.caption) + ")");
      const caption = document.createElementNS(svgNS, "text");
      caption.setAttribute("class", "gv-unit-title");
      caption.setAttribute("x", r.origin[0]);
      caption.setAttribute("y", r.origin[1] - 6);
      caption.textContent = "unit " + (r.number + j);
      cell.appendChild(caption);
      const renumber = (text) => text.replace(/v(\d+)/g, (v, id) => NAMES.value + d.ids[unit[position.get(id)]]);
      for (const el of kept) {
        const copy = el.cloneNode(true);
        for (const named of [copy, ...copy.querySelectorAll("[id]")]) named.id = to + "-" + renumber(named.id.slice(from.length + 1));
        for (const title of copy.querySelectorAll("title")) title.textContent = renumber(title.textContent);
        cell.appendChild(copy);
      }
      unit.forEach((i, q) => {
        const record = cell.querySelector("#" + CSS.escape(to + "-" + valueName(d.ids[i])));
        const texts = record ? record.querySelectorAll("text") : [];
        if (texts.length !== 3) return;
        texts[0].textContent = d.labels[i];
        texts[1].textContent = "data " + r.data[j][q];
      });
      out.appendChild(cell);
    });
    return out;
  }

  // The nodes and edges drawn directly in a drawing, with their boxes as laid out.
  function itemsOf(container) {
    const items = [];
    for (const el of container.children) {
      // A cluster (the legend, a group's box) moves as one.
      // Marks add classes (gv-match, gv-path): the kind is one class among them.
      const cls = ["node", "edge", "cluster"].find((c) => el.classList.contains(c));
      if (!cls) continue;
      const b = el.getBBox();
      const item = { el: el, kind: cls, box: { x: b.x, y: b.y, w: b.width, h: b.height } };
      // A cluster's box grows around a node opened inside it: its far corner moves as the
      // items past the opened node do.
      const shape = cls === "cluster" ? el.querySelector("polygon") : null;
      if (shape) {
        const s = shape.getBBox();
        item.shape = { el: shape, points: shape.getAttribute("points"), x: s.x, y: s.y, w: s.width, h: s.height };
      }
      items.push(item);
    }
    return items;
  }

  // Lays every drawing out again from its own layout and the parts open in it, innermost
  // first (parts come after their parents), then sizes the figure.
  function relayout(m) {
    const d = m.d;
    const horizontal = d.rankdir === "LR" || d.rankdir === "RL";
    const sizes = new Map();
    m.crossing = [];
    for (let k = m.parts.length - 1; k >= -1; k--) {
      if (k >= 0 && !(m.open[k] && (m.parts[k].parent < 0 || m.open[m.parts[k].parent]))) {
        if (k >= 0 && m.drawings[k + 1]) m.drawings[k + 1].frame.style.display = "none";
        continue;
      }
      const draw = k < 0 ? m.drawings[0] : frameOf(m, k);
      if (k < 0) draw.container = m.graph;
      if (!draw.items) draw.items = itemsOf(draw.container);
      if (k >= 0) draw.frame.style.display = "";
      const grown = layDrawing(m, k, draw, sizes, horizontal);
      if (k >= 0) {
        const p = sizeOf(m, k);
        sizes.set(k, { w: p.width + grown.w, h: p.height + HEADER + grown.h });
        draw.frame.querySelector("rect.gv-frame").setAttribute("width", p.width + grown.w);
        draw.frame.querySelector("rect.gv-frame").setAttribute("height", p.height + HEADER + grown.h);
      } else {
        const w = m.base.w + grown.w;
        const h = m.base.h + grown.h;
        const v = m.svg.viewBox.baseVal;
        m.svg.setAttribute("viewBox", v.x + " " + v.y + " " + w + " " + h);
        m.svg.setAttribute("width", (m.base.pw * w) / m.base.w + "pt");
        m.svg.setAttribute("height", (m.base.ph * h) / m.base.h + "pt");
      }
    }
    resolve(m);
    cross(m, horizontal);
  }

  // Places the open parts of drawing k (-1: the figure) and moves what comes after them;
  // returns how much the drawing grew.
  function layDrawing(m, k, draw, sizes, horizontal) {
    const ns = namespace(m.d, k);
    const items = draw.items;
    for (const it of items) { it.dx = 0; it.dy = 0; it.fx = 0; it.fy = 0; }
    const byId = new Map(items.map((it) => [it.el.id, it]));
    const opened = [];
    m.parts.forEach((p, c) => {
      if (p.parent === k && m.open[c] && sizes.has(c)) {
        const node = byId.get(ns + "-" + valueName(m.d.ids[p.holder]));
        if (node) opened.push({ part: c, node: node });
      }
    });
    opened.sort((a, b) => (a.node.box.y - b.node.box.y) || (a.node.box.x - b.node.box.x));
    const grown = { w: 0, h: 0 };
    for (const { part, node } of opened) {
      const size = sizes.get(part);
      const b = { x: node.box.x + node.dx, y: node.box.y + node.dy, w: node.box.w, h: node.box.h };
      const along = horizontal ? Math.max(0, size.w - b.w) : Math.max(0, size.h - b.h);
      const beside = horizontal ? Math.max(0, size.h - b.h) : Math.max(0, size.w - b.w);
      for (const it of items) {
        if (it === node) continue;
        const x = it.box.x + it.dx, y = it.box.y + it.dy;
        // Everything past the node's far side on an axis moves by the growth along it:
        // one step in each axis, so no two items change order.
        if (x >= b.x + b.w - 0.5) it.dx += horizontal ? along : beside;
        if (y >= b.y + b.h - 0.5) it.dy += horizontal ? beside : along;
        if (!it.shape) continue;
        const far = { x: it.shape.x + it.shape.w + it.fx, y: it.shape.y + it.shape.h + it.fy };
        if (far.x >= b.x + b.w - 0.5) it.fx += horizontal ? along : beside;
        if (far.y >= b.y + b.h - 0.5) it.fy += horizontal ? beside : along;
      }
      node.open = { part: part, x: b.x, y: b.y, w: Math.max(size.w, b.w), h: Math.max(size.h, b.h) };
      if (horizontal) { grown.w += along; grown.h += beside; } else { grown.h += along; grown.w += beside; }
    }
    for (const it of items) {
      if (it.kind === "edge") continue;
      it.el.style.display = it.open ? "none" : "";
      it.el.setAttribute("transform", it.dx || it.dy ? "translate(" + it.dx + "," + it.dy + ")" : "");
      if (it.shape) resize(it.shape, it.fx - it.dx, it.fy - it.dy);
      if (it.open) {
        const frame = m.drawings[it.open.part + 1].frame;
        frame.setAttribute("transform", "translate(" + it.open.x + "," + it.open.y + ")");
      }
    }
    rewire(m, ns, draw, byId, horizontal);
    for (const { node } of opened) node.open = null;
    for (const it of items) if (it.kind === "node" && !it.el.style.display) it.open = null;
    return grown;
  }

  // A cluster's box `shape` grown by (w, h) at its far corner, or as drawn.
  function resize(shape, w, h) {
    if (!w && !h) return shape.el.setAttribute("points", shape.points);
    const x0 = shape.x, y0 = shape.y, x1 = shape.x + shape.w + w, y1 = shape.y + shape.h + h;
    shape.el.setAttribute("points", [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]].join(" "));
  }

  // Edges whose two ends moved alike move with them; the others are drawn again as a curve
  // from box to box. An edge with an opened part at an end is left to `cross`, which draws
  // it to the nodes inside that it stands for.
  function rewire(m, ns, draw, byId, horizontal) {
    const svgNS = "http://www.w3.org/2000/svg";
    if (!draw.rewired) {
      draw.rewired = document.createElementNS(svgNS, "g");
      draw.rewired.setAttribute("class", "gv-rewired");
      draw.container.appendChild(draw.rewired);
    }
    draw.rewired.textContent = "";
    const end = (it) => ({ x: it.box.x + it.dx, y: it.box.y + it.dy, w: it.box.w, h: it.box.h, dx: it.dx, dy: it.dy });
    for (const it of draw.items) {
      if (it.kind !== "edge") continue;
      const names = it.el.id.slice(ns.length + 1).split(NAMES.edge);
      const tail = byId.get(ns + "-" + names[0]);
      const head = byId.get(ns + "-" + names[1]);
      it.el.style.display = "";
      it.el.setAttribute("transform", "");
      if (!tail || !head) continue;
      if (tail.open || head.open) {
        it.el.style.display = "none";
        m.crossing.push({ part: draw.part, tail: names[0], head: names[1] });
        continue;
      }
      const a = end(tail), b = end(head);
      if (a.dx === b.dx && a.dy === b.dy) {
        if (a.dx || a.dy) it.el.setAttribute("transform", "translate(" + a.dx + "," + a.dy + ")");
        continue;
      }
      it.el.style.display = "none";
      const path = curve(a, b, horizontal);
      path.dataset.edge = it.el.id;
      draw.rewired.appendChild(path);
    }
  }

  // A curve from box a's far side to box b's near side along the ranks, with an arrow.
  function curve(a, b, horizontal) {
    const from = horizontal ? [a.x + a.w, a.y + a.h / 2] : [a.x + a.w / 2, a.y + a.h];
    const to = horizontal ? [b.x, b.y + b.h / 2] : [b.x + b.w / 2, b.y];
    const bend = horizontal ? [(to[0] - from[0]) / 2, 0] : [0, (to[1] - from[1]) / 2];
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M" + from + " C" + [from[0] + bend[0], from[1] + bend[1]] + " " + [to[0] - bend[0], to[1] - bend[1]] + " " + to);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "black");
    path.setAttribute("marker-end", "url(#gv-arrow)");
    return path;
  }

  // A curve for an edge from outside a drawing into it (or out): as `curve`, except that a
  // node well to one side enters from that side, so the curve does not run down through
  // the nodes above its end (a sum's pieces one under another, each taking a term).
  function sideCurve(a, b, horizontal) {
    const off = (b.x + b.w / 2) - (a.x + a.w / 2);
    if (horizontal || b.y < a.y + a.h || Math.abs(off) <= b.w / 2) return curve(a, b, horizontal);
    const from = [a.x + a.w / 2, a.y + a.h];
    const to = [off > 0 ? b.x : b.x + b.w, b.y + b.h / 2];
    const path = curve(a, b, horizontal);
    path.setAttribute("d", "M" + from + " C" + [from[0], (from[1] + to[1]) / 2] + " " + [(from[0] + to[0]) / 2, to[1]] + " " + to);
    return path;
  }

  // The values an element of drawing `part` (-1: the figure) stands for, by its name there:
  // an op node its value; a part's node every value inside it; a folded group's node its
  // members; a record its value.
  function valuesOf(m, part, name) {
    const d = m.d;
    const op = name.endsWith(NAMES.op);
    const i = m.indexOfId.get(name.slice(NAMES.value.length, op ? name.length - NAMES.op.length : name.length));
    if (i === undefined) return [];
    if (op) return [i];
    const k = m.partAt.get(part + ":" + i);
    if (k !== undefined) return partValues(m, k);
    if (part < 0 && m.folded[i] >= 0 && d.groups[m.folded[i]].holder === i) return d.groups[m.folded[i]].members;
    return [i];
  }

  // Every value inside part k: its own records' and those of the parts within it.
  function partValues(m, k) {
    if (!m.inside) {
      m.inside = m.parts.map(() => []);
      for (let i = 0; i < m.home.length; i++) for (let p = m.home[i]; p >= 0; p = m.parts[p].parent) m.inside[p].push(i);
    }
    return m.inside[k];
  }

  // The edges into and out of opened parts, drawn to the nodes inside that draw the values
  // they join: an edge from the inputs into an opened layer goes to each neuron using them.
  // One curve per pair of nodes, over the figure, from where each is drawn now; a node
  // joined to more than FAN nodes of one opened drawing (the same input into each of 99
  // units) gets one thicker curve to that drawing's frame instead, titled with the count.
  const FAN = 8;
  function cross(m, horizontal) {
    const svgNS = "http://www.w3.org/2000/svg";
    if (!m.crossings) {
      m.crossings = document.createElementNS(svgNS, "g");
      m.crossings.setAttribute("class", "gv-crossings");
    }
    m.graph.appendChild(m.crossings);
    m.crossings.textContent = "";
    const d = m.d;
    const n = d.ids.length;
    if (!m.stamp) m.stamp = new Int32Array(n);
    const origin = m.graph.getCTM().inverse();
    const boxes = new Map();
    const boxOf = (el) => {
      if (boxes.has(el)) return boxes.get(el);
      const b = el.getBBox();
      const t = origin.multiply(el.getCTM());
      const box = { x: t.a * b.x + t.c * b.y + t.e, y: t.b * b.x + t.d * b.y + t.f, w: b.width * t.a, h: b.height * t.d };
      boxes.set(el, box);
      return box;
    };
    const pairs = new Map();
    let stamp = 0;
    for (const { part, tail, head } of m.crossing) {
      const from = valuesOf(m, part, tail);
      const to = valuesOf(m, part, head);
      stamp++;
      for (const o of from) m.stamp[o] = stamp;
      for (const h of to) {
        const toEl = m.opGroup[h] || m.group[h];
        if (!toEl) continue;
        for (const o of d.operands[h]) {
          if (m.stamp[o] !== stamp) continue;
          const fromEl = m.group[o];
          if (!fromEl || fromEl === toEl) continue;
          const key = fromEl.id + " " + toEl.id;
          if (!pairs.has(key)) pairs.set(key, [fromEl, toEl]);
        }
      }
    }
    // Fans first into a frame from one node, then out of a frame into one node.
    const frameOf = (el) => el.parentNode.closest("g.gv-part");
    const fans = (list, side) => {
      const groups = new Map();
      for (const pair of list) {
        const frame = frameOf(pair[side]);
        const key = pair[1 - side].id + " " + (frame ? frame.id : "");
        if (!groups.has(key)) groups.set(key, { frame: frame, pairs: [] });
        groups.get(key).pairs.push(pair);
      }
      const rest = [];
      for (const { frame, pairs: group } of groups.values()) {
        if (!frame || group.length <= FAN) { rest.push(...group); continue; }
        const ends = [group[0][0], group[0][1]];
        ends[side] = frame;
        const path = curve(boxOf(ends[0]), boxOf(ends[1]), horizontal);
        path.setAttribute("class", "gv-bundle");
        path.dataset.from = ends[0].id;
        path.dataset.to = ends[1].id;
        path.dataset.count = String(group.length);
        const title = document.createElementNS(svgNS, "title");
        title.textContent = group.length + " edges";
        path.appendChild(title);
        m.crossings.appendChild(path);
      }
      return rest;
    };
    for (const [fromEl, toEl] of fans(fans(Array.from(pairs.values()), 1), 0)) {
      const path = sideCurve(boxOf(fromEl), boxOf(toEl), horizontal);
      path.dataset.from = fromEl.id;
      path.dataset.to = toEl.id;
      m.crossings.appendChild(path);
    }
  }

  function arrowMarker(m) {
    if (m.svg.querySelector("#gv-arrow")) return;
    const defs = document.createElementNS("http://www.w3.org/2000/svg", "defs");
    defs.innerHTML = '<marker id="gv-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>';
    m.svg.insertBefore(defs, m.svg.firstChild);
  }

  // Opens part k (and the parts around it), or folds it with every part inside it.
  function setOpen(k, open) {
    const m = current;
    if (open) {
      for (let p = k; p >= 0; p = m.parts[p].parent) if (opens(m, p)) m.open[p] = 1;
    } else {
      m.open[k] = 0;
      for (let c = k + 1; c < m.parts.length; c++) if (m.parts[c].parent >= 0 && !m.open[m.parts[c].parent]) m.open[c] = 0;
    }
    arrowMarker(m);
    relayout(m);
    refreshDrawn();
  }

  // Opens exactly the parts in `list` and the parts around them (a link's `open=`).
  function openOnly(m, list) {
    const want = new Uint8Array(m.parts.length);
    for (const k of list) for (let p = k; p >= 0; p = m.parts[p].parent) if (opens(m, p)) want[p] = 1;
    if (want.every((v, k) => v === m.open[k])) return;
    m.open = want;
    arrowMarker(m);
    relayout(m);
  }

  // The open parts, innermost only (opening them opens the rest), for the fragment.
  function openList(m) {
    const inner = Uint8Array.from(m.open);
    m.parts.forEach((p, k) => { if (m.open[k] && p.parent >= 0) inner[p.parent] = 0; });
    const list = [];
    inner.forEach((v, k) => { if (v) list.push(k); });
    return list;
  }

  // Opens the parts around value i, so its own record is drawn.
  function reveal(i) {
    const m = current;
    let p = m.home[i];
    if (p < 0) return;
    if (!opens(m, p)) p = m.parts[p].parent;
    if (p < 0) return;
    const closed = [];
    for (let q = p; q >= 0; q = m.parts[q].parent) if (!m.open[q]) closed.push(q);
    if (closed.length) setOpen(p, true);
  }

  // After a part opens or folds: the grads, marks and selection on what is drawn now.
  function refreshDrawn() {
    grads = [];
    const step = state.step;
    state.step = -1;
    // The camera stays where the user put it: only the marks move to what is drawn now.
    quiet = true;
    goToStep(step, true);
    quiet = false;
    const selected = state.selected;
    if (selected >= 0) {
      mark("selected", "gv-selected", [current.group[selected]]);
      mark("path", "gv-path", pathElements(selected));
    }
    mark("match", "gv-match", state.matches.map((i) => current.group[i]));
  }
  let quiet = false;

  // What draws value i now, for the panel: the part its record is drawn in, or the node
  // standing for it.
  function drawnIn(i) {
    const m = current;
    if (m.ns[i]) return m.home[i] >= 0 ? m.parts[m.home[i]].title : null;
    const k = m.partOfNode.get(m.group[i] && m.group[i].id);
    if (k !== undefined) return m.parts[k].title;
    return m.folded[i] >= 0 ? current.d.groups[m.folded[i]].title : null;
  }

  // ---- state ----
  const state = { snapshot: 0, step: 0, sub: -1, selected: -1, matches: [], match: -1 };
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
    if (step !== state.step + 1 || !grads.length || state.sub >= 0) grads = gradsAt(step - 1);
    state.sub = -1;
    // What each change's value held before it, for the panel's "was → now".
    const was = [];
    if (step > 0) {
      for (const c of current.d.steps[step].changes) {
        was.push(grads[c.node].drawn);
        grads[c.node] = { drawn: c.drawn, full: c.full };
      }
    }
    state.step = step;
    writeGrads();
    showStep(was);
    if (state.selected >= 0) showNode();
    syncHash();
  }

  function writeGrads() {
    for (let i = 0; i < grads.length; i++) {
      const text = "grad " + grads[i].drawn;
      if (current.shown[i] !== text && current.gradText[i]) {
        current.gradText[i].textContent = text;
        current.shown[i] = text;
      }
    }
  }

  // A group step's local backwards, in runs drawn by one element now: where the group is
  // opened, the step goes through them one run at a time; null where one node draws them all.
  function runsOf(step) {
    const s = current.d.steps[step];
    if (!s || s.kind !== "group" || !s.inner) return null;
    const runs = [];
    for (const [node, changes] of s.inner) {
      const own = !!current.ns[node];
      const el = own ? current.opGroup[node] : current.group[node];
      const last = runs[runs.length - 1];
      if (last && last.el === el && !own) {
        last.count++;
        last.changes.push(...changes);
      } else runs.push({ el: el, node: node, own: own, count: 1, changes: changes.slice() });
    }
    return runs.length > 1 ? runs : null;
  }

  // Shows run `sub` of group step `step`: the grads as its last local backward left them.
  function goToSub(step, sub, keepPlaying) {
    if (!keepPlaying) stopPlaying();
    const runs = runsOf(step);
    // From the run before, or from the step before, only this run's grads change.
    const following = grads.length && ((state.step === step && state.sub === sub - 1) || (state.step === step - 1 && state.sub < 0 && sub === 0));
    if (!following) {
      grads = gradsAt(step - 1);
      for (let j = 0; j < sub; j++) for (const [n, drawn, full] of runs[j].changes) grads[n] = { drawn: drawn, full: full };
    }
    const was = [];
    for (const [n, drawn, full] of runs[sub].changes) {
      was.push(grads[n].drawn);
      grads[n] = { drawn: drawn, full: full };
    }
    state.step = step;
    state.sub = sub;
    writeGrads();
    showRun(runs, was);
    if (state.selected >= 0) showNode();
    syncHash();
  }

  function stepForward(keepPlaying) {
    const here = state.sub >= 0 ? runsOf(state.step) : null;
    if (here && state.sub + 1 < here.length) return goToSub(state.step, state.sub + 1, keepPlaying);
    if (state.step < lastStep() && runsOf(state.step + 1)) return goToSub(state.step + 1, 0, keepPlaying);
    goToStep(state.step + 1, keepPlaying);
  }

  function stepBack() {
    if (state.sub > 0) return goToSub(state.step, state.sub - 1);
    goToStep(state.step - 1);
  }

  function showRun(runs, was) {
    const d = current.d;
    const run = runs[state.sub];
    const [g] = d.steps[state.step].group;
    slider.max = String(lastStep());
    slider.value = String(state.step);
    $("gv-step-count").textContent = "step " + state.step + "." + (state.sub + 1) + " of " + lastStep();
    const active = [run.el];
    if (run.own) active.push(...opEdges(d, run.node, () => true));
    mark("active", "gv-active", active);
    if (!quiet) follow(run.el);
    mark("touched", "gv-touched", run.changes.map((c) => current.group[c[0]]));
    const where = "Step " + state.step + ", part " + (state.sub + 1) + " of " + runs.length + " inside the folded " + d.groups[g].title + ": ";
    $("gv-step-title").textContent = run.own && run.count === 1
      ? where + "the local backward of " + name(run.node) + " (" + d.ops[run.node] + ")."
      : where + run.count.toLocaleString("en-US") + " local backward" + (run.count === 1 ? "" : "s") + " inside " + (drawnIn(run.node) || "it") + ".";
    const list = $("gv-step-lines");
    list.textContent = "";
    // The chain rule where gradviz wrote it (a local backward of a value drawn in a part),
    // with what it did to the grad where that is drawn; else only what it did.
    run.changes.forEach(([n, drawn, , text], j) => {
      if (!text && !current.ns[n]) return;
      const li = document.createElement("li");
      const change = name(n) + ".grad: " + was[j] + " \u2192 " + drawn;
      if (text) {
        li.textContent = text;
        const span = document.createElement("span");
        span.className = "gv-was";
        span.textContent = "  (" + change + ")";
        li.appendChild(span);
      } else li.textContent = change;
      list.appendChild(li);
    });
    const hidden = run.changes.filter(([n, , , text]) => !text && !current.ns[n]).length;
    if (hidden) {
      const li = document.createElement("li");
      li.textContent = hidden.toLocaleString("en-US") + " grad" + (hidden === 1 ? "" : "s") + " of folded values changed (select one to read it).";
      list.appendChild(li);
    }
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
    if (kind === "local" && !quiet) follow(current.opGroup[node]);
    if (kind === "group" && !quiet) follow(current.group[node]);
    mark("touched", "gv-touched", changes.map((c) => current.group[c.node]));
    const title = $("gv-step-title");
    if (kind === "start") title.textContent = "Step 0: every grad is 0.";
    else if (kind === "seed") title.textContent = "Step " + state.step + ": backward() from " + name(node) + " starts: its grad is 1.";
    else if (kind === "group") {
      const [g, count] = d.steps[state.step].group;
      title.textContent = "Step " + state.step + ": " + count.toLocaleString("en-US") + " local backward" + (count === 1 ? "" : "s") +
        " inside the folded " + d.groups[g].title + ".";
    } else title.textContent = "Step " + state.step + ": the local backward of " + name(node) + " (" + d.ops[node] + ").";
    const list = $("gv-step-lines");
    list.textContent = "";
    // Grads of folded values are counted, not listed: no record draws them.
    const folded = changes.filter((c) => !c.text).length;
    if (folded) {
      const li = document.createElement("li");
      li.textContent = folded.toLocaleString("en-US") + " grad" + (folded === 1 ? "" : "s") + " of folded values changed (select one to read it).";
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
      stepForward(true);
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
    if (centre) reveal(i);
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
    const ns = current.ns[v];
    if (!ns) return [];
    const op = opName(d.ids[v]);
    const edges = [$(ns + "-" + edgeName(op, valueName(d.ids[v])))];
    for (const o of d.operands[v]) if (keep(o)) edges.push($(ns + "-" + edgeName(valueName(d.ids[o]), op)));
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
    const where = drawnIn(i);
    if (where !== null) add("drawn in", where);
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
    const frameTitle = e.target.closest("text.gv-frame-title");
    if (frameTitle) {
      const frame = frameTitle.parentNode;
      const k = Number(frame.id.slice(frame.id.lastIndexOf(NAMES.part) + NAMES.part.length));
      return setOpen(k, false);
    }
    const group = e.target.closest("g.node");
    if (!group) return select(-1);
    const part = current.partOfNode.get(group.id);
    if (part !== undefined && opens(current, part)) {
      setOpen(part, true);
      return centreOn(current.drawings[part + 1].frame.querySelector("text.gv-frame-title"), true);
    }
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
  $("gv-prev").addEventListener("click", () => stepBack());
  $("gv-next").addEventListener("click", () => stepForward(false));
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
      ArrowLeft: () => stepBack(),
      ArrowRight: () => stepForward(false),
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
  function showSnapshot(k, step, selected, open) {
    stopPlaying();
    for (const figure of canvas.querySelectorAll(".gv-figure")) figure.hidden = true;
    state.snapshot = k;
    current = model(k);
    current.figure.hidden = false;
    if (open) openOnly(current, open);
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
    const stale = $("gv-stale");
    stale.hidden = !d.stale;
    stale.textContent = d.stale
      ? "The data of " + d.stale.toLocaleString("en-US") + " values no longer follow from their operands: " +
        "they changed after the forward pass (an optimizer step such as p.data -= lr * p.grad after " +
        "backward() does this). The replay runs on the data as they are now, so its grads may differ " +
        "from the stored ones, which are not marked."
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
    const open = openList(current);
    if (open.length) hash += "&open=" + open.join(",");
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
    // Part numbers the page does not have (a link to another page) are left out.
    const open = (params.get("open") || "").split(",").filter((p) => /^\d+$/.test(p)).map(Number)
      .filter((p) => p < m.parts.length && opens(m, p));
    syncing = true;
    showSnapshot(k, step, selected, open);
    syncing = false;
    syncHash();
  }

  window.addEventListener("hashchange", readHash);
  readHash();
  document.documentElement.dataset.ready = "true";
  performance.mark("gradviz-ready");
})();
