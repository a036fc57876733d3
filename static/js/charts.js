// The performance dashboard's charts: a bar chart beside each table, drawn by Chart.js (vendored from npm) from the
// figures the page carries as JSON (json_script, never inline script). The table is the primary view: the canvas
// is an image with a summary label, and without JavaScript the chart stays hidden and the table says it all.
const figures = document.querySelectorAll("[data-chart]");

if (figures.length) {
  await import("../vendor/chart.umd.min.js"); // UMD: sets globalThis.Chart
  const { Chart } = globalThis;
  const colours = ["#1d70b8", "#505a5f"]; // GOV.UK blue (this period), dark grey (the period before)
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.font.family = "arial, sans-serif";
  Chart.defaults.color = "#0b0c0c";
  Chart.defaults.font.size = 14;

  // A long label over several lines (Chart.js draws an array as lines) rather than cut off at the chart's edge.
  const wrap = (label, width = 22) => {
    const lines = [];
    for (const word of String(label).split(" ")) {
      const last = lines.length - 1;
      if (last >= 0 && lines[last].length + word.length < width) lines[last] += ` ${word}`;
      else lines.push(word);
    }
    return lines;
  };

  for (const figure of figures) {
    const source = document.getElementById(figure.dataset.chart);
    const canvas = figure.querySelector("canvas");
    if (!source || !canvas) continue;
    const data = JSON.parse(source.textContent);
    const percent = data.unit === "percent";
    const frame = figure.querySelector("[data-chart-frame]");
    // Room for two bars or the lines of a label, whichever is more (set before drawing: the page does not jump).
    const labels = data.labels.map((label) => wrap(label));
    const lines = labels.reduce((sum, label) => sum + Math.max(2, label.length), 0);
    frame.style.height = `${Math.max(160, lines * 22 + 90)}px`;
    figure.hidden = false; // before drawing: Chart.js sizes the canvas to its (visible) box
    try {
      drawChart(canvas, { ...data, labels }, percent);
      figure.dataset.drawn = "true";
    } catch (error) {
      figure.hidden = true; // no empty box: the table beside it has the figures
      console.error(`chart ${figure.dataset.chart}:`, error);
    }
  }

  function drawChart(canvas, data, percent) {
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((series, i) => ({
          label: series.name,
          data: series.values,
          backgroundColor: colours[i % colours.length],
        })),
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        scales: {
          x: {
            beginAtZero: true,
            max: percent ? 100 : undefined,
            ticks: { precision: 0, callback: (value) => (percent ? `${value}%` : value) },
          },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }
}
