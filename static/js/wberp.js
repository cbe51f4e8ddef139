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
