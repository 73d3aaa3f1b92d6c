// threadtree.widget.ThreadWidget: the page side (an anywidget front-end module, which
// threadtree.widget makes of serve/static/lanes.js, the tree's drawing, followed by this
// file). The state lives in Python; this draws it and asks for moves. Every text from the
// database is hostile: it reaches the DOM only through textContent and text nodes, never as
// markup, and no link is ever made from it.

const KEYS = {
  ArrowUp: "parent", k: "parent", ArrowDown: "child", j: "child",
  ArrowLeft: "previous", h: "previous", ArrowRight: "next", l: "next", n: "branch", r: "refresh",
};

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child == null) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function render({ model, el: root }) {
  const select = (id) => {
    if (id == null) return;
    model.set("selected", id);
    model.save_changes();
  };
  const move = (to) => model.send({ move: to });

  const title = el("span", { class: "tt-title" });
  const counts = el("span", { class: "tt-counts" });
  const buttons = el("span", { class: "tt-moves" }, ...[
    ["↑", "parent", "parent (k)"], ["↓", "child", "child (j)"], ["←", "previous", "previous sibling (h)"],
    ["→", "next", "next sibling (l)"], ["⤓", "branch", "next branch point (n)"], ["⟳", "refresh", "read again (r)"],
  ].map(([text, to, help]) => el("button", { type: "button", title: help, text, onclick: () => move(to) })));
  const message = el("span", { class: "tt-message" });
  const tree = el("div", { class: "tt-tree" });
  const reader = el("div", { class: "tt-reader" });
  const detail = el("div", { class: "tt-detail" });
  const box = el("div", { class: "threadtree-widget", tabindex: "0" },
    el("div", { class: "tt-head" }, title, counts, buttons, message),
    el("div", { class: "tt-body" }, tree, reader, detail));
  box.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const to = KEYS[event.key];
    if (!to) return;
    event.preventDefault();
    event.stopPropagation();  // the notebook's own shortcuts stay out of it
    move(to);
  });
  root.replaceChildren(box);

  function drawHead() {
    const t = (model.get("thread") || {}).thread || {};
    title.textContent = t.title || t.id || "";
    counts.textContent = `${count(t.entry_count || 0, "entry", "entries")} · ${count(t.leaf_count || 0, "leaf", "leaves")}`;
    message.textContent = model.get("message") || "";
  }

  function drawTree() {
    const plan = model.get("tree") || {};
    const selected = model.get("selected");
    const picture = drawLanes(plan, {
      prefix: "tt-",
      marks: (b) => (b.kind === "entry" && b.id === selected ? " selected" : ""),
      click: (b) => select(b.id),
    });
    tree.replaceChildren(picture);
  }

  function drawReader() {
    const path = model.get("path") || {};
    const selected = model.get("selected");
    const leaf = path.current_leaf_id;
    const entries = (path.entries || []).map((e) => {
      const head = el("div", { class: "tt-entry-head" }, el("span", { text: `[${e.id}]` }), el("span", { class: "tt-role", text: e.role }));
      if (e.branch) head.append(el("span", { class: "tt-branch", text: `< ${e.branch.position}/${e.branch.count} >` }));
      for (const name of e.labels || []) head.append(el("span", { class: "tt-label", text: `#${name}` }));
      if (e.hidden) head.append(el("span", { text: "(hidden)" }));
      if (e.id === leaf) head.append(el("span", { class: "tt-branch", text: "● live leaf" }));
      const node = el("div", {
        class: `tt-entry${e.hidden ? " hidden" : ""}${e.id === selected ? " selected" : ""}`, "data-id": String(e.id), dir: "auto",
        onclick: () => select(e.id),
      }, head, el("div", { class: "tt-content", dir: "auto", text: e.content }));
      return node;
    });
    if (path.more_above) entries.unshift(el("div", { class: "tt-note", text: "… earlier entries above (select one in the tree)" }));
    reader.replaceChildren(...entries);
    const chosen = reader.querySelector(".tt-entry.selected");
    if (chosen && chosen.scrollIntoView) chosen.scrollIntoView({ block: "nearest" });
  }

  function drawDetail() {
    const d = model.get("detail") || {};
    const e = d.entry;
    if (!e) { detail.replaceChildren(); return; }
    const rows = [["entry", String(e.id)], ["role", e.role], ["depth", String(e.depth)]];
    if (d.branch) rows.push(["branch", `${d.branch.position} of ${d.branch.count}`]);
    if ((d.labels || []).length) rows.push(["labels", d.labels.join(", ")]);
    rows.push(["children", String(d.child_count)]);
    const parts = [el("dl", {}, ...rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { dir: "auto", text: v })]))];
    if (e.usage) parts.push(el("pre", { class: "tt-json", text: JSON.stringify(e.usage, null, 2) }));
    if ((d.tool_calls || []).length) parts.push(el("pre", { class: "tt-json", text: JSON.stringify(d.tool_calls, null, 2) }));
    parts.push(el("pre", { class: "tt-json", text: JSON.stringify(e.item, null, 2) }));
    detail.replaceChildren(...parts);
  }

  const drawAll = () => { drawHead(); drawTree(); drawReader(); drawDetail(); };
  const handlers = [
    ["change:thread change:message", drawHead],
    ["change:tree change:selected", drawTree],
    ["change:path change:selected", drawReader],
    ["change:detail", drawDetail],
  ];
  for (const [events, handler] of handlers) model.on(events, handler);
  drawAll();
  return () => { for (const [events, handler] of handlers) model.off(events, handler); };
}

export default { render };
