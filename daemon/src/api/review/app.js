// Zopilot review page. Talks only to this daemon's API, signed in by the session cookie; every
// request that changes something carries the session's CSRF token. The API key never reaches
// this page.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
const HEADER_FIELDS = [
  ["invoice_number", "Document number", "text"],
  ["issue_date", "Date", "date"],
  ["due_date", "Due date", "date"],
  ["currency", "Currency", "text"],
  ["subtotal", "Subtotal", "number"],
  ["tax", "Tax", "number"],
  ["total", "Total", "number"],
];
const REVIEWABLE = ["classified", "preview_required", "approved", "rejected"];

let all = [];        // every document, newest first
let docs = [];       // the filtered queue
let sel = 0;         // selected row of the queue
let current = null;  // the open document
let original = {};   // its values as the daemon read them (to find the corrections)
let page = { n: 1, count: 1, upp: 1, url: null };
const books = {};    // business name -> {accounts: [...], vendors: [...]}

async function api(path, opts = {}) {
  const o = { credentials: "same-origin", headers: {}, ...opts };
  if (o.method && o.method !== "GET") {
    o.headers["X-CSRF-Token"] = csrf;
    o.headers["Content-Type"] = "application/json";
  }
  const r = await fetch(path, o);
  const json = (r.headers.get("content-type") || "").includes("json") ? await r.json() : null;
  if (!r.ok) {
    const e = json && json.error;
    throw new Error((e && e.message) || e || r.statusText);
  }
  return json;
}

const unref = (s) => (typeof s === "string" ? s.replace(/^\{\{lookup:[A-Za-z]+:(.*)\}\}$/, "$1") : s);
const text = (v) => (v === null || v === undefined ? "" : String(v));
// An amount with at least two decimals, as invoices print them (120.5 → "120.50").
const amount = (v) => {
  if (typeof v !== "number") return text(v);
  const s = String(v), dot = s.indexOf(".");
  return dot < 0 ? v.toFixed(2) : s.length - dot - 1 < 2 ? v.toFixed(2) : s;
};
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(text(k)));
  return e;
}

function primaryOf(d) {
  const acts = (d.result && d.result.suggested_actions) || [];
  return acts.find((a) => a.action_type === "PRIMARY") || null;
}

// The lines field of a mapping (QuickBooks `Line`, Zoho `line_items`): its `lines:*` source.
function linesOf(action) {
  if (!action || !action.field_sources) return [];
  const name = Object.keys(action.field_sources).find((k) => String(action.field_sources[k]).startsWith("lines:"));
  return (name && action.field_mappings && action.field_mappings[name]) || [];
}

// What the page shows for a document: as read, then with an approval's corrections on top.
function valuesOf(d) {
  const x = d.extracted || {};
  const p = primaryOf(d);
  const v = {
    party: (d.result && d.result.counterparty) || (x.from && x.from.name) || "",
    action: (p && p.action) || "",
    lines: linesOf(p).map((l) => ({ description: l.description, amount: l.amount, account: unref(l.account) || "" })),
  };
  for (const [k, , type] of HEADER_FIELDS) v[k] = type === "number" ? amount(x[k]) : text(x[k]);
  const a = d.approval;
  if (a && a.decision) {
    if (a.decision.vendor) v.party = a.decision.vendor;
    if (a.decision.action) v.action = a.decision.action;
    (a.decision.lines || []).forEach((l, i) => { if (v.lines[i] && l.account) v.lines[i].account = l.account; });
  }
  if (a && a.fields) for (const [k, val] of Object.entries(a.fields)) v[k] = text(val);
  return v;
}

// ---- the queue -------------------------------------------------------------------------------

async function loadQueue() {
  const r = await api("/documents?limit=500");
  all = r.documents || [];
  filter();
}

function filter() {
  const st = $("f-status").value, party = $("f-party").value.trim().toLowerCase();
  const from = $("f-from").value, to = $("f-to").value;
  docs = all.filter((d) => {
    const v = valuesOf(d);
    if (st && d.status !== st) return false;
    if (party && !v.party.toLowerCase().includes(party)) return false;
    if (from && (!v.issue_date || v.issue_date < from)) return false;
    if (to && (!v.issue_date || v.issue_date > to)) return false;
    return true;
  });
  sel = Math.min(sel, Math.max(docs.length - 1, 0));
  renderQueue();
}

function renderQueue() {
  const rows = $("doc-rows");
  rows.replaceChildren(...docs.map((d, i) => {
    const v = valuesOf(d);
    const tr = el("tr", { "aria-selected": i === sel ? "true" : "false", "data-id": d.id, tabindex: i === sel ? "0" : "-1" },
      el("td", {}, d.id), el("td", {}, d.file_name), el("td", {}, el("span", { class: "st st-" + d.status }, d.status.replace("_", " "))),
      el("td", {}, v.party), el("td", {}, v.issue_date), el("td", { class: "num" }, v.total ? `${v.total} ${v.currency}` : ""),
      el("td", {}, v.action));
    tr.addEventListener("click", () => { sel = i; openDoc(d.id); });
    return tr;
  }));
  const counts = {};
  for (const d of all) counts[d.status] = (counts[d.status] || 0) + 1;
  $("counts").textContent = `${docs.length} shown of ${all.length} · ` +
    Object.entries(counts).map(([k, n]) => `${k.replace("_", " ")} ${n}`).join(" · ");
  const reviewable = all.filter((d) => REVIEWABLE.includes(d.status)).length;
  const reviewed = all.filter((d) => d.status === "approved" || d.status === "rejected").length;
  $("progress").textContent = `${reviewed} of ${reviewable} reviewed`;
}

