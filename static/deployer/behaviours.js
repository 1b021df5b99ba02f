// Behaviours that markup asks for with data- attributes. The Content-Security-Policy allows
// scripts from this site only (no inline <script>, on*= handlers, hx-on or js: values), so the
// few lines of JavaScript pages need live here.

// <form data-confirm="Delete this step?">: asks before submitting.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// <select data-submit-on-change>: submits its form as soon as the choice changes.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-submit-on-change]")) event.target.form.submit();
});

// <input data-query-param="q" hx-get=...>: sends its value as `q` as well as under its name.
document.addEventListener("htmx:configRequest", (event) => {
  const name = event.detail.elt.dataset && event.detail.elt.dataset.queryParam;
  if (name) event.detail.parameters[name] = event.detail.elt.value;
});

// <dialog data-modal> added by htmx: opens as a modal, and leaves the page once closed.
document.addEventListener("htmx:load", (event) => {
  const dialog = event.detail.elt;
  if (!dialog.matches || !dialog.matches("dialog[data-modal]") || dialog.open) return;
  dialog.addEventListener("close", () => dialog.remove(), {once: true});
  dialog.showModal();
});
