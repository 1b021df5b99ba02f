// Copy buttons: <button data-copy-target="#id">. Clipboard API first; where it is unavailable
// (plain http on another host), select the text so Ctrl-C copies it.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copyTarget);
  const status = button.parentElement.querySelector("[data-copy-status]");
  const say = (text) => { if (status) status.textContent = text; };
  try {
    await navigator.clipboard.writeText(source.textContent);
    say("Copied.");
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    say("Selected: press Ctrl-C (⌘-C) to copy.");
  }
});
