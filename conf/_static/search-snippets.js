// Search result snippets show a formula's text, not its TeX or its layout twice over.
// KaTeX writes each formula as MathML (with the TeX source as an annotation) followed by the HTML
// a reader sees; Sphinx's search page makes a snippet from the whole text of the page it found.
// Loaded (deferred) on search.html only, after searchtools.js: conf/_ext/linreg_katex.py.
(() => {
  const original = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".katex-html, .katex-mathml annotation").forEach((e) => e.remove());
    return original(page.documentElement.outerHTML, anchor);
  };
})();
