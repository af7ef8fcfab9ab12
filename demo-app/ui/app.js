// Hearth Chat's page: plain DOM code over Tauri's IPC (window.__TAURI__, from
// app.withGlobalTauri). Text from the model is always set with textContent.
"use strict";

const { invoke, Channel } = window.__TAURI__.core;
const $ = (id) => document.getElementById(id);

const ui = {
  path: $("model-path"), load: $("load-model"), browse: $("browse"), browseFolder: $("browse-folder"),
  progress: $("load-progress"), info: $("model-info"), banner: $("mode-banner"), error: $("error"),
  messages: $("messages"), welcome: $("welcome"), composer: $("composer"), prompt: $("prompt"),
  send: $("send"), stop: $("stop"), status: $("status"), list: $("conversations"), emptyList: $("empty-list"),
  newChat: document.querySelector('[data-testid="new-chat"]'),
  system: $("system-prompt"), systemHint: $("system-hint"), temperature: $("temperature"), topP: $("top-p"),
  maxTokens: $("max-tokens"), settingsError: $("settings-error"),
};

const state = { model: null, conversationId: null, busy: false, lastStats: null };

// ---- helpers -------------------------------------------------------------

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function showError(message) {
  ui.error.textContent = message ? String(message) : "";
  ui.error.hidden = !message;
}

