// Block Kit, rendered as Slack renders it: every block and element the bot uses, mrkdwn, mentions as
// names, emoji. Anything this file does not know is drawn as a visible failure, never as a blank.
(function () {
  "use strict";

  const BLOCKS = ["header", "section", "context", "divider", "actions", "input", "image"];
  const ELEMENTS = ["button", "static_select", "overflow", "datepicker", "plain_text_input", "image"];
  const TEXTS = ["mrkdwn", "plain_text"];

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function unescapeSlack(text) {
    return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function emojify(html) {
    return html.replace(/:([a-z0-9_+\-]+):/g, (whole, name) => (window.EMOJI || {})[name] || whole);
  }

  function failure(kind, ctx) {
    window.__renderFailures = window.__renderFailures || [];
    window.__renderFailures.push(kind);
    return el("div", "bk-unknown", `⚠ The sandbox can't show this part of the message (${kind}).`);
  }

  // <@U123>, <#C123|name>, <!here>, <https://x|label>: Slack's markup inside text.
  function token(inner, ctx) {
    const [target, label] = inner.split("|", 2).concat([undefined]).slice(0, 2);
    if (target.startsWith("@")) {
      const person = ctx.people[target.slice(1)];
      return `<span class="bk-mention">@${escapeHtml(person ? person.real_name : label || target.slice(1))}</span>`;
    }
    if (target.startsWith("#")) {
      const channel = ctx.channels[target.slice(1)];
      return `<span class="bk-mention">#${escapeHtml(channel ? channel.name : label || target.slice(1))}</span>`;
    }
    if (target.startsWith("!")) {
      const shown = label || "@" + target.slice(1).split("^")[0];
      return `<span class="bk-mention">${escapeHtml(unescapeSlack(shown))}</span>`;
    }
    const url = unescapeSlack(target);
    if (!/^(https?:|mailto:)/i.test(url)) return escapeHtml(unescapeSlack(inner));
    return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener">${escapeHtml(unescapeSlack(label || url))}</a>`;
  }

  function mrkdwn(text, ctx) {
    const held = [];
    const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
    let out = String(text).replace(/<([^<>]+)>/g, (whole, inner) => hold(token(inner, ctx)));
    out = escapeHtml(unescapeSlack(out));
    out = out.replace(/```([\s\S]+?)```/g, (whole, code) => hold(`<pre class="bk-pre">${code}</pre>`));
    out = out.replace(/`([^`\n]+)`/g, (whole, code) => hold(`<code class="bk-code">${code}</code>`));
    const edge = "(^|[\\s(\\[{\u0000'\"“‘])";
    const after = "(?=$|[\\s)\\]}.,!?:;\u0000'\"”’-])";
    out = out.replace(new RegExp(edge + "\\*(?!\\s)([^*\\n]+?)\\*" + after, "g"), "$1<b>$2</b>");
    out = out.replace(new RegExp(edge + "_(?!\\s)([^_\\n]+?)_" + after, "g"), "$1<i>$2</i>");
    out = out.replace(new RegExp(edge + "~(?!\\s)([^~\\n]+?)~" + after, "g"), "$1<s>$2</s>");
    out = out.replace(/(^|\n)&gt; ?([^\n]*)/g, '$1<span class="bk-quote">$2</span>');
    out = emojify(out).replace(/\n/g, "<br>");
    return out.replace(/\u0000(\d+)\u0000/g, (whole, index) => held[Number(index)]);
  }

  function text(object, ctx, className) {
    if (!object || !TEXTS.includes(object.type)) return failure(`text ${object && object.type}`, ctx);
    const node = el("span", className || "bk-text");
    if (object.type === "mrkdwn") node.innerHTML = mrkdwn(object.text || "", ctx);
    else node.innerHTML = object.emoji === false ? escapeHtml(unescapeSlack(object.text || "")) : emojify(escapeHtml(unescapeSlack(object.text || "")));
    return node;
  }

  function plainOf(object) {
    return object ? unescapeSlack(object.text || "") : "";
  }

  function optionsOf(element) {
    if (element.options) return element.options;
    return (element.option_groups || []).flatMap((group) => group.options || []);
  }

  // ---- elements ------------------------------------------------------------------------------

  function button(element, ctx, blockId) {
    const node = el("button", "bk-button" + (element.style ? ` bk-${element.style}` : ""));
    node.appendChild(text(element.text, ctx, "bk-label"));
    node.dataset.actionId = element.action_id || "";
    node.addEventListener("click", () => {
      const ask = element.confirm;
      if (ask && !window.confirm(`${plainOf(ask.title)}\n\n${plainOf(ask.text)}`)) return;
      if (element.url) window.open(element.url, "_blank", "noopener");
      ctx.act({ type: "button", action_id: element.action_id, block_id: blockId, value: element.value, text: element.text });
    });
    return node;
  }

  function select(element, ctx, blockId, inInput) {
    const node = el("select", "bk-select");
    node.dataset.actionId = element.action_id || "";
    node.dataset.type = "static_select";
    const options = optionsOf(element);
    const placeholder = el("option", "", plainOf(element.placeholder) || "Select an item");
    placeholder.value = "";
    node.appendChild(placeholder);
    options.forEach((option, index) => {
      const item = el("option", "", emojify(plainOf(option.text)));
      item.value = String(index);
      if (element.initial_option && element.initial_option.value === option.value) item.selected = true;
      node.appendChild(item);
    });
    node.readValue = () => {
      const chosen = options[Number(node.value)];
      return { type: "static_select", selected_option: node.value === "" ? null : chosen };
    };
    if (!inInput) {
      node.addEventListener("change", () => ctx.act({ action_id: element.action_id, block_id: blockId, ...node.readValue() }));
    }
    return node;
  }

  function overflow(element, ctx, blockId) {
    const wrap = el("span", "bk-overflow");
    const trigger = el("button", "bk-button bk-overflow-button", "⋯");
    trigger.title = "More actions";
    trigger.dataset.actionId = element.action_id || "";
    const menu = el("div", "bk-menu");
    optionsOf(element).forEach((option) => {
      const item = el("button", "bk-menu-item");
      item.appendChild(text(option.text, ctx));
      item.addEventListener("click", () => {
        menu.classList.remove("open");
        ctx.act({ type: "overflow", action_id: element.action_id, block_id: blockId, selected_option: option });
      });
      menu.appendChild(item);
    });
    trigger.addEventListener("click", (event) => {
      event.stopPropagation();
      document.querySelectorAll(".bk-menu.open").forEach((other) => other !== menu && other.classList.remove("open"));
      menu.classList.toggle("open");
      const room = window.innerHeight - trigger.getBoundingClientRect().bottom;
      menu.classList.toggle("up", room < menu.offsetHeight + 90); // near the composer: open upwards
    });
    wrap.append(trigger, menu);
    return wrap;
  }

  function datepicker(element, ctx, blockId, inInput) {
    const node = el("input", "bk-date");
    node.type = "date";
    node.dataset.actionId = element.action_id || "";
    if (element.initial_date) node.value = element.initial_date;
    node.readValue = () => ({ type: "datepicker", selected_date: node.value || null });
    if (!inInput) node.addEventListener("change", () => ctx.act({ action_id: element.action_id, block_id: blockId, ...node.readValue() }));
    return node;
  }

  function textInput(element) {
    const node = el(element.multiline ? "textarea" : "input", "bk-text-input");
    if (!element.multiline) node.type = "text";
    node.dataset.actionId = element.action_id || "";
    if (element.initial_value) node.value = element.initial_value;
    if (element.placeholder) node.placeholder = plainOf(element.placeholder);
    if (element.max_length) node.maxLength = element.max_length;
    node.readValue = () => ({ type: "plain_text_input", value: node.value === "" ? null : node.value });
    return node;
  }

  function image(element) {
    const node = el("img", "bk-image");
    node.src = element.image_url || "";
    node.alt = element.alt_text || "";
    return node;
  }

  function element(element, ctx, blockId, inInput) {
    if (!element || !ELEMENTS.includes(element.type)) return failure(`element ${element && element.type}`, ctx);
    if (element.type === "button") return button(element, ctx, blockId);
    if (element.type === "static_select") return select(element, ctx, blockId, inInput);
    if (element.type === "overflow") return overflow(element, ctx, blockId);
    if (element.type === "datepicker") return datepicker(element, ctx, blockId, inInput);
    if (element.type === "plain_text_input") {
      return inInput ? textInput(element) : failure("plain_text_input outside an input block", ctx);
    }
    return image(element);
  }

  // ---- blocks --------------------------------------------------------------------------------

  function block(data, ctx) {
    if (!data || !BLOCKS.includes(data.type)) return failure(`block ${data && data.type}`, ctx);
    const blockId = data.block_id || "";
    const node = el("div", `bk-block bk-${data.type}`);
    node.dataset.blockId = blockId;
    if (data.type === "header") node.appendChild(text(data.text, ctx, "bk-header-text"));
    if (data.type === "divider") node.appendChild(el("hr"));
    if (data.type === "image") node.appendChild(image(data));
    if (data.type === "section") {
      const body = el("div", "bk-section-body");
      if (data.text) body.appendChild(text(data.text, ctx));
      if (data.fields) {
        const fields = el("div", "bk-fields");
        data.fields.forEach((field) => fields.appendChild(text(field, ctx, "bk-field")));
        body.appendChild(fields);
      }
      node.appendChild(body);
      if (data.accessory) node.appendChild(el("div", "bk-accessory")).appendChild(element(data.accessory, ctx, blockId, false));
    }
    if (data.type === "context") {
      (data.elements || []).forEach((item) => node.appendChild(item.type === "image" ? image(item) : text(item, ctx)));
    }
    if (data.type === "actions") {
      (data.elements || []).forEach((item) => node.appendChild(element(item, ctx, blockId, false)));
    }
    if (data.type === "input") {
      const label = el("label", "bk-input-label");
      label.appendChild(text(data.label, ctx));
      if (data.optional) label.appendChild(el("span", "bk-optional", " (optional)"));
      const field = element(data.element, ctx, blockId, true);
      field.dataset.input = "true";
      node.append(label, field);
      if (data.hint) node.appendChild(text(data.hint, ctx, "bk-hint"));
      const error = (ctx.errors || {})[blockId];
      if (error) {
        node.classList.add("bk-has-error");
        node.appendChild(el("div", "bk-error", unescapeSlack(error)));
      }
    }
    return node;
  }

  function render(blocks, ctx) {
    const wrap = el("div", "bk-blocks");
    (blocks || []).forEach((data) => wrap.appendChild(block(data, ctx)));
    return wrap;
  }

  // Slack's state.values for a rendered view: {block_id: {action_id: value}}.
  function state(root) {
    const values = {};
    root.querySelectorAll("[data-input='true']").forEach((node) => {
      const blockId = node.closest(".bk-block").dataset.blockId;
      values[blockId] = { [node.dataset.actionId]: node.readValue() };
    });
    return values;
  }

  document.addEventListener("click", () => document.querySelectorAll(".bk-menu.open").forEach((menu) => menu.classList.remove("open")));
  window.BlockKit = { render, text, mrkdwn, state, BLOCKS, ELEMENTS, TEXTS };
})();
