// A "Print" button (data-print) where a page offers one: shown only with JavaScript, which it needs. Without it,
// the browser's own Print does the same (the print stylesheet decides what goes on paper).
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
