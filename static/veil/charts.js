/* Draws the home page's charts with Chart.js (static/vendor/chartjs). Each
 * <canvas data-chart="ID"> names the <script type="application/json" id="ID"> that Django's
 * json_script wrote: {kind, title, labels, unit, stacked, horizontal, datasets: [{label, data,
 * colour}]}. The table beside each chart holds the same numbers. No inline script or style:
 * Chart.js sizes the canvas through the CSSOM, which the CSP allows. */
(function () {
  "use strict";

  var COLOURS = {
    accent: "#2f5bd3",
    low: "#3f9d55",
    medium: "#e09a2b",
    high: "#c8463d",
    muted: "#8a94a6"
  };

  function colour(name) {
    if (Array.isArray(name)) return name.map(colour);
    return COLOURS[name] || COLOURS.accent;
  }

  function config(spec) {
    var line = spec.kind === "line";
    var datasets = spec.datasets.map(function (d) {
      var c = colour(d.colour);
      return {
        label: d.label,
        data: d.data,
        backgroundColor: c,
        borderColor: c,
        borderWidth: line ? 2 : 0,
        maxBarThickness: 40,
        pointRadius: line ? 4 : 0,
        spanGaps: true,
        tension: 0
      };
    });
    var values = {
      beginAtZero: true,
      stacked: spec.stacked,
      title: { display: !!spec.unit, text: spec.unit },
      ticks: { precision: spec.unit === "%" ? undefined : 0 }
    };
    var categories = { stacked: spec.stacked, grid: { display: false } };
    return {
      type: line ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: spec.horizontal ? { x: values, y: categories } : { x: categories, y: values },
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom" },
          title: { display: false }
        }
      }
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || !window.Chart || window.Chart.getChart(canvas)) return;
    new window.Chart(canvas, config(JSON.parse(source.textContent)));
    canvas.setAttribute("data-drawn", "true");
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
