// The tree drawn in lanes as SVG, for both front ends: the page of `threadtree serve` loads it
// as a script before app.js, and the notebook widget's module is this file followed by
// widget.js (threadtree.widget reads both). The plan (boxes, edges, lanes, levels) is made in
// Python (threadtree.lanes); this only places it. Every text from the database is hostile: a
// label reaches the SVG through textContent only.

const LANE = 150, ROW = 34, BOX_W = 136, BOX_H = 24;

function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;

// The <svg> of a plan. look.prefix starts the classes of edges and boxes ("" on the page,
// "tt-" in the widget, whose styles live among a notebook's); look.marks(box) gives a box's
// extra classes, look.before(box) what its label starts with, look.click and look.dblclick
// (entries only) what a click on a box does.
function drawLanes(plan, look) {
  const boxes = plan.boxes || [];
  const where = new Map(boxes.map((b) => [b.key, b]));
  const picture = svg("svg", { width: (plan.lanes || 1) * LANE + 10, height: (plan.levels || 1) * ROW + 10, role: "img", "aria-label": "the tree" });
  const cx = (b) => 5 + b.x * LANE + BOX_W / 2, top = (b) => 5 + b.y * ROW;
  for (const e of plan.edges || []) {
    const a = where.get(e.from), b = where.get(e.to);
    if (!a || !b) continue;
    const y0 = top(a) + BOX_H, y1 = top(b), mid = (y0 + y1) / 2;
    const d = a.x === b.x ? `M${cx(a)},${y0} V${y1}` : `M${cx(a)},${y0} V${mid} H${cx(b)} V${y1}`;
    picture.append(svg("path", { d, class: `${look.prefix}edge` + (e.live ? " live" : "") }));
  }
  for (const b of boxes) {
    const marks = `${b.live ? " live" : ""}${b.tip ? " tip" : ""}${b.hidden ? " hidden" : ""}${look.marks ? look.marks(b) : ""}`;
    const g = svg("g", { class: `${look.prefix}box ${b.kind}${marks}`, "data-key": b.key, "data-id": String(b.id), transform: `translate(${5 + b.x * LANE},${top(b)})` });
    g.append(svg("rect", { width: BOX_W, height: BOX_H, rx: 4 }));
    const label = b.kind === "entry" ? `${look.before ? look.before(b) : ""}${b.id} ${b.role}: ${b.preview}`
      : b.kind === "run" ? `… ${count(b.count, "entry", "entries")}` : `… ${b.count} more`;
    const text = svg("text", { x: 5, y: 16 });
    text.textContent = label.length > 24 ? label.slice(0, 23) + "…" : label;
    const title = svg("title");
    title.textContent = label;
    g.append(text, title);
    if (look.click) g.addEventListener("click", () => look.click(b));
    if (look.dblclick && b.kind === "entry") g.addEventListener("dblclick", () => look.dblclick(b));
    picture.append(g);
  }
  return picture;
}
