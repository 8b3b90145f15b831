// Typesets the formulas pymdownx.arithmatex marked (class "arithmatex":
// \( \) inline, \[ \] display) with KaTeX, on the first page load and after
// each instant navigation of MkDocs Material (document$).
function typesetFormulas(root) {
  root.querySelectorAll(".arithmatex").forEach(function (element) {
    renderMathInElement(element, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  });
}

if (typeof document$ !== "undefined") {
  document$.subscribe(function () { typesetFormulas(document); });
} else {
  document.addEventListener("DOMContentLoaded", function () {
    typesetFormulas(document);
  });
}