function humanBytes(n) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n, u = 0;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${u === 0 ? v : v < 10 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`;
}

function when(ms) {
  const s = (Date.now() - ms) / 1000;
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

function metaText(meta) {
  if (!meta) return "";
  const parts = [`${meta.tokens} tokens`];
  if (meta.tokens_per_s > 0) parts.push(`${meta.tokens_per_s.toFixed(1)} tok/s`);
  if (meta.finish_reason === "cancelled") parts.push("stopped");
  if (meta.finish_reason === "context_full") parts.push("context full");
  return parts.join(" · ");
}

// ---- status line -----------------------------------------------------------

async function renderStatus() {
  const parts = [];
  if (state.model) parts.push(`Adapter: ${state.model.adapter}`);
  else parts.push("No model loaded");
  const s = state.lastStats;
  if (s) {
    parts.push(`${s.tokens_per_s.toFixed(1)} tok/s`);
    parts.push(`TTFT ${s.ttft_ms.toFixed(0)} ms`);
  }
  const mem = s && s.memory_bytes != null ? s.memory_bytes : await invoke("memory");
  if (mem != null) parts.push(`Memory ${humanBytes(mem)}`);
  ui.status.textContent = parts.join("  ·  ");
}

// ---- model -----------------------------------------------------------------

function renderModel() {
  const m = state.model;
  ui.info.replaceChildren();
  ui.info.dataset.state = m ? "loaded" : "empty";
  if (!m) { ui.info.textContent = "No model loaded yet."; ui.banner.hidden = true; return; }
  ui.info.append(el("span", { class: "model-name" }, m.name));
  const chips = [m.size, m.parameters, m.quantization, m.adapter, `${m.context_length} ctx`,
    m.chat_template ? "chat" : "completion mode"];
  for (const c of chips) ui.info.append(el("span", { class: "chip" }, c));
  ui.banner.hidden = m.chat_template;
  ui.systemHint.textContent = m.chat_template ? "Sent first in every chat." : "Not used in completion mode.";
  ui.prompt.placeholder = m.chat_template
    ? "Write a message…  (Enter to send, Shift+Enter for a new line)"
    : "Write the start of a text for the model to continue…";
}

async function loadModel() {
  const path = ui.path.value.trim();
  if (!path) { showError("Enter the path of a .gguf file or a model folder, or use Browse…"); return; }
  showError("");
  setBusy(true, "load");
  ui.progress.value = 0;
  ui.progress.classList.add("active");
  ui.info.textContent = `Loading ${path.split(/[\\/]/).pop()}…`;
  ui.info.dataset.state = "loading";
  const progress = new Channel();
  progress.onmessage = (p) => { ui.progress.value = p.fraction; };
  try {
    state.model = await invoke("load_model", { path, progress });
    ui.progress.value = 1;
  } catch (e) {
    showError(e);
  } finally {
    ui.progress.classList.remove("active");
    setBusy(false);
    renderModel();
    renderStatus();
  }
}

async function browse(folder) {
  try {
    const picked = await invoke("pick_model", { folder });
    if (picked) { ui.path.value = picked; await loadModel(); }
  } catch (e) { showError(e); }
}

// ---- settings --------------------------------------------------------------

function readSettings() {
  return {
    system_prompt: ui.system.value,
    temperature: Number(ui.temperature.value),
    top_p: Number(ui.topP.value),
    max_tokens: Math.round(Number(ui.maxTokens.value)),
  };
}

function writeSettings(s) {
  ui.system.value = s.system_prompt;
  ui.temperature.value = s.temperature;
  ui.topP.value = s.top_p;
  ui.maxTokens.value = s.max_tokens;
}

let saveTimer = null;
function settingsChanged() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(async () => {
    try { await invoke("save_settings", { settings: readSettings() }); ui.settingsError.textContent = ""; }
    catch (e) { ui.settingsError.textContent = String(e); }
  }, 250);
}

// ---- conversations -----------------------------------------------------------

function renderConversations(list) {
  ui.list.replaceChildren();
  ui.emptyList.hidden = list.length > 0;
  for (const c of list) {
    const item = el("li", { "data-testid": "conversation-item", "data-id": String(c.id) });
    if (c.id === state.conversationId) item.classList.add("active");
    const open = el("button", { type: "button", class: "open", title: c.title });
    open.append(el("span", { class: "title" }, c.title), el("span", { class: "when" }, when(c.updated_at)));
    open.addEventListener("click", () => openConversation(c.id));
    const del = el("button", { type: "button", class: "delete", "aria-label": `Delete “${c.title}”`, title: "Delete" }, "×");
    del.addEventListener("click", () => deleteConversation(c.id));
    item.append(open, del);
    ui.list.append(item);
  }
}

function clearMessages() {
  ui.messages.replaceChildren(ui.welcome);
  ui.welcome.hidden = false;
}

function addMessage(role, content, meta) {
  ui.welcome.hidden = true;
  const row = el("article", { class: `msg ${role}` });
  const bubble = el("div", { class: "bubble", "data-testid": `message-${role}` }, content);
  const body = el("div", { class: "body" });
  body.append(el("div", { class: "who" }, role === "user" ? "You" : "Hearth"), bubble);
  const info = el("div", { class: "meta" }, metaText(meta));
  body.append(info);
  row.append(body);
  ui.messages.append(row);
  ui.messages.scrollTop = ui.messages.scrollHeight;
  if (role === "assistant") bubble.dataset.state = meta ? "done" : "streaming";
  return { bubble, info };
}

async function openConversation(id) {
  if (state.busy) return;
  try {
    const msgs = await invoke("open_conversation", { id });
    state.conversationId = id;
    clearMessages();
    for (const m of msgs) addMessage(m.role, m.content, m.meta);
    for (const li of ui.list.children) li.classList.toggle("active", li.dataset.id === String(id));
    showError("");
  } catch (e) { showError(e); }
}

async function deleteConversation(id) {
  if (state.busy) return;
  try {
    renderConversations(await invoke("delete_conversation", { id }));
    if (id === state.conversationId) newChat();
  } catch (e) { showError(e); }
}

function newChat() {
  if (state.busy) return;
  state.conversationId = null;
  clearMessages();
  for (const li of ui.list.children) li.classList.remove("active");
  ui.prompt.focus();
}

// ---- chatting --------------------------------------------------------------

function setBusy(busy, what = "answer") {
  state.busy = busy;
  ui.send.hidden = busy && what === "answer";
  ui.stop.hidden = !(busy && what === "answer");
  for (const b of [ui.send, ui.load, ui.browse, ui.browseFolder, ui.newChat]) b.disabled = busy;
  document.body.classList.toggle("busy", busy);
}

async function send(event) {
  event.preventDefault();
  const prompt = ui.prompt.value;
  if (state.busy || !prompt.trim()) return;
  if (!state.model) { showError("Load a model first."); return; }
  showError("");
  addMessage("user", prompt);
  ui.prompt.value = "";
  autosize();
  const { bubble, info } = addMessage("assistant", "");
  const events = new Channel();
  events.onmessage = (e) => {
    if (e.kind === "piece") { bubble.textContent += e.text; ui.messages.scrollTop = ui.messages.scrollHeight; }
  };
  setBusy(true);
  try {
    const turn = await invoke("send", { conversationId: state.conversationId, prompt, settings: readSettings(), events });
    state.conversationId = turn.conversation_id;
    bubble.textContent = turn.answer.content;
    info.textContent = metaText(turn.answer.meta);
    state.lastStats = turn.stats;
    renderConversations(turn.conversations);
  } catch (e) {
    showError(e);
    info.textContent = "failed";
  } finally {
    bubble.dataset.state = "done";
    setBusy(false);
    renderStatus();
    ui.prompt.focus();
  }
}

function autosize() {
  ui.prompt.style.height = "auto";
  ui.prompt.style.height = `${Math.min(ui.prompt.scrollHeight, 200)}px`;
}

// ---- wiring ------------------------------------------------------------------

ui.load.addEventListener("click", loadModel);
ui.path.addEventListener("keydown", (e) => { if (e.key === "Enter") loadModel(); });
ui.browse.addEventListener("click", () => browse(false));
ui.browseFolder.addEventListener("click", () => browse(true));
ui.composer.addEventListener("submit", send);
ui.stop.addEventListener("click", () => invoke("stop"));
ui.newChat.addEventListener("click", newChat);
ui.prompt.addEventListener("input", autosize);
ui.prompt.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ui.composer.requestSubmit(); }
});
for (const input of [ui.system, ui.temperature, ui.topP, ui.maxTokens]) input.addEventListener("input", settingsChanged);

(async function start() {
  try {
    const s = await invoke("startup");
    writeSettings(s.settings);
    if (s.last_model) ui.path.value = s.last_model;
    state.model = s.model;
    renderModel();
    renderConversations(s.conversations);
  } catch (e) { showError(e); }
  renderStatus();
  setInterval(() => { if (!state.busy) renderStatus(); }, 5000);
})();
