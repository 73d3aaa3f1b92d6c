// threadtree serve: the page. Every text from the database is hostile: it reaches the DOM
// only through textContent and createTextNode, never as markup (no innerHTML with data), and
// no link is ever made from it. The server's Content-Security-Policy forbids inline script.
"use strict";

const S = {
  config: { write: false, token: null },
  threadsOffset: 0, threadSearch: "",
  threadId: null, thread: null, labels: [],
  view: null,          // {tip, entries, more_above, current_leaf_id}
  selected: null,      // entry id
  detail: null,        // the selected entry's /api/entry answer
  visited: new Map(),  // parent id -> the child last visited under it
  marked: null,        // entry id marked for compare
  closed: new Set(),   // entry ids drawn without what lies below them (x, or a double click)
  version: null, hits: [], hit: 0,
  keys: Promise.resolve(),  // the key presses still being carried out
};
const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child == null) continue;
    node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  return node;
}

class ApiError extends Error {
  constructor(status, body) { super(body.message || `HTTP ${status}`); this.status = status; this.kind = body.error; }
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", body: JSON.stringify(body),
    headers: { "content-type": "application/json", "x-threadtree-token": S.config.token || "" },
  };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ message: `HTTP ${response.status}` }));
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function status(text) { $("status").textContent = text; }

function banner(text, conflict) {
  const node = $("banner");
  node.replaceChildren();
  if (!text) { node.hidden = true; return; }
  node.hidden = false;
  node.className = conflict ? "banner conflict" : "banner";
  node.append(el("span", { text }), " ");
  if (conflict) node.append(el("button", { type: "button", id: "reload", text: "Reload the thread", onclick: () => { banner(null); reload(true); } }));
}

const when = (t) => new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";

// -- the thread list --

async function loadThreads() {
  const q = new URLSearchParams({ offset: S.threadsOffset, search: S.threadSearch });
  const page = await api(`/api/threads?${q}`);
  $("thread-list").replaceChildren(...page.threads.map((t) => el("li",
    { dataset: { thread: t.id }, class: t.id === S.threadId ? "open" : "", onclick: () => openThread(t.id) },
    el("span", { class: "name", text: t.title || t.id }),
    el("span", { class: "counts", text: `${count(t.entry_count, "entry", "entries")} · ${count(t.leaf_count, "leaf", "leaves")} · ${when(t.updated_at)}` }))));
  $("prev-page").disabled = S.threadsOffset === 0;
  $("next-page").disabled = !page.more;
}

// -- a thread: reader, tree, detail --

async function openThread(id, tip) {
  S.threadId = id; S.visited.clear(); S.marked = null; S.closed.clear(); $("compare").replaceChildren();
  history.replaceState(null, "", `#thread=${encodeURIComponent(id)}`);
  await reload(false, tip);
  loadThreads().catch(() => {});
}

async function reload(keepSelection, tip) {
  if (!S.threadId) return;
  const id = S.threadId;
  const info = await api(`/api/thread/${encodeURIComponent(id)}`);
  S.thread = info.thread; S.labels = info.labels;
  $("thread-title").textContent = S.thread.title || S.thread.id;
  const v = await api(`/api/version?thread=${encodeURIComponent(id)}`);
  S.version = JSON.stringify(v.version);
  const stayOn = keepSelection ? S.selected : null;
  const followLive = !S.view || S.view.tip === S.view.current_leaf_id;
  await setView(tip ?? (keepSelection && !followLive ? S.view.tip : null));
  const ids = S.view.entries.map((e) => e.id);
  await select(stayOn && ids.includes(stayOn) ? stayOn : tip ?? ids[ids.length - 1] ?? null);
}

async function setView(tip) {
  const q = new URLSearchParams(tip == null ? {} : { to: tip });
  S.view = await api(`/api/thread/${encodeURIComponent(S.threadId)}/path?${q}`);
  renderReader();
  await loadTree(tip);
}

