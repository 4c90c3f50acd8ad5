// The sandbox's Slack-like client: conversations, the composer, the app's Home tab and Messages, modals,
// a person switcher and the clock. Everything it shows comes from /sandbox/state; everything a person
// does goes to /sandbox/…, which hands it to the app as Slack would.
(function () {
  "use strict";

  const $ = (selector) => document.querySelector(selector);
  const ui = { seen: {}, drawn: new Map(), user: null, run: null, where: null, tab: "messages", state: null, version: -1, modalKey: null, homeKey: null, shownFor: null };

  async function api(path, body) {
    const response = await fetch(path, body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user: ui.user, ...body }) });
    return response.json();
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function context() {
    const people = Object.fromEntries(ui.state.people.map((p) => [p.id, p]));
    const channels = Object.fromEntries(ui.state.conversations.map((c) => [c.id, c]));
    return { people, channels };
  }

  function me() {
    return ui.state.people.find((p) => p.id === ui.user);
  }

  function timeLabel(date, options) {
    return new Intl.DateTimeFormat("en-GB", { timeZone: me().tz, ...options }).format(date);
  }

  function conversation() {
    return ui.state.conversations.find((c) => c.id === ui.where) || ui.state.conversations[0];
  }

  function notice(text) {
    const node = $("#notice");
    node.textContent = text;
    node.hidden = !text;
    if (text) setTimeout(() => { if (node.textContent === text) node.hidden = true; }, 6000);
  }

  // ---- the sidebar, people and the clock ------------------------------------------------------

  function drawSidebar() {
    $("#team-name").textContent = ui.state.team;
    const list = $("#conversations");
    list.replaceChildren();
    ui.state.conversations.forEach((c) => {
      const key = ui.user + c.id;
      if (c.id === ui.where && ui.tab !== "home") ui.seen[key] = c.messages.length;
      if (ui.seen[key] === undefined) ui.seen[key] = c.messages.length;
      const unread = c.messages.length - ui.seen[key];
      const item = el("button", "nav-item" + (c.id === ui.where ? " active" : "") + (unread > 0 ? " unread" : ""), c.is_im ? "Pipeline Coach" : `# ${c.name}`);
      if (unread > 0) item.appendChild(el("span", "badge", String(unread)));
      item.dataset.conversation = c.is_im ? "dm" : c.name;
      item.addEventListener("click", () => { ui.where = c.id; ui.tab = "messages"; draw(true); });
      list.appendChild(item);
    });
  }

  function drawPeople() {
    const list = $("#people");
    list.replaceChildren();
    ui.state.people.filter((p) => !p.is_bot).forEach((p) => {
      const item = el("button", "person" + (p.id === ui.user ? " active" : ""));
      item.dataset.person = p.name;
      item.append(el("span", "avatar", initials(p.real_name)), el("span", "person-name", p.real_name));
      const about = el("span", "person-about", `${p.title} · ${p.tz.split("/").pop().replace("_", " ")}`);
      if (ui.state.managers.includes(p.id)) about.textContent += " · manager";
      item.appendChild(about);
      item.addEventListener("click", () => switchTo(p.id));
      list.appendChild(item);
    });
    const now = new Date(ui.state.now);
    $("#clock-now").textContent = timeLabel(now, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    $("#clock-zone").textContent = `${me().real_name.split(" ")[0]}'s time (${me().tz.replace("_", " ")})`;
    const jobs = $("#jobs");
    jobs.replaceChildren(...(ui.state.jobs || []).map((line) => el("li", "", line)));
  }

  function initials(name) {
    return name.split(" ").map((part) => part[0]).join("").slice(0, 2);
  }

  // A person's DM with the app (bot/sandbox/workspace.py, dm_with_bot).
  const appChat = (user) => "D" + user.replace(/^U/, "");

  function switchTo(user) {
    // Stay where you were: the channel, or the app (its Home or Messages), now as the other person. Asked
    // of the ids, not of the state shown, which may still be the one before the last click's.
    const inApp = ui.where === appChat(ui.user);
    ui.user = user;
    ui.modalKey = ui.homeKey = null;
    localStorage.setItem("sandbox-person", JSON.stringify({ run: ui.run, user }));
    if (inApp) ui.where = appChat(user);
    if (inApp && ui.tab === "home") api("/sandbox/home", {}).then(() => refresh(true));
    refresh(true);
  }

  // ---- messages ------------------------------------------------------------------------------

  function drawMessages() {
    const c = conversation();
    ui.where = c.id;
    const isApp = c.is_im;
    $("#title").textContent = isApp ? "Pipeline Coach" : `# ${c.name}`;
    $("#tabs").hidden = !isApp;
    $("#tab-home").classList.toggle("active", ui.tab === "home");
    $("#tab-messages").classList.toggle("active", ui.tab !== "home");
    $("#home").hidden = !(isApp && ui.tab === "home");
    $("#messages").hidden = isApp && ui.tab === "home";
    $("#composer").hidden = isApp && ui.tab === "home";
    $("#compose-input").placeholder = isApp ? "Message Pipeline Coach — try /opportunity health" : `Message #${c.name} — try /opportunity new Acme 40k`;
    if (isApp && ui.tab === "home") return drawHome();
    const list = $("#messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40 || ui.shownFor !== c.id + ui.user;
    // Messages that did not change keep their nodes (an open menu stays open while others arrive).
    const ctx = context();
    const kept = ui.shownFor === c.id + ui.user ? ui.drawn : new Map();
    const nodes = c.messages.map((m) => {
      const signature = JSON.stringify([m.text, m.blocks, m.files, m.ephemeral, me().tz]);
      const old = kept.get(m.ts);
      const node = old && old.signature === signature ? old.node : message(m, c, ctx);
      return [m.ts, { signature, node }];
    });
    ui.drawn = new Map(nodes);
    if (!c.messages.length) list.replaceChildren(el("div", "empty", isApp ? "Nothing from Pipeline Coach yet. Type /opportunity help below." : "No messages yet."));
    else list.replaceChildren(...nodes.map(([, entry]) => entry.node));
    if (atBottom) list.scrollTop = list.scrollHeight;
    ui.shownFor = c.id + ui.user;
  }

  function message(m, c, ctx) {
    const author = ctx.people[m.user] || { real_name: m.user, is_bot: false };
    const node = el("div", "message" + (m.ephemeral ? " ephemeral" : ""));
    node.dataset.ts = m.ts;
    node.appendChild(el("span", "avatar" + (author.is_bot ? " bot" : ""), author.is_bot ? "🧭" : initials(author.real_name)));
    const body = el("div", "message-body");
    const meta = el("div", "meta");
    meta.append(el("b", "", author.real_name));
    if (author.is_bot) meta.append(el("span", "app-badge", "APP"));
    meta.append(el("span", "time", timeLabel(new Date(Number(m.ts.split(".")[0]) * 1000), { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })));
    if (m.ephemeral) meta.append(el("span", "only-you", "Only visible to you"));
    body.appendChild(meta);
    const act = (action) => api("/sandbox/action", { where: { type: "message", channel: c.id, ts: m.ts }, action }).then(afterAction);
    if (m.blocks && m.blocks.length) body.appendChild(BlockKit.render(m.blocks, { ...ctx, act }));
    else if (m.text) body.appendChild(BlockKit.text({ type: "mrkdwn", text: m.text }, ctx));
    (m.files || []).forEach((f) => {
      const holder = body.appendChild(el("div", "files"));
      if (/\.png$/i.test(f.name || "")) {
        // A chart: shown as Slack shows an image, with its alt text for screen readers and as a caption.
        holder.appendChild(el("div", "file-title", f.title || f.name));
        const picture = holder.appendChild(el("img", "file-image"));
        picture.src = `/files/${f.id}`;
        picture.alt = f.alt_txt || f.title || f.name;
        picture.title = f.alt_txt || "";
        return;
      }
      const link = el("a", "file", `📄 ${f.title || f.name}`);
      link.href = `/files/${f.id}`;
      holder.appendChild(link);
    });
    if (!(m.blocks && m.blocks.length) && !m.text && !(m.files || []).length) body.appendChild(el("div", "bk-unknown", "⚠ This message arrived empty."));
    node.appendChild(body);
    return node;
  }

  function afterAction(answer) {
    if (!answer.ok) notice(answer.error || "That didn't work.");
    refresh();
  }

  // ---- Home and modals --------------------------------------------------------------------------

  function drawHome() {
    const home = ui.state.home;
    const key = home ? home.id + home.hash : "none";
    if (key === ui.homeKey) return;
    ui.homeKey = key;
    const root = $("#home");
    root.replaceChildren();
    if (!home) return root.appendChild(el("div", "empty", "Opening Home…"));
    const act = (action) => api("/sandbox/action", { where: { type: "view", view_id: home.id }, action, state: {} }).then(afterAction);
    root.appendChild(BlockKit.render(home.blocks, { ...context(), act }));
  }

  function drawModal() {
    const view = ui.state.modal;
    const key = view ? view.id + view.hash : null;
    if (key === ui.modalKey) return;
    ui.modalKey = key;
    const backdrop = $("#modal-backdrop");
    backdrop.hidden = !view;
    if (!view) return;
    const modal = $("#modal");
    modal.replaceChildren();
    const head = el("div", "modal-head");
    head.appendChild(BlockKit.text(view.title, context(), "modal-title"));
    const x = el("button", "modal-x", "×");
    x.title = "Close";
    x.addEventListener("click", () => closeModal(view, true));
    head.appendChild(x);
    const body = el("div", "modal-body");
    const act = (action) => api("/sandbox/action", { where: { type: "view", view_id: view.id }, action, state: BlockKit.state(body) }).then(afterAction);
    body.appendChild(BlockKit.render(view.blocks, { ...context(), act, errors: {} }));
    const foot = el("div", "modal-foot");
    const cancel = el("button", "bk-button", view.close ? view.close.text : "Cancel");
    cancel.dataset.role = "cancel";
    cancel.addEventListener("click", () => closeModal(view));
    foot.appendChild(cancel);
    if (view.submit) {
      const submit = el("button", "bk-button bk-primary", view.submit.text);
      submit.dataset.role = "submit";
      submit.addEventListener("click", () => submitModal(view, body));
      foot.appendChild(submit);
    }
    modal.append(head, body, foot);
  }

  async function submitModal(view, body) {
    const answer = await api("/sandbox/submit", { view_id: view.id, state: BlockKit.state(body) });
    body.querySelectorAll(".bk-error").forEach((node) => node.remove());
    body.querySelectorAll(".bk-has-error").forEach((node) => node.classList.remove("bk-has-error"));
    if (answer.errors) {
      Object.entries(answer.errors).forEach(([blockId, text]) => {
        const block = body.querySelector(`.bk-block[data-block-id="${CSS.escape(blockId)}"]`);
        if (!block) return notice(`The app reported a problem with a field this form doesn't have (${blockId}).`);
        block.classList.add("bk-has-error");
        block.appendChild(el("div", "bk-error", text));
      });
    }
    if (answer.problem) notice(answer.problem);
    refresh();
  }

  function closeModal(view, everything) {
    // Cancel goes back to the view underneath; × closes the whole stack, as in Slack.
    api("/sandbox/close", { view_id: view.id, everything: !!everything }).then(() => refresh());
  }

  // ---- the composer ------------------------------------------------------------------------------

  async function send(event) {
    event.preventDefault();
    const input = $("#compose-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    Composer.hints($("#compose-input"), $("#hints"));
    const answer = await api(text.startsWith("/") ? "/sandbox/command" : "/sandbox/say", { channel: conversation().id, text });
    if (!answer.ok) notice(answer.error);
    refresh();
  }

  // ---- drawing and polling ----------------------------------------------------------------------

  function draw(force) {
    drawSidebar();
    drawPeople();
    drawMessages();
    drawModal();
    void force;
  }

  // Answers can arrive out of order (the 700 ms poll and a click's refresh overlap): one asked as someone
  // else, or older than one already shown, is dropped, so a switch of person never shows the last one's page.
  const refreshes = { asked: 0, shown: 0, forced: false };

  async function refresh(force) {
    const user = ui.user, mine = ++refreshes.asked;
    if (force) refreshes.forced = true;
    const state = await api(`/sandbox/state?user=${encodeURIComponent(user)}`);
    if (!state.ok || user !== ui.user || mine < refreshes.shown) return;
    refreshes.shown = mine;
    const changed = refreshes.forced || state.version !== ui.version || state.now !== (ui.state && ui.state.now);
    refreshes.forced = false;
    ui.state = state;
    ui.version = state.version;
    if (changed) draw(true);
  }

  // Where the page opens: a reload in the same run stays with its person (in the channel); a new run opens
  // where the sandbox says its story starts (after --demo, Maya's DM with the coach).
  async function opening() {
    const first = await api("/sandbox/state?user=U0MAYA");
    const kept = JSON.parse(localStorage.getItem("sandbox-person") || "{}");
    if (kept.run === first.run && first.people.some((p) => p.id === kept.user)) {
      ui.user = kept.user;
      ui.where = first.conversations.find((c) => !c.is_im).id;
    } else {
      ui.user = first.opens_on.user;
      ui.where = first.opens_on.conversation;
    }
    ui.run = first.run;
  }

  async function start() {
    await opening();
    await refresh(true);
    $("#composer").addEventListener("submit", send);
    $("#compose-input").addEventListener("input", () => Composer.hints($("#compose-input"), $("#hints")));
    $("#compose-input").addEventListener("keydown", (event) => {
      const first = $("#hints .hint");
      if (event.key === "Tab" && first && !$("#hints").hidden) { event.preventDefault(); first.click(); }
    });
    $("#tab-home").addEventListener("click", () => { ui.tab = "home"; ui.homeKey = null; api("/sandbox/home", {}).then(() => refresh(true)); draw(true); });
    $("#tab-messages").addEventListener("click", () => { ui.tab = "messages"; draw(true); });
    document.querySelectorAll("[data-jump]").forEach((button) => button.addEventListener("click", async () => {
      button.disabled = true;
      const answer = await api("/sandbox/clock", { jump: button.dataset.jump });
      button.disabled = false;
      if (!answer.ok) notice(answer.error);
      refresh(true);
    }));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && ui.state.modal) closeModal(ui.state.modal, true);
    });
    setInterval(() => refresh(), 700);
  }

  window.addEventListener("DOMContentLoaded", start);
})();
