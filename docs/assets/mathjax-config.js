// MathJax 3 (served by the site: assets/mathjax/) typesets the math of Markdown pages (pymdownx.arithmatex wraps it
// in .arithmatex as \( \) and \[ \]) and of the notebooks' Markdown cells ($ and $$), and nothing else.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: ".+",  // every element with a class, unless processHtmlClass: (".*|" would skip their <p> children)
    processHtmlClass: "arithmatex|jp-MarkdownOutput"
  }
};