async function moreAbove() {
  const first = S.view.entries[0];
  const q = new URLSearchParams({ to: S.view.tip, before: first.id });
  const page = await api(`/api/thread/${encodeURIComponent(S.threadId)}/path?${q}`);
  S.view.entries = page.entries.concat(S.view.entries);
  S.view.more_above = page.more_above;
  renderReader();
}

function shown(entry) { return !entry.hidden || $("show-hidden").checked || entry.id === S.selected; }

function renderReader() {
  $("more-above").hidden = !S.view.more_above;
  $("reader").replaceChildren(...S.view.entries.filter(shown).map((e) => {
    const head = el("div", { class: "head" }, el("span", { text: `[${e.id}]` }), el("span", { class: "role", text: e.role }));
    if (e.branch) head.append(el("span", { class: "branch", text: `< ${e.branch.position}/${e.branch.count} >` }));
    for (const name of e.labels || []) head.append(el("span", { class: "label", text: `#${name}` }));
    if (e.hidden) head.append(el("span", { text: "(hidden)" }));
    if (e.id === S.thread.current_leaf_id) head.append(el("span", { class: "branch", text: "● live leaf" }));
    return el("div", { class: "entry" + (e.hidden ? " hidden" : ""), dataset: { id: e.id }, dir: "auto", onclick: () => select(e.id) },
      head, el("div", { class: "content", dir: "auto", text: e.content }));
  }));
  $("append-form").hidden = !S.config.write;
  markSelected();
}

async function loadTree(around) {
  const q = new URLSearchParams({ hidden: $("show-hidden").checked ? "1" : "0", collapse: $("fold-runs").checked ? "3" : "0" });
  if (around != null) q.set("around", around);
  if (S.closed.size) q.set("closed", [...S.closed].join(","));
  const plan = await api(`/api/thread/${encodeURIComponent(S.threadId)}/tree?${q}`);
  drawTree(plan);
}

function drawTree(plan) {
  $("tree-note").textContent = plan.whole ? `${plan.boxes.length} boxes, ${plan.lanes} lanes`
    : `a window of the tree around the entry looked at (${plan.above} entries above it)`;
  const root = drawLanes(plan, {
    prefix: "",
    marks: (b) => (b.closed ? " closed" : ""),
    before: (b) => (b.closed ? `[+${b.closed}] ` : ""),
    click: (b) => goTo(b.id),
    dblclick: (b) => toggleClosed(b.id),
  });
  $("tree").replaceChildren(root);
  markSelected();
}

// Fold the subtree below an entry into its box, or open it again; the layout is redone
// without it, so a closed branch gives its lanes back.
async function toggleClosed(id) {
  if (id == null) return;
  if (!S.closed.delete(id)) S.closed.add(id);
  await loadTree(S.selected);
  status(S.closed.has(id) ? `entry ${id} closed: x opens it again` : `entry ${id} opened`);
}

function markSelected() {
  for (const node of document.querySelectorAll(".selected")) node.classList.remove("selected");
  if (S.selected == null) return;
  const entry = document.querySelector(`#reader .entry[data-id="${S.selected}"]`);
  if (entry) { entry.classList.add("selected"); entry.scrollIntoView({ block: "nearest" }); }
  const box = document.querySelector(`#tree .box.entry[data-id="${S.selected}"]`);
  if (box) box.classList.add("selected");
}

async function select(id) {
  S.selected = id;
  if (id == null) { $("detail").replaceChildren(); return; }
  const entry = S.view.entries.find((e) => e.id === id);
  if (entry && entry.hidden && !$("show-hidden").checked) renderReader();
  markSelected();
  S.detail = await api(`/api/entry/${id}`);
  if (S.selected === id) renderDetail();
}

// Go to any entry of the thread: within the reader's path, or a new path down to it.
async function goTo(id) {
  if (id == null) return;
  if (!S.view.entries.some((e) => e.id === id)) await setView(id);
  await select(id);
}

