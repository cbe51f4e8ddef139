// wberp's own behaviour, loaded on every page. No inline scripts anywhere:
// the Content-Security-Policy allows scripts from our origin only.
"use strict";

(function () {
  const TOAST_SECONDS = 6;

  function showToast(message, level) {
    const box = document.getElementById("toasts");
    if (!box || !message) return;
    const toast = document.createElement("div");
    toast.className = "toast " + (level || "success");
    toast.textContent = message;
    box.appendChild(toast);
    setTimeout(() => toast.remove(), TOAST_SECONDS * 1000);
  }

  // Servers send {"showToast": {"message": ..., "level": ...}} via HX-Trigger.
  document.body.addEventListener("showToast", (event) => {
    showToast(event.detail.message, event.detail.level);
  });

  // htmx does not swap 4xx/5xx responses; say something instead of nothing.
  document.body.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr.status;
    const messages = document.body.dataset;
    const text = status === 403 ? messages.msgForbidden : messages.msgError;
    showToast(text, "error");
  });
  document.body.addEventListener("htmx:sendError", () => {
    showToast(document.body.dataset.msgOffline, "error");
  });

  window.wberp = { showToast };
})();

// Dialogs: links marked data-opens-dialog load their form into #dialog-body
// (hx-get), and the dialog opens once it has arrived and settled: only then
// has htmx wired the form's own triggers (the token's live preview), so
// nothing typed or pasted at once goes unseen. The browser's modal dialog
// traps focus, closes on Escape and gives focus back to the opener.
(function () {
  function dialog() {
    return document.getElementById("dialog");
  }

  document.body.addEventListener("htmx:afterSettle", (event) => {
    const box = dialog();
    if (!box || event.detail.target.id !== "dialog-body") return;
    if (!box.open) box.showModal();
    const first = box.querySelector("input:not([type=hidden]), select, textarea, button");
    if (first) first.focus();
  });

  document.body.addEventListener("closeDialog", () => {
    const box = dialog();
    if (box && box.open) box.close();
  });

  // However it closes (saved, Cancel, Escape), the dialog forgets its form: a token kept
  // in its field for a second try (hx-preserve) must not turn up in the next dialog.
  document.body.addEventListener("close", (event) => {
    if (event.target.id !== "dialog") return;
    const body = document.getElementById("dialog-body");
    if (body) body.replaceChildren();
  }, true);

  document.body.addEventListener("click", (event) => {
    const closer = event.target.closest("[data-close-dialog]");
    const box = dialog();
    if (!closer || !box || !box.open) return;
    event.preventDefault();
    box.close();
  });
})();
