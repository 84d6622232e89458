/* Equation previews (conf/_ext/linreg_previews.py): hovering or focusing an {eq} reference
 * shows the equation beside it. Same-page equations are copied from the page; other pages'
 * equations were embedded at build time (#equation-previews). Nothing is fetched.
 */
(function () {
  "use strict";

  var embedded = {};
  var tip = null, current = null, hideTimer = 0;

  function equationFor(link) {
    var href = link.getAttribute("href");
    if (href.charAt(0) === "#") {
      var target = document.getElementById(decodeURIComponent(href.slice(1)));
      var katex = target && target.querySelector(".katex-display, .katex");
      return katex ? katex.cloneNode(true) : null;
    }
    if (!(href in embedded)) return null;
    var holder = document.createElement("div");
    holder.innerHTML = embedded[href];
    return holder;
  }

  function show(link) {
    clearTimeout(hideTimer);
    if (current === link) return;
    var content = equationFor(link);
    if (!content) return;
    hide();
    tip = document.createElement("div");
    tip.className = "equation-preview";
    tip.id = "equation-preview";
    tip.setAttribute("role", "tooltip");
    var title = document.createElement("div");
    title.className = "equation-preview-title";
    title.textContent = link.textContent;
    tip.append(title, content);
    document.body.append(tip);
    link.setAttribute("aria-describedby", tip.id);
    var rect = link.getBoundingClientRect();
    var width = tip.offsetWidth;
    var left = Math.max(8, Math.min(rect.left, document.documentElement.clientWidth - width - 8));
    tip.style.left = left + window.scrollX + "px";
    tip.style.top = rect.bottom + window.scrollY + 6 + "px";
    tip.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    tip.addEventListener("mouseleave", laterHide);
    current = link;
  }

  function hide() {
    if (tip) tip.remove();
    if (current) current.removeAttribute("aria-describedby");
    tip = null;
    current = null;
  }
  function laterHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 200);
  }

  function setup() {
    var data = document.getElementById("equation-previews");
    if (data) embedded = JSON.parse(data.textContent);
    document.querySelectorAll('a.reference.internal[href*="#equation-"]').forEach(function (a) {
      a.addEventListener("mouseenter", function () { show(a); });
      a.addEventListener("focus", function () { show(a); });
      a.addEventListener("mouseleave", laterHide);
      a.addEventListener("blur", laterHide);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") hide();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
