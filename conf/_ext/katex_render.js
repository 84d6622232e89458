// Renders TeX to HTML + MathML with KaTeX, for conf/_ext/linreg_katex.py (one process per build).
//
//   node katex_render.js KATEX_PACKAGE_DIR OPTIONS_JSON
//
// Reads one JSON request per line on stdin, {"tex": "...", "display": true}, and answers each
// with one JSON line on stdout: {"html": "..."} or {"error": "KaTeX's message"}.
"use strict";

const readline = require("readline");

const [katexDir, optionsJson] = process.argv.slice(2);
const katex = require(katexDir);
const options = JSON.parse(optionsJson);

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  const { tex, display } = JSON.parse(line);
  let answer;
  try {
    // A fresh copy of the macros each time: \gdef in one formula must not leak into the next.
    const html = katex.renderToString(tex, {
      ...options,
      macros: { ...options.macros },
      displayMode: display,
    });
    answer = { html };
  } catch (error) {
    answer = { error: String(error && error.message ? error.message : error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