function renderDetail() {
  const d = S.detail, e = d.entry;
  const rows = [["entry", String(e.id)], ["role", e.role], ["depth", String(e.depth)], ["created", when(e.created_at)]];
  if (d.branch) rows.push(["branch", `${d.branch.position} of ${d.branch.count}`]);
  if (d.labels.length) rows.push(["labels", d.labels.join(", ")]);
  if (e.source_id != null) rows.push(["source id", e.source_id]);
  if (e.merged_from != null) rows.push(["merged from", String(e.merged_from)]);
  rows.push(["children", String(d.child_count)]);
  const parts = [el("h3", { text: "Entry" }), el("dl", {}, ...rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { dir: "auto", text: v })]))];
  if (e.usage) parts.push(el("h3", { text: "Usage" }), el("pre", { class: "json", text: JSON.stringify(e.usage, null, 2) }));
  if (d.tool_calls.length) parts.push(el("h3", { text: "Tool calls" }), el("pre", { class: "json", text: JSON.stringify(d.tool_calls, null, 2) }));
  parts.push(el("h3", { text: "Item" }), el("pre", { class: "json", id: "item-json", text: JSON.stringify(e.item, null, 2) }));
  parts.push(el("div", {},
    el("button", { type: "button", id: "mark", text: S.marked === e.id ? "Marked for compare" : "Mark for compare (m)", onclick: mark }),
    S.marked != null && S.marked !== e.id ? el("button", { type: "button", id: "compare-button", text: `Compare with ${S.marked} (c)`, onclick: compare }) : null));
  if (S.config.write) parts.push(writeForms(e));
  $("detail").replaceChildren(...parts);
  $("detail").dataset.entry = e.id;
}

// -- moving with the keys --

function viewIndex() { return S.view.entries.findIndex((e) => e.id === S.selected); }

async function parent() {
  const e = S.view.entries[viewIndex()];
  if (!e || e.parent_id == null) return status("at a root: no parent");
  S.visited.set(e.parent_id, e.id);
  await goTo(e.parent_id);
}

async function child() {
  const i = viewIndex();
  const here = S.view.entries[i];
  const below = S.view.entries[i + 1];
  const remembered = S.visited.get(S.selected);
  if (below && (remembered == null || remembered === below.id)) return select(below.id);
  const kids = S.detail && S.detail.entry.id === S.selected ? S.detail.children : (await api(`/api/entry/${S.selected}`)).children;
  if (!kids.length) return status("a tip: no child");
  const next = kids.some((k) => k.id === remembered) ? remembered : kids[0].id;
  if (here) S.visited.set(here.id, next);
  await setView(next);
  await select(next);
}

async function sibling(step) {
  const e = S.view.entries[viewIndex()];
  const b = e && e.branch;
  const to = b && (step < 0 ? b.previous : b.next);
  if (to == null) return status(step < 0 ? "no earlier sibling" : "no later sibling");
  await setView(to);
  await select(to);
}

async function nextBranchPoint() {
  const later = S.view.entries.slice(viewIndex() + 1).find((e) => e.branch);
  if (!later) return status("no branch point below on this path");
  await select(later.id);
}

function mark() { S.marked = S.selected; status(`entry ${S.marked} marked: select another and press c to compare`); renderDetail(); }

async function compare() {
  if (S.marked == null || S.selected == null) return status("mark an entry first (m), then select another");
  const c = await api(`/api/compare?a=${S.marked}&b=${S.selected}`);
  const column = (name, list) => el("div", { class: `side side-${name}` }, el("h3", { text: `${name}: ${count(list.length, "entry", "entries")}` }),
    ...list.map((e) => el("div", { class: "entry", dataset: { id: e.id }, onclick: () => goTo(e.id) },
      el("div", { class: "head" }, el("span", { text: `[${e.id}]` }), el("span", { class: "role", text: e.role })),
      el("div", { class: "content", dir: "auto", text: e.content }))));
  $("compare").replaceChildren(el("h3", { text: c.ancestor ? `Compared below their common ancestor [${c.ancestor.id}]` : "No common ancestor" }),
    el("div", { class: "columns" }, column("a", c.a), column("b", c.b)));
}

