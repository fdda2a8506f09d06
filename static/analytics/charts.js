/* Draw the dashboards' plotly figures from the JSON data blocks the server wrote.
   Each figure's numbers are also in the table under it, so a failure here loses no data. */
(function () {
  "use strict";

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function draw() {
    if (typeof window.Plotly === "undefined") {
      return;
    }
    var config = readJson("plot-config") || {};
    var plots = document.querySelectorAll(".chart__plot[data-figure]");
    Array.prototype.forEach.call(plots, function (element) {
      var figure = readJson(element.getAttribute("data-figure"));
      if (!figure) {
        return;
      }
      window.Plotly.newPlot(element, figure.data || [], figure.layout || {}, config).then(
        function () {
          element.classList.add("is-drawn");
        }
      );
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