function move(step) {
  if (!docs.length) return;
  sel = Math.max(0, Math.min(docs.length - 1, sel + step));
  if (current) openDoc(docs[sel].id);
  else { renderQueue(); const r = $("doc-rows").children[sel]; if (r) r.focus(); }
}

// ---- one document ----------------------------------------------------------------------------

async function loadBooks(business) {
  if (!business || books[business]) return books[business] || { accounts: [], vendors: [] };
  const b = { accounts: [], vendors: [] };
  for (const list of ["accounts", "vendors", "customers"]) {
    try {
      const r = await api(`/books/${encodeURIComponent(business)}/${list}`);
      const names = (r.entries || []).filter((e) => e.active !== false).map((e) => e.name);
      if (list === "accounts") b.accounts = names; else b.vendors.push(...names);
    } catch (_) { /* no books imported: free text */ }
  }
  books[business] = b;
  return b;
}

function fillDatalist(id, names) {
  $(id).replaceChildren(...[...new Set(names)].sort().map((n) => el("option", { value: n })));
}

async function openDoc(id) {
  const d = await api(`/documents/${id}`);
  current = d;
  const v = valuesOf(d);
  original = JSON.parse(JSON.stringify(valuesOf({ ...d, approval: null })));
  $("queue").hidden = true;
  $("doc").hidden = false;
  $("doc-title").textContent = `${d.file_name} (#${d.id})`;
  const when = d.approved_at ? ` — approved ${d.approved_at}` : "";
  $("doc-status").textContent = `Status: ${d.status.replace("_", " ")}${when}`;
  $("message").textContent = "";
  $("message").className = "";
  renderFields(d, v);
  const b = await loadBooks(d.business && d.business.name);
  const seen = v.lines.map((l) => l.account).filter(Boolean);
  fillDatalist("accounts", b.accounts.concat(seen));
  fillDatalist("vendors", b.vendors.concat([v.party]));
  await showPage(1);
}

function confidence(d, key) {
  const p = d.extracted && d.extracted.provenance && d.extracted.provenance[key];
  return p && typeof p.confidence === "number" ? p.confidence : null;
}

function provKey(d, field) {
  if (field !== "party") return field;
  return d.result && d.result.direction === "outgoing" ? "to.name" : "from.name";
}

function renderFields(d, v) {
  const grid = $("field-grid");
  const rows = [["party", d.result && d.result.direction === "outgoing" ? "Customer" : "Vendor", "text"], ...HEADER_FIELDS];
  grid.replaceChildren();
  for (const [key, label, type] of rows) {
    const id = "fld-" + key;
    const input = el("input", { id, name: key, type, value: v[key] || "", list: key === "party" ? "vendors" : null,
      step: type === "number" ? "0.01" : null, pattern: key === "currency" ? "[A-Z]{3}" : null, autocomplete: "off" });
    input.value = v[key] || "";
    const c = confidence(d, provKey(d, key));
    const conf = el("span", { class: "conf" + (c !== null && c < 70 ? " low" : ""), title: "confidence" }, c === null ? "" : `${c}%`);
    for (const ev of ["focus", "mouseenter"]) input.addEventListener(ev, () => highlight(provKey(d, key)));
    input.addEventListener("blur", () => highlight(null));
    grid.append(el("label", { for: id }, label), input, conf);
  }
  const sel = $("action");
  const names = ((d.result && d.result.suggested_actions) || []).map((a) => a.action);
  if (v.action && !names.includes(v.action)) names.unshift(v.action);
  sel.replaceChildren(...[...new Set(names)].map((n) => el("option", { value: n, selected: n === v.action }, n)));
  sel.value = v.action;
  const reasons = (d.result && d.result.review_reasons) || [];
  $("reasons").textContent = reasons.length ? "To review: " + reasons.join("; ") : "";
  $("line-rows").replaceChildren(...v.lines.map((l, i) => {
    const id = `line-${i + 1}-account`;
    return el("tr", {}, el("td", {}, l.description), el("td", { class: "num" }, amount(l.amount)),
      el("td", {}, el("label", { for: id, class: "sr-only" }, `Account of line ${i + 1}`),
        el("input", { id, type: "text", list: "accounts", value: l.account, autocomplete: "off" })));
  }));
  v.lines.forEach((l, i) => { $(`line-${i + 1}-account`).value = l.account; });
}

