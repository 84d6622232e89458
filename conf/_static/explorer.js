/* The gradient explorer (conf/_ext/linreg_explorer.py): sliders for w and b, read-outs, and the
 * loss curve over w with its tangent. Every number comes from the grid that linreg_src computed
 * when the book was built (embedded JSON): this script only looks values up and draws.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var W = 360, H = 220, PAD = { left: 46, right: 12, top: 12, bottom: 34 };

  function fmt(v) {
    var s = (Math.abs(v) < 5e-13 ? 0 : v).toFixed(2);
    return s === "-0.00" ? "0.00" : s.replace("-", "\u2212");
  }
  function fmtList(values) {
    var parts = values.map(fmt);
    return parts.length === 1 ? parts[0] : "[" + parts.join(", ") + "]";
  }
  function el(tag, attrs, text) {
    var e = tag.indexOf("svg:") === 0
      ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  var QUANTITIES = [
    // [grid key, label, what it is]
    ["y_hat", "ŷ", "预测值"],
    ["delta", "δ = ŷ − y", "误差项"],
    ["loss", "L", "总损失"],
    ["grad_w", "Xᵀδ", "∂L/∂w"],
    ["grad_b", "Σδ", "∂L/∂b"],
  ];

  function build(root) {
    var grid = JSON.parse(root.querySelector(".explorer-data").textContent);
    var id = root.id;
    var state = { i: grid.start[0], j: grid.start[1] };
    var noscript = root.querySelector(".explorer-noscript");
    if (noscript) noscript.remove();

    var controls = el("div", { "class": "explorer-controls" });
    var sliders = {};
    [["w", "i", grid.w], ["b", "j", grid.b]].forEach(function (spec) {
      var name = spec[0], index = spec[1], values = spec[2];
      var row = el("div", { "class": "explorer-slider" });
      var label = el("label", { "for": id + "-" + name }, name);
      var input = el("input", {
        type: "range", id: id + "-" + name, min: "0", max: String(values.length - 1),
        step: "1", value: String(state[index]), "data-param": name,
      });
      var output = el("output", { "for": id + "-" + name, "class": "explorer-value" });
      input.addEventListener("input", function () {
        state[index] = Number(input.value);
        update();
      });
      row.append(label, input, output);
      controls.append(row);
      sliders[name] = { input: input, output: output, values: values };
    });

    var data = el("p", { "class": "explorer-data-line" },
      "数据：x = " + fmtList(grid.x) + "，y = " + fmtList(grid.y));
    var readouts = el("dl", { "class": "explorer-readouts" });
    var cells = {};
    QUANTITIES.forEach(function (q) {
      var item = el("div", { "class": "explorer-readout" });
      item.append(el("dt", {}, q[1] + "（" + q[2] + "）"));
      var dd = el("dd", { "data-quantity": q[0] });
      item.append(dd);
      readouts.append(item);
      cells[q[0]] = dd;
    });

    var svg = el("svg:svg", {
      viewBox: "0 0 " + W + " " + H, "class": "explorer-plot", role: "img",
      "aria-label": "总损失 L 随 w 变化的曲线，以及当前 w 处斜率为 ∂L/∂w 的切线",
    });
    var clipId = id + "-clip";
    var clip = el("svg:clipPath", { id: clipId });
    clip.append(el("svg:rect", {
      x: PAD.left, y: PAD.top, width: W - PAD.left - PAD.right, height: H - PAD.top - PAD.bottom,
    }));
    svg.append(clip);
    var axes = el("svg:path", { "class": "explorer-axes", fill: "none" });
    var curve = el("svg:polyline", { "class": "explorer-curve", fill: "none" });
    var tangent = el("svg:line", { "class": "explorer-tangent", "clip-path": "url(#" + clipId + ")" });
    var dot = el("svg:circle", { "class": "explorer-dot", r: "4" });
    var xLabel = el("svg:text", { x: W - PAD.right, y: H - 6, "text-anchor": "end" }, "w");
    var yLabel = el("svg:text", { x: 6, y: PAD.top + 10 }, "L");
    var xMin = el("svg:text", { x: PAD.left, y: H - 18, "text-anchor": "middle" });
    var xMax = el("svg:text", { x: W - PAD.right, y: H - 18, "text-anchor": "end" });
    var yMax = el("svg:text", { x: PAD.left - 4, y: PAD.top + 10, "text-anchor": "end" });
    var legend = el("svg:text", { x: PAD.left + 8, y: PAD.top + 14, "class": "explorer-legend" },
      "切线斜率 = ∂L/∂w");
    svg.append(axes, curve, tangent, dot, xLabel, yLabel, xMin, xMax, yMax, legend);

    // Scales: w over the grid; L from 0 to the largest loss anywhere in the grid (fixed, so
    // the curve moves when b does).
    var w0 = grid.w[0], w1 = grid.w[grid.w.length - 1];
    var lMax = Math.max.apply(null, grid.loss.map(function (r) { return Math.max.apply(null, r); }));
    function sx(w) { return PAD.left + (w - w0) / (w1 - w0) * (W - PAD.left - PAD.right); }
    function sy(l) { return H - PAD.bottom - l / lMax * (H - PAD.top - PAD.bottom); }
    axes.setAttribute("d", "M" + PAD.left + "," + PAD.top + "V" + (H - PAD.bottom) + "H" + (W - PAD.right));
    xMin.textContent = fmt(w0);
    xMax.textContent = fmt(w1);
    yMax.textContent = String(Math.round(lMax));

    var body = el("div", { "class": "explorer-body" });
    var side = el("div", { "class": "explorer-side" });
    side.append(controls, data, readouts);
    body.append(side, svg);
    root.append(body);

    function update() {
      var i = state.i, j = state.j;
      ["w", "b"].forEach(function (name) {
        var s = sliders[name], v = s.values[Number(s.input.value)];
        s.output.textContent = fmt(v);
        s.output.setAttribute("data-value", String(v));
        s.input.setAttribute("aria-valuetext", name + " = " + fmt(v));
      });
      QUANTITIES.forEach(function (q) {
        var v = grid[q[0]][i][j];
        cells[q[0]].textContent = Array.isArray(v) ? fmtList(v) : fmt(v);
        cells[q[0]].setAttribute("data-value", JSON.stringify(v));
      });
      curve.setAttribute("points", grid.w.map(function (w, k) {
        return sx(w).toFixed(2) + "," + sy(grid.loss[k][j]).toFixed(2);
      }).join(" "));
      var w = grid.w[i], l = grid.loss[i][j], slope = grid.grad_w[i][j];
      var half = (w1 - w0) / 4;
      tangent.setAttribute("x1", sx(w - half).toFixed(2));
      tangent.setAttribute("y1", sy(l - slope * half).toFixed(2));
      tangent.setAttribute("x2", sx(w + half).toFixed(2));
      tangent.setAttribute("y2", sy(l + slope * half).toFixed(2));
      dot.setAttribute("cx", sx(w).toFixed(2));
      dot.setAttribute("cy", sy(l).toFixed(2));
    }
    update();
  }

  function setup() {
    document.querySelectorAll(".gradient-explorer").forEach(build);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