// -- search --

async function search(query) {
  if (!query.trim()) return;
  let found;
  try { found = await api(`/api/search?${new URLSearchParams({ q: query })}`); }
  catch (exc) { return status(exc.message); }
  S.hits = found.hits; S.hit = 0;
  const box = $("results");
  box.hidden = false;
  if (!S.hits.length) { box.replaceChildren(el("p", { text: `nothing found for ${query}` })); return; }
  box.replaceChildren(...S.hits.map((h, i) => el("div", { class: "hit" + (i === 0 ? " active" : ""), dataset: { id: h.entry.id }, onclick: () => openHit(i) },
    el("div", { class: "head", text: `[${h.entry.id}] ${h.entry.role}${h.on_live_path ? " · live path" : ""} · thread ${h.entry.thread_id}` }),
    snippet(h.snippet))));
}

function snippet(text) {
  // The server marks matches with « and »; the pieces become text nodes and <mark> elements.
  const node = el("div", { class: "snippet", dir: "auto" });
  text.split(/(«[^»]*»)/).forEach((part) => node.append(part.startsWith("«") && part.endsWith("»") ? el("mark", { text: part.slice(1, -1) }) : document.createTextNode(part)));
  return node;
}

async function openHit(i) {
  const h = S.hits[i];
  $("results").hidden = true;
  if (h.entry.thread_id !== S.threadId) await openThread(h.entry.thread_id, h.entry.id);
  else await goTo(h.entry.id);
}

// -- writing (only with --write) --

async function write(path, body, done) {
  try {
    // The compare-and-set is on the leaf of the thread as the page last loaded it (a reload,
    // or a poll that saw a change): a page that missed another writer's move is refused.
    const answer = await api(path, { ...body, expected_leaf_id: S.thread.current_leaf_id });
    banner(null);
    await reload(false, null);
    status(done);
    return answer;
  } catch (exc) {
    if (exc.status === 409) banner(`Conflict: the thread changed since this page showed it (${exc.message}). Nothing was written.`, true);
    else banner(exc.message, false);
  }
}

function writeForms(e) {
  const label = el("input", { id: "label-name", placeholder: "label name" });
  const fork = el("textarea", { id: "fork-text", rows: 2, placeholder: "a new reply from this entry" });
  return el("div", { class: "writes" },
    el("h3", { text: "Change (writes to the file)" }),
    el("div", { class: "write" }, el("button", { type: "button", id: "switch-button", text: "Switch here (s)", onclick: () => write(`/api/entry/${e.id}/switch`, {}, `switched to the branch of ${e.id}`) })),
    el("div", { class: "write" }, label, el("button", { type: "button", id: "label-button", text: "Label", onclick: async () => {
      try { await api(`/api/entry/${e.id}/label`, { name: label.value }); status("labelled"); await reload(true); } catch (exc) { banner(exc.message, false); }
    } })),
    el("div", { class: "write" }, fork, el("button", { type: "button", id: "fork-button", text: "Fork", onclick: () => write(`/api/entry/${e.id}/fork`, { role: "user", content: fork.value }, "forked") })));
}

// -- keys, help, live updates --

const KEYS = [
  ["k / ↑", "parent"], ["j / ↓", "child (the one last visited)"], ["h / ←", "previous sibling"], ["l / →", "next sibling"],
  ["n", "next branch point on this path"], ["/", "search every branch (Enter opens the hit)"], ["x", "close or open the branches below this entry (or double-click its box)"], ["m", "mark this entry for compare"],
  ["c", "compare the marked entry with this one"], ["s", "switch the live branch here (--write)"], ["?", "these keys"], ["Esc", "close"],
];

