// Small behaviours the pages share; no inline handlers, so a strict Content-Security-Policy holds.

// <select data-autosubmit>: submit its form on change (the form has a <noscript> button too).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});

// Keyboard focus across htmx swaps. htmx restores focus only to an element with an id that
// survives the swap; a button, a help link or a new row would otherwise drop focus to <body>.
const FOCUSABLE = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";
let remembered = null;

document.addEventListener("htmx:beforeSwap", (event) => {
  const active = document.activeElement;
  const source = event.detail.requestConfig ? event.detail.requestConfig.elt : event.detail.elt;
  remembered = {
    id: active && active !== document.body ? active.id : "",
    name: active && active.getAttribute ? active.getAttribute("name") : "",
    // The field wrapper around the focused element, to land on its input when the element
    // itself (a help link, say) is gone.
    field: active && active.closest ? (active.closest(".step-field") || {}).id || "" : "",
    addRows: source && source.getAttribute("name") === "_add" ? source.value : "",
    removedFrom: source && source.getAttribute("name") === "_remove" ? source.value : "",
    typed: typedSinceSent(active, event.detail.requestConfig),
  };
});

// What the focused field holds now, when the user went on typing after the request that is being
// swapped in was sent: the answer carries the field as sent, and would drop the rest.
function typedSinceSent(active, requestConfig) {
  if (!active || !active.matches || !active.matches("input[name], textarea[name]")) return null;
  if (!requestConfig || !requestConfig.formData) return null;
  const sent = requestConfig.formData.get(active.name);
  if (typeof sent !== "string" || sent === active.value) return null;
  return {
    sent,
    value: active.value,
    start: active.selectionStart,
    end: active.selectionEnd,
  };
}

// Put back what was typed into the swapped-in field (when the answer kept the value as sent),
// and check it once the user leaves the field, as a change they typed would be.
function restoreTyped(memory) {
  const typed = memory.typed;
  const field = typed && memory.id ? document.getElementById(memory.id) : null;
  if (!field || field.value !== typed.sent) return;
  field.value = typed.value;
  if (document.activeElement === field && typed.start !== null) {
    field.setSelectionRange(typed.start, typed.end);
  }
  field.addEventListener(
    "blur",
    () => {
      if (field.isConnected && field.value !== typed.sent) {
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
    },
    { once: true },
  );
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

function firstInput(container) {
  return container ? container.querySelector(FOCUSABLE) : null;
}

document.addEventListener("htmx:afterSettle", () => {
  const memory = remembered;
  remembered = null;
  if (!memory) return;
  let target = null;
  if (memory.addRows) {
    // A new row was added: start typing in it.
    const rows = document.querySelectorAll(`#rows-${CSS.escape(memory.addRows)} .step-row`);
    target = firstInput(rows[rows.length - 1]);
  } else if (memory.removedFrom) {
    // A row was removed: stay in its list, on the row that took its place or the add button.
    const [key, index] = memory.removedFrom.split(/-(?=\d+$)/);
    const list = document.getElementById(`rows-${key}`);
    if (list) {
      const rows = list.querySelectorAll(".step-row");
      const row = rows[Math.min(Number(index), rows.length - 1)];
      target = firstInput(row) || list.querySelector("button[name=_add]");
    }
  } else if (document.activeElement === document.body || document.activeElement === null) {
    // Focus fell out of the page: put it back where the user was.
    target =
      (memory.id && document.getElementById(memory.id)) ||
      (memory.name && document.querySelector(`[name="${CSS.escape(memory.name)}"]`)) ||
      (memory.field && firstInput(document.getElementById(memory.field)));
  }
  if (target && target !== document.activeElement) target.focus();
  restoreTyped(memory);
});

// <form data-confirm="Question?">: ask before submitting.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// <dialog data-modal> arriving through htmx opens as a modal and leaves the page when closed.
document.addEventListener("htmx:load", (event) => {
  const dialogs = event.detail.elt.matches && event.detail.elt.matches("dialog[data-modal]")
    ? [event.detail.elt]
    : Array.from(event.detail.elt.querySelectorAll ? event.detail.elt.querySelectorAll("dialog[data-modal]") : []);
  for (const dialog of dialogs) {
    if (dialog.open) continue;
    dialog.addEventListener("close", () => dialog.remove(), { once: true });
    dialog.showModal();
  }
});

// <input data-tag-query hx-get=…>: the tag search asks for what has been typed as `q`.
document.addEventListener("htmx:configRequest", (event) => {
  const input = event.detail.elt;
  if (input.matches && input.matches("input[data-tag-query]")) event.detail.parameters.q = input.value;
});

// The feed form shows only the fields of the chosen kind; without JavaScript all stay visible.
function showFeedFieldsOfKind(form) {
  const fieldsByKind = { registry: ["url", "username", "password"], ecr: ["account", "region"] };
  const chosen = form.querySelector("input[name=kind]:checked");
  for (const [kind, names] of Object.entries(fieldsByKind)) {
    for (const name of names) {
      const wrapper = document.getElementById("div_id_" + name);
      if (wrapper) wrapper.hidden = chosen !== null && chosen.value !== kind;
    }
  }
}
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-feed-form]");
  if (form && event.target.name === "kind") showFeedFieldsOfKind(form);
});
document.querySelectorAll("form[data-feed-form]").forEach(showFeedFieldsOfKind);

// Pickers for AWS ids (<div data-picker-for=INPUT hx-get=…> under a step field): the request asks
// for what is being typed (in a comma-separated list, its last item) as `q`; a chosen id fills the
// field, or is added to the list, and the field is checked as if typed.
function pickerInput(picker) {
  return picker ? document.getElementById(picker.dataset.pickerFor) : null;
}
function listItems(value) {
  return value.split(",").map((item) => item.trim()).filter(Boolean);
}
document.addEventListener("htmx:configRequest", (event) => {
  const picker = event.detail.elt;
  if (!picker.matches || !picker.matches("[data-picker-for]")) return;
  const input = pickerInput(picker);
  if (!input) return;
  const typed = picker.dataset.pickerMultiple ? input.value.split(",").pop() : input.value;
  event.detail.parameters.q = typed.trim();
});
// Pressing a choice must not blur the field first: its change would be checked (and the field
// redrawn) with the half-typed text before the pick lands.
document.addEventListener("mousedown", (event) => {
  if (event.target.closest("[data-pick]")) event.preventDefault();
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-pick]");
  const picker = button ? button.closest("[data-picker-for]") : null;
  const input = pickerInput(picker);
  if (!input) return;
  const value = button.dataset.pick;
  if (picker.dataset.pickerMultiple) {
    const offered = new Set(Array.from(picker.querySelectorAll("[data-pick]"), (b) => b.dataset.pick));
    const items = listItems(input.value);
    // A last item that is no id on offer was a search: the pick takes its place.
    if (items.length && !offered.has(items[items.length - 1])) items.pop();
    if (!items.includes(value)) items.push(value);
    input.value = items.join(", ");
  } else {
    input.value = value;
  }
  input.dispatchEvent(new Event("change", { bubbles: true }));
  input.focus();
});