async function showPage(n) {
  if (!current) return;
  const img = $("page-img");
  try {
    const r = await fetch(`/documents/${current.id}/pages/${n}.png`, { credentials: "same-origin" });
    if (!r.ok) throw new Error((await r.json()).error || r.statusText);
    page = { n, count: Number(r.headers.get("x-page-count")) || 1, upp: Number(r.headers.get("x-units-per-pixel")) || 1, url: null };
    if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(await r.blob());
    img.alt = `Page ${n} of ${page.count} of ${current.file_name}`;
  } catch (e) {
    img.removeAttribute("src");
    img.alt = `No page image: ${e.message}`;
    page = { n: 1, count: 1, upp: 1 };
  }
  $("page-no").textContent = `${page.n} / ${page.count}`;
  $("boxes").replaceChildren();
}

// Outline where `key` was read (its provenance box), switching page when needed.
async function highlight(key) {
  const boxes = $("boxes");
  boxes.replaceChildren();
  if (!key || !current) return;
  const p = current.extracted && current.extracted.provenance && current.extracted.provenance[key];
  if (!p || !Array.isArray(p.bbox)) return;
  if (p.page && p.page !== page.n) await showPage(p.page);
  const img = $("page-img");
  const w = img.naturalWidth, h = img.naturalHeight;
  if (!w || !h) return;
  const [l, b, r, t] = p.bbox.map((x) => x / page.upp);
  const box = el("div", { class: "box" });
  box.style.left = `${(l / w) * 100}%`;
  box.style.top = `${((h - t) / h) * 100}%`;
  box.style.width = `${((r - l) / w) * 100}%`;
  box.style.height = `${((t - b) / h) * 100}%`;
  boxes.append(box);
  box.scrollIntoView({ block: "nearest" });
}

// The corrections: every value the accountant changed, as the approve API takes them.
function corrections() {
  const set = [];
  const party = $("fld-party").value.trim();
  if (party && party !== original.party) set.push(`vendor=${party}`);
  const action = $("action").value;
  if (action && action !== original.action) set.push(`action=${action}`);
  original.lines.forEach((l, i) => {
    const a = $(`line-${i + 1}-account`).value.trim();
    if (a && a !== l.account) set.push(`line.${i + 1}.account=${a}`);
  });
  for (const [key] of HEADER_FIELDS) {
    const val = $("fld-" + key).value.trim();
    // A field emptied by the accountant: the document has none (a payment date read as the
    // due date); the daemon refuses to clear the currency or the total.
    if (val !== (original[key] || "")) set.push(`field.${key}=${val}`);
  }
  return set;
}

function say(msg, error = false) {
  $("message").textContent = msg;
  $("message").className = error ? "error" : "";
}

async function act(kind) {
  if (!current) return;
  const id = current.id;
  try {
    if (kind === "approve") {
      const set = corrections();
      await api(`/documents/${id}/approve`, { method: "POST", body: JSON.stringify({ set }) });
      say(`Approved${set.length ? " with " + set.length + " correction" + (set.length > 1 ? "s" : "") : ""}.`);
    } else if (kind === "reject") {
      await api(`/documents/${id}/reject`, { method: "POST", body: JSON.stringify({ reason: "rejected on the review page" }) });
      say("Rejected: nothing will be posted.");
    } else {
      await api(`/documents/${id}/rerun`, { method: "POST", body: "{}" });
      say("Queued to run again.");
    }
    const msg = $("message").textContent;
    await loadQueue();
    await openDoc(id);
    say(msg);
  } catch (e) {
    say(e.message, true);
  }
}

function back() {
  current = null;
  $("doc").hidden = true;
  $("queue").hidden = false;
  renderQueue();
  const r = $("doc-rows").children[sel];
  if (r) r.focus();
}

// ---- keys ------------------------------------------------------------------------------------

document.addEventListener("keydown", (e) => {
  const t = e.target;
  const typing = t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;
  if (e.key === "Escape") {
    if (typing) { t.blur(); return; }
    if (current) back();
    return;
  }
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  const keys = {
    j: () => move(1), k: () => move(-1),
    Enter: () => { if (!current && docs[sel]) openDoc(docs[sel].id); },
    a: () => act("approve"), r: () => act("reject"),
    e: () => { if (current) $("fld-party").focus(); },
    "?": () => $("help").showModal(),
  };
  const f = keys[e.key];
  if (f) { e.preventDefault(); f(); }
});

for (const id of ["f-status", "f-party", "f-from", "f-to"]) $(id).addEventListener("input", filter);
$("back").addEventListener("click", back);
$("prev").addEventListener("click", () => move(-1));
$("next").addEventListener("click", () => move(1));
$("approve").addEventListener("click", () => act("approve"));
$("reject").addEventListener("click", () => act("reject"));
$("rerun").addEventListener("click", () => act("rerun"));
$("page-prev").addEventListener("click", () => page.n > 1 && showPage(page.n - 1));
$("page-next").addEventListener("click", () => page.n < page.count && showPage(page.n + 1));
$("help-button").addEventListener("click", () => $("help").showModal());
$("filters").addEventListener("submit", (e) => e.preventDefault());
loadQueue().catch((e) => { $("counts").textContent = "Cannot load the documents: " + e.message; });
