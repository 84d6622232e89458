/* Answer boxes of the exercises (conf/_ext/linreg_answers.py): check a typed number offline.
 *
 * Each .answer-check carries data-answer = {"value": v, "tol": t}, computed by linreg_src when
 * the book was built. What the reader types is parsed forgivingly -- fractions, 5e-5, 5×10^-5,
 * 10⁻⁵, a leading + or −, full-width digits and signs, spaces, a trailing % -- and compared:
 * |x − v| ≤ t. The box gets data-verdict="correct" or "wrong" and a Chinese verdict; a right
 * answer opens the exercise's folded solution. No network, no eval().
 */
(function () {
  "use strict";

  var SUPERSCRIPTS = { "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5",
    "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+" };

  /* Text -> a plain ASCII expression: digits . + - * / ^ ( ) e % */
  function normalize(text) {
    var s = String(text);
    // 10⁻⁵ -> 10^(-5), before NFKC turns superscripts into plain digits
    s = s.replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+/g, function (run) {
      return "^(" + run.split("").map(function (c) { return SUPERSCRIPTS[c]; }).join("") + ")";
    });
    if (s.normalize) s = s.normalize("NFKC"); // full-width ０-９ ＋ － ／ ． ( ) ½ -> ASCII
    s = s.replace(/[\u2212\u2010-\u2015\uFE63\uFF0D]/g, "-"); // − ‐ ‑ ‒ – — ﹣ －
    s = s.replace(/[×✕⋅·∙*]/g, "*").replace(/[÷∕⁄]/g, "/").replace(/，/g, ",");
    s = s.replace(/\*\*/g, "^").replace(/\s+/g, "");
    s = s.replace(/^[=＝]/, "");
    return s;
  }

  /* A tiny recursive-descent parser: expr := term (('+'|'-') term)*, term := factor
   * (('*'|'/') factor)*, factor := ('+'|'-') factor | power, power := atom ('^' factor)?,
   * atom := number | '(' expr ')', and a trailing '%'. Returns NaN for anything else. */
  function evaluate(text) {
    var s = normalize(text), i = 0;
    if (!s) return NaN;
    function peek() { return s.charAt(i); }
    function number() {
      var m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s.slice(i));
      if (!m) throw new Error("number");
      i += m[0].length;
      return parseFloat(m[0]);
    }
    function atom() {
      if (peek() === "(") {
        i += 1;
        var v = expr();
        if (peek() !== ")") throw new Error(")");
        i += 1;
        return v;
      }
      return number();
    }
    function power() {
      var base = atom();
      if (peek() === "^") { i += 1; return Math.pow(base, factor()); }
      return base;
    }
    function factor() {
      if (peek() === "+") { i += 1; return factor(); }
      if (peek() === "-") { i += 1; return -factor(); }
      return power();
    }
    function term() {
      var v = factor();
      while (peek() === "*" || peek() === "/") {
        var op = peek();
        i += 1;
        var r = factor();
        v = op === "*" ? v * r : v / r;
      }
      return v;
    }
    function expr() {
      var v = term();
      while (peek() === "+" || peek() === "-") {
        var op = peek();
        i += 1;
        var r = term();
        v = op === "+" ? v + r : v - r;
      }
      return v;
    }
    try {
      var v = expr();
      if (peek() === "%") { i += 1; v /= 100; }
      return i === s.length && isFinite(v) ? v : NaN;
    } catch (e) {
      return NaN;
    }
  }

  function openSolution(box) {
    var exercise = box.closest(".exercise");
    var next = exercise ? exercise.nextElementSibling : null;
    while (next && !next.classList.contains("solution")) {
      if (next.classList.contains("exercise")) return;
      next = next.nextElementSibling;
    }
    if (!next) return;
    var button = next.querySelector(".toggle-button");
    if (next.classList.contains("toggle-hidden") && button) button.click();
    else if (next.tagName === "DETAILS") next.open = true;
  }

  function check(box) {
    var input = box.querySelector("input");
    var verdict = box.querySelector(".answer-verdict");
    var spec = JSON.parse(box.getAttribute("data-answer"));
    var typed = input.value;
    var x = evaluate(typed);
    var right = isFinite(x) && Math.abs(x - spec.value) <= spec.tol;
    box.setAttribute("data-verdict", right ? "correct" : "wrong");
    input.setAttribute("aria-invalid", right ? "false" : "true");
    if (right) {
      verdict.textContent = "对了！下面的解答已经展开。";
      openSolution(box);
    } else if (!typed.trim()) {
      verdict.textContent = "还不对：先输入一个数。";
    } else if (!isFinite(x)) {
      verdict.textContent = "还不对：没看懂这个输入。请写一个数、分数或 5×10^-5 这样的式子。";
    } else {
      verdict.textContent = "还不对。提示：" + box.getAttribute("data-hint");
    }
  }

  function setup() {
    document.querySelectorAll(".answer-check").forEach(function (box) {
      var input = box.querySelector("input");
      box.querySelector(".answer-button").addEventListener("click", function () { check(box); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); check(box); }
      });
      input.addEventListener("input", function () {
        box.removeAttribute("data-verdict");
      });
    });
  }

  window.linregAnswer = { evaluate: evaluate }; // for the browser tests
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
