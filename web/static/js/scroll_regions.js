// A table wider than a phone scrolls sideways inside its box. A keyboard user can only scroll
// a box that takes the focus, so each box that does overflow becomes a named, focusable region
// (WCAG 2.1.1; axe's scrollable-region-focusable). Boxes that fit stay out of the tab order.
(function () {
  "use strict";
  var BOXES = ".table-scroll, .scroll-x, body.wide main .card";

  function nameOf(box) {
    var heading = box.querySelector("h2, h3, caption") ||
      (box.closest("section") || box).querySelector("h2, h3");
    return heading ? heading.textContent.trim() : document.title;
  }

  function mark() {
    document.querySelectorAll(BOXES).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 &&
        getComputedStyle(box).overflowX !== "visible";
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", nameOf(box));
        box.dataset.scrollRegion = "1";
      } else if (!scrolls && box.dataset.scrollRegion) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scrollRegion;
      }
    });
  }

  var pending = 0;
  function later() {
    clearTimeout(pending);
    pending = setTimeout(mark, 150);
  }
  mark();
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", mark);
})();
