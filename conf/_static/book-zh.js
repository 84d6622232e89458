// sphinx-togglebutton inserts its buttons with an English aria-label ("Toggle hidden content")
// that a screen reader reads out; conf.py loads this (deferred, after togglebutton.js) on the
// pages that have such buttons.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll('[aria-label="Toggle hidden content"]')) {
    button.setAttribute("aria-label", "显示或隐藏折叠的内容");
  }
});
