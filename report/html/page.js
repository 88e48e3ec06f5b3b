// Zoom and pan on the timeline: the SVGs are drawn on the server; this
// only moves their viewBox along time and redraws the axis labels from
// the chart's own numbers. It reads no log data and writes no markup.
(function () {
  "use strict";
  var chart = document.getElementById("chart");
  if (!chart) { return; }
  document.documentElement.className += " js";
  var svgs = document.querySelectorAll("svg.zoom");
  var ticks = document.querySelectorAll("#ticks span");
  var start = Number(chart.getAttribute("data-start")), span = Number(chart.getAttribute("data-span"));
  var offset = 1000 * Number(chart.getAttribute("data-offset")), days = chart.getAttribute("data-days") === "true";
  var box = chart.viewBox.baseVal, full = { x: box.x, w: box.width };
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function label(ms) {
    var d = new Date(ms + offset);
    var hm = two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
    return days ? two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) + " " + hm : hm + ":" + two(d.getUTCSeconds());
  }
  function set(x, w) {
    w = Math.max(4, Math.min(full.w, w));
    x = Math.max(full.x, Math.min(full.x + full.w - w, x));
    for (var i = 0; i < svgs.length; i++) {
      var b = svgs[i].viewBox.baseVal;
      b.x = x; b.width = w;
    }
    for (var j = 0; j < ticks.length; j++) {
      var u = x + w * j / (ticks.length - 1);
      ticks[j].textContent = label(start + span * u / full.w);
    }
  }
  function at(ev) {
    var r = chart.getBoundingClientRect();
    return box.x + box.width * (ev.clientX - r.left) / r.width;
  }
  chart.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var f = ev.deltaY < 0 ? 0.8 : 1.25, c = at(ev);
    set(c - (c - box.x) * f, box.width * f);
  }, { passive: false });
  var drag = null;
  chart.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, bx: box.x }; });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    var r = chart.getBoundingClientRect();
    set(drag.bx - box.width * (ev.clientX - drag.x) / r.width, box.width);
  });
  chart.addEventListener("dblclick", function () { set(full.x, full.w); });
  // A click on a burst's band zooms to it; once zoomed, the link leads to
  // its details.
  var bands = chart.querySelectorAll("rect.band502, rect.band504");
  for (var k = 0; k < bands.length; k++) {
    bands[k].addEventListener("click", function (ev) {
      var x = Number(this.getAttribute("x")), w = Number(this.getAttribute("width"));
      if (box.width > 3.5 * w) {
        ev.preventDefault();
        set(x - w, 3 * w);
      }
    });
  }
}());