function toggleHelp() {
  const box = $("help");
  box.hidden = !box.hidden;
  box.replaceChildren(el("h3", { text: "Keys" }), el("dl", {}, ...KEYS.flatMap(([k, v]) => [el("dt", {}, el("kbd", { text: k })), el("dd", { text: v })])));
}

const ACTIONS = {
  k: parent, ArrowUp: parent, j: child, ArrowDown: child, h: () => sibling(-1), ArrowLeft: () => sibling(-1),
  l: () => sibling(1), ArrowRight: () => sibling(1), n: nextBranchPoint, m: mark, c: compare, x: () => toggleClosed(S.selected),
  s: () => S.config.write && S.selected != null && write(`/api/entry/${S.selected}/switch`, {}, `switched to the branch of ${S.selected}`),
};

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = ["INPUT", "TEXTAREA"].includes(document.activeElement.tagName);
  if (event.key === "Escape") { $("results").hidden = true; $("help").hidden = true; document.activeElement.blur(); return; }
  if (!$("results").hidden && S.hits.length && ["ArrowDown", "ArrowUp", "Enter"].includes(event.key) && !typing) {
    event.preventDefault();
    if (event.key === "Enter") return openHit(S.hit);
    S.hit = Math.max(0, Math.min(S.hits.length - 1, S.hit + (event.key === "ArrowDown" ? 1 : -1)));
    document.querySelectorAll("#results .hit").forEach((n, i) => n.classList.toggle("active", i === S.hit));
    return;
  }
  if (typing) return;
  if (event.key === "/") { event.preventDefault(); $("search").focus(); return; }
  if (event.key === "?") { toggleHelp(); return; }
  const action = ACTIONS[event.key];
  if (action && S.view && S.selected != null) {
    event.preventDefault();
    // One move at a time, in the order pressed: each starts from where the last one landed.
    S.keys = S.keys.then(action).catch((exc) => status(exc.message));
  }
}

async function poll() {
  try {
    const q = S.threadId ? `?thread=${encodeURIComponent(S.threadId)}` : "";
    const v = JSON.stringify((await api(`/api/version${q}`)).version);
    if (S.threadId && v !== S.version) { await reload(true); status("updated: another process wrote to this thread"); }
    else if (!S.threadId && v !== S.version) { S.version = v; await loadThreads(); }
  } catch (exc) { /* the next poll tries again */ }
}

async function start() {
  S.config = await api("/api/config");
  $("mode").textContent = S.config.write ? "read-write" : "read-only";
  $("mode").classList.toggle("write", S.config.write);
  document.addEventListener("keydown", onKey);
  $("search").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); search($("search").value); $("search").blur(); } });
  $("thread-search").addEventListener("input", () => { S.threadSearch = $("thread-search").value; S.threadsOffset = 0; loadThreads(); });
  $("prev-page").addEventListener("click", () => { S.threadsOffset = Math.max(0, S.threadsOffset - 50); loadThreads(); });
  $("next-page").addEventListener("click", () => { S.threadsOffset += 50; loadThreads(); });
  $("help-button").addEventListener("click", toggleHelp);
  $("more-above").addEventListener("click", moreAbove);
  $("show-hidden").addEventListener("change", () => reload(true));
  $("fold-runs").addEventListener("change", () => loadTree(S.view && S.view.tip));
  $("append-form").addEventListener("submit", (e) => {
    e.preventDefault();
    write(`/api/thread/${encodeURIComponent(S.threadId)}/append`, { role: "user", content: $("append-text").value }, "appended")
      .then((done) => { if (done) $("append-text").value = ""; });
  });
  await loadThreads();
  const wanted = new URLSearchParams(location.hash.slice(1)).get("thread");
  if (wanted) await openThread(wanted);
  setInterval(poll, 1000);
  document.body.dataset.ready = "1";
}

start().catch((exc) => status(`could not start: ${exc.message}`));
