/* Progressive enhancement only: every page works without it.
   A table box that scrolls sideways (.table-scroll, .overflow-auto, or a table shown as a
   scrolling block on a narrow window) becomes a labelled region keyboard users can focus and
   scroll with the arrow keys. Boxes that fit are left alone (no useless tab stops). */
(function () {
  "use strict";
  function label(box) {
    var table = box.tagName === "TABLE" ? box : box.querySelector("table");
    var cap = table && table.querySelector("caption");
    if (cap && cap.textContent.trim()) return cap.textContent.trim();
    var section = box.closest("section, article, main");
    var h = section && section.querySelector("h1, h2, h3");
    return (h ? h.textContent.trim() + ": " : "") + "table (scrolls sideways)";
  }
  function mark() {
    var boxes = document.querySelectorAll("main .table-scroll, main .overflow-auto, main table");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.dataset.scrollServer) continue; /* rendered focusable by the server */
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", label(box));
        box.dataset.scrollMarked = "1";
      } else if (!scrolls && box.dataset.scrollMarked) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scrollMarked;
      }
    }
  }
  window.parityMarkScroll = mark;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark); else mark();
  var t;
  window.addEventListener("resize", function () { clearTimeout(t); t = setTimeout(mark, 150); });
})();
