// The console's only script: keyboard shortcuts on pages that declare them
// (elements with data-key). No inline script anywhere: the CSP forbids it.
"use strict";
document.addEventListener("keydown", function (ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  var t = ev.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
  var el = document.querySelector('[data-key="' + ev.key.replace(/["\\]/g, "") + '"]');
  if (el) { ev.preventDefault(); el.click(); }
});
