// Dashboard charts: each <div data-chart="ID"> takes its data from <script type="application/json"
// id="ID-data">, so no inline script is needed under the CSP. The numbers and labels (already in
// the reader's language) come from the server; the tables beside the charts hold the same numbers,
// so a page without JavaScript loses nothing. Tooltips render as rich text inside the canvas:
// HTML tooltips carry inline style attributes, which the CSP (style-src 'self') refuses.
(function () {
  "use strict";
  if (!window.echarts || !document.querySelectorAll) {
    return;
  }
  var LEVEL_COLOURS = ["#1a7f37", "#7ab648", "#f2c12e", "#c0392b", "#a0a4a8", "#6b7b8c"];
  var ROW_HEIGHT = { quadrant: 36, whisker: 26, heatmap: 40, counts: 30, stacked: 26, bars: 30, columns: 30, line: 30 };
  // Below this width (a phone) unit names get a narrower column and heat map cells lose their
  // printed numbers, which the table under the chart holds anyway.
  var NARROW = 600;
  var labelWidth = 150;
  // On a phone a unit's name wraps onto at most this many lines of this height, instead of
  // being cut to its first word or two ("Bureau of N…" for every bureau).
  var NARROW_LABEL = 104;
  var LABEL_LINES = 3;
  var LABEL_LINE_HEIGHT = 12;

  // The value axis is named under its middle, where the label cannot be cut off at the edge.
  function valueAxis(name, extra) {
    var axis = { type: "value", name: name, nameLocation: "middle", nameGap: 26 };
    for (var key in extra || {}) {
      axis[key] = extra[key];
    }
    return axis;
  }

  function categoryAxis(labels, inverse) {
    var label = { width: labelWidth, overflow: "truncate", interval: 0 };
    if (labelWidth === NARROW_LABEL) {
      label = {
        width: labelWidth,
        overflow: "break",
        interval: 0,
        fontSize: 11,
        lineHeight: LABEL_LINE_HEIGHT,
        formatter: shortened,
      };
    }
    return { type: "category", data: labels, inverse: inverse, axisTick: { show: false }, axisLabel: label };
  }

  // A name cut (with an ellipsis) to what fits on LABEL_LINES lines of a narrow label.
  function shortened(text) {
    text = String(text);
    var room = LABEL_LINES * NARROW_LABEL * 0.9;
    if (textWidth(text) * 11 / 12 <= room) {
      return text;
    }
    var out = "";
    for (var k = 0; k < text.length && textWidth(out + text[k] + "…") * 11 / 12 <= room; k++) {
      out += text[k];
    }
    return out + "…";
  }

  // How many lines the longest of these names takes as a narrow label.
  function labelLines(labels) {
    var most = 1;
    (labels || []).forEach(function (text) {
      var px = textWidth(shortened(String(text))) * 11 / 12;
      most = Math.max(most, Math.min(LABEL_LINES, Math.ceil(px / (NARROW_LABEL * 0.9))));
    });
    return most;
  }

  function tooltip(formatter) {
    return { trigger: "item", renderMode: "richText", confine: true, formatter: formatter };
  }

  function fixed(value, digits) {
    if (value === null || value === undefined) {
      return "–";
    }
    return Number(value).toFixed(digits === undefined ? 2 : digits);
  }

  function whisker(d) {
    var points = d.values.map(function (value, i) {
      return [value, i];
    });
    var bars = d.values.map(function (value, i) {
      return [d.low[i], d.high[i], i];
    });
    return {
      grid: { left: 8, right: 24, top: 16, bottom: 40, containLabel: true },
      tooltip: tooltip(function (p) {
        var i = p.dataIndex;
        return d.labels[i] + "\n" + d.axis + " " + fixed(d.values[i], d.digits) + "\n" +
          d.interval + " " + fixed(d.low[i], d.digits) + " – " + fixed(d.high[i], d.digits);
      }),
      xAxis: valueAxis(d.axis, d.min === undefined ? { scale: true } : { min: d.min, minInterval: 1 }),
      yAxis: categoryAxis(d.labels, true),
      series: [
        {
          type: "custom",
          name: d.interval,
          data: bars,
          encode: { x: [0, 1], y: 2 },
          renderItem: function (params, api) {
            if (api.value(0) === null || api.value(1) === null) {
              return null;
            }
            var low = api.coord([api.value(0), api.value(2)]);
            var high = api.coord([api.value(1), api.value(2)]);
            var cap = api.size([0, 1])[1] * 0.25;
            var style = { stroke: "#5b6770", lineWidth: 1.5 };
            return {
              type: "group",
              children: [
                { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: style },
                { type: "line", shape: { x1: low[0], y1: low[1] - cap, x2: low[0], y2: low[1] + cap }, style: style },
                { type: "line", shape: { x1: high[0], y1: high[1] - cap, x2: high[0], y2: high[1] + cap }, style: style },
              ],
            };
          },
        },
        {
          type: "scatter",
          name: d.axis,
          data: points,
          symbolSize: 9,
          itemStyle: { color: "#b0252a" },
          z: 3,
        },
      ],
    };
  }

  function heatmap(d, narrow) {
    var values = d.cells
      .map(function (c) {
        return c[2];
      })
      .filter(function (v) {
        return v !== null;
      });
    var low = values.length ? Math.min.apply(null, values) : 0;
    var high = values.length ? Math.max.apply(null, values) : 100;
    return {
      grid: { left: 8, right: 16, top: 32, bottom: 56, containLabel: true },
      tooltip: tooltip(function (p) {
        var c = d.cells[p.dataIndex];
        return d.y[c[1]] + " · " + d.x[c[0]] + "\n" + d.value + " " + fixed(c[2]) + "\n" +
          d.n + " " + c[3] + (c[4] ? "\n* " + d.small : "");
      }),
      xAxis: {
        type: "category",
        data: d.x,
        position: "top",
        axisTick: { show: false },
        axisLabel: { interval: 0, rotate: narrow ? 45 : 0 },
      },
      yAxis: categoryAxis(d.y, true),
      visualMap: {
        min: Math.floor(low),
        max: Math.ceil(high),
        orient: "horizontal",
        left: "center",
        bottom: 4,
        itemHeight: 120,
        calculable: false,
        text: [String(Math.ceil(high)), String(Math.floor(low))],
        // Light to mid tones, so the dark labels stay readable on every cell.
        inRange: { color: ["#fbeee0", "#f3c089", "#e58a4e"] },
      },
      series: [
        {
          type: "heatmap",
          data: d.cells.map(function (c) {
            return { value: [c[0], c[1], c[2] === null ? "-" : c[2]] };
          }),
          label: {
            show: !narrow,
            formatter: function (p) {
              var c = d.cells[p.dataIndex];
              return fixed(c[2]) + (c[4] ? "*" : "") + "\nn=" + c[3];
            },
            fontSize: 11,
            color: "#1f2328",
          },
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
        },
      ],
    };
  }

  // A heat map of counts (comments per unit and topic): whole numbers, empty cells left out.
  function counts(d, narrow) {
    var high = Math.max.apply(null, [1].concat(d.cells.map(function (c) {
      return c[2];
    })));
    return {
      grid: { left: 8, right: 16, top: 32, bottom: 56, containLabel: true },
      tooltip: tooltip(function (p) {
        var c = d.cells[p.dataIndex];
        return d.y[c[1]] + " · " + d.x[c[0]] + "\n" + d.value + " " + c[2];
      }),
      xAxis: {
        type: "category",
        data: d.x,
        position: "top",
        axisTick: { show: false },
        axisLabel: { interval: 0, rotate: narrow ? 45 : 0 },
      },
      yAxis: categoryAxis(d.y, true),
      visualMap: {
        min: 0,
        max: high,
        orient: "horizontal",
        left: "center",
        bottom: 4,
        itemHeight: 120,
        calculable: false,
        text: [String(high), "0"],
        inRange: { color: ["#fbeee0", "#f3c089", "#e58a4e"] },
      },
      series: [
        {
          type: "heatmap",
          data: d.cells.map(function (c) {
            return { value: [c[0], c[1], c[2]] };
          }),
          label: { show: true, fontSize: 11, color: "#1f2328" },
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
        },
      ],
    };
  }

  function stacked(d) {
    return {
      color: LEVEL_COLOURS,
      grid: { left: 8, right: 24, top: 40, bottom: 40, containLabel: true },
      legend: { top: 0, type: "scroll" },
      tooltip: tooltip(function (p) {
        return d.labels[p.dataIndex] + "\n" + p.seriesName + " " + Number(p.value).toFixed(1) + "%";
      }),
      xAxis: valueAxis(d.axis, { max: 100 }),
      yAxis: categoryAxis(d.labels, true),
      series: d.series.map(function (s) {
        return { type: "bar", name: s.name, stack: "levels", data: s.values, barMaxWidth: 18 };
      }),
    };
  }

  function bars(d) {
    var label = {
      show: true,
      position: "right",
      formatter: function (p) {
        return fixed(p.value, d.digits);
      },
    };
    var series = [
      { type: "bar", name: d.axis, data: d.values, barMaxWidth: 22, itemStyle: { color: "#b0252a" }, label: label },
    ];
    if (d.classes) {
      // One series per class (a grade, say), stacked so each bar keeps its place, so the legend
      // names the colours.
      series = d.class_order
        .filter(function (name) {
          return d.classes.indexOf(name) >= 0;
        })
        .map(function (name) {
          return {
            type: "bar",
            name: name,
            stack: "one",
            barMaxWidth: 22,
            label: label,
            data: d.values.map(function (v, i) {
              return d.classes[i] === name ? v : "-";
            }),
          };
        });
    }
    var option = {
      grid: { left: 8, right: 56, top: d.classes ? 40 : 16, bottom: 40, containLabel: true },
      tooltip: tooltip(function (p) {
        return d.labels[p.dataIndex] + "\n" + d.axis + " " + fixed(p.value, d.digits);
      }),
      xAxis: valueAxis(d.axis),
      yAxis: categoryAxis(d.labels, true),
      series: series,
    };
    if (d.classes) {
      option.color = LEVEL_COLOURS;
      option.legend = { top: 0, type: "scroll" };
    }
    return option;
  }

  // Vertical columns stacked by series: counts per day and channel.
  function columns(d) {
    return {
      color: ["#b0252a", "#2f6db5", "#7ab648", "#a0a4a8"],
      grid: { left: 8, right: 16, top: 40, bottom: 16, containLabel: true },
      legend: { top: 0, type: "scroll" },
      tooltip: tooltip(function (p) {
        return d.labels[p.dataIndex] + "\n" + p.seriesName + " " + p.value;
      }),
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value", name: d.axis, minInterval: 1 },
      series: d.series.map(function (s) {
        return { type: "bar", name: s.name, stack: "all", data: s.values, barMaxWidth: 28 };
      }),
    };
  }

  // A line through values over time, the interval as whiskers; null values are gaps.
  function line(d) {
    return {
      grid: { left: 8, right: 24, top: 32, bottom: 24, containLabel: true },
      tooltip: tooltip(function (p) {
        var i = p.dataIndex;
        return d.labels[i] + "\n" + (d.suppressed[i] ? "* " + d.small : d.axis + " " + fixed(d.values[i]) + "\n" +
          d.interval + " " + fixed(d.low[i]) + " – " + fixed(d.high[i])) + "\n" + d.n + " " + d.counts[i];
      }),
      xAxis: { type: "category", data: d.labels, axisLabel: { interval: 0 } },
      yAxis: { type: "value", name: d.axis, scale: true },
      series: [
        {
          type: "custom",
          name: d.interval,
          data: d.values.map(function (v, i) {
            return [i, d.low[i], d.high[i]];
          }),
          // Both ends on the value axis, so its extent takes in the whole interval.
          encode: { x: 0, y: [1, 2] },
          renderItem: function (params, api) {
            if (api.value(1) === null || api.value(2) === null || isNaN(api.value(1))) {
              return null;
            }
            var low = api.coord([api.value(0), api.value(1)]);
            var high = api.coord([api.value(0), api.value(2)]);
            var style = { stroke: "#5b6770", lineWidth: 1.5 };
            return {
              type: "group",
              children: [
                { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: style },
                { type: "line", shape: { x1: low[0] - 5, y1: low[1], x2: low[0] + 5, y2: low[1] }, style: style },
                { type: "line", shape: { x1: high[0] - 5, y1: high[1], x2: high[0] + 5, y2: high[1] }, style: style },
              ],
            };
          },
        },
        {
          type: "line",
          name: d.axis,
          data: d.values.map(function (v) {
            return v === null ? "-" : v;
          }),
          symbolSize: 8,
          itemStyle: { color: "#b0252a" },
          lineStyle: { color: "#b0252a" },
          label: { show: true, position: "right", formatter: function (p) { return fixed(p.value); } },
          z: 3,
        },
      ],
    };
  }

  // An axis centred on the cross-hair, so that all four quadrants show however the points fall;
  // the half-width is rounded up to a whole step. Importance starts at 0 at the lowest.
  function centred(values, cut, step, floor) {
    var span = step;
    values.forEach(function (v) {
      span = Math.max(span, Math.abs(v - cut) * 1.15);
    });
    span = Math.ceil(span / step) * step;
    var low = floor === undefined ? cut - span : Math.max(floor, cut - span);
    return { min: Number(low.toFixed(6)), max: Number((cut + span).toFixed(6)) };
  }

  // About how wide a label of the chart's 12px font is: a CJK character a full em, others about half.
  function textWidth(text) {
    var px = 0;
    for (var k = 0; k < text.length; k++) {
      px += text.charCodeAt(k) >= 0x2e80 ? 12 : 6.5;
    }
    return px;
  }

  // Importance-performance quadrant: one point per aspect, the cross-hair at the mean importance
  // and the reference performance, each quadrant named in its corner. The names are labels of
  // four areas (the quadrants), so they sit inside the plot whatever room the axes take, and
  // wrap within their quadrant's width; on a phone an aspect's name wraps too.
  function quadrant(d, narrow, width) {
    var xRange = centred(d.importance, d.importance_cut, 0.01, 0);
    var yRange = centred(d.performance, d.performance_cut, 1);
    var right = narrow ? 72 : 96;
    var colours = { keep_up: "#1a7f37", concentrate_here: "#b0252a", low_priority: "#6b7b8c", possible_overkill: "#b7791f" };
    // The plot is about the box less the margins and the value axis's labels.
    var plot = (width || 600) - right - 56;
    var leftShare = (d.importance_cut - xRange.min) / (xRange.max - xRange.min);
    function within(share) {
      return Math.max(48, Math.floor(plot * share) - 10);
    }
    function corner(key, position, from, to) {
      var room = within(position.indexOf("Left") >= 0 ? leftShare : 1 - leftShare);
      return [
        {
          coord: from,
          itemStyle: { color: "rgba(0,0,0,0)" },
          label: {
            show: true,
            position: position,
            distance: 4,
            color: colours[key],
            fontSize: narrow ? 11 : 12,
            width: room,
            overflow: "break",
            lineHeight: narrow ? 13 : 15,
            formatter: d.corner[key],
          },
        },
        { coord: to },
      ];
    }
    return {
      grid: { left: 8, right: right, top: 48, bottom: 40, containLabel: true },
      tooltip: tooltip(function (p) {
        var i = p.dataIndex;
        return d.labels[i] + "\n" + d.x_axis + " " + fixed(d.importance[i], 3) + "\n" +
          d.y_axis + " " + fixed(d.performance[i]) + "\n" + d.quadrant_names[i];
      }),
      // The centred ends are not round numbers: only the ticks between them are labelled.
      xAxis: valueAxis(d.x_axis, {
        min: xRange.min,
        max: xRange.max,
        nameGap: 28,
        axisLabel: { showMinLabel: false, showMaxLabel: false },
      }),
      // Named above its top end, reading rightwards, so a long name is not cut at the left edge.
      yAxis: {
        type: "value",
        name: d.y_axis,
        min: yRange.min,
        max: yRange.max,
        axisLabel: { showMinLabel: false, showMaxLabel: false },
        nameTextStyle: { align: "left" },
      },
      series: [
        {
          type: "scatter",
          symbolSize: 14,
          // Names of points close together are moved apart rather than drawn over each other.
          labelLayout: { moveOverlap: "shiftY" },
          // A point whose name would not fit between it and the chart's edge is named on its
          // left, so that the name is not cut off.
          data: d.importance.map(function (x, i) {
            var room = (1 - (x - xRange.min) / (xRange.max - xRange.min)) * plot + right - 12;
            var side = Math.min(textWidth(d.labels[i]), narrow ? 110 : 1e6) > room ? "left" : "right";
            return { value: [x, d.performance[i]], itemStyle: { color: colours[d.quadrants[i]] }, label: { position: side } };
          }),
          label: {
            show: true,
            position: "right",
            width: narrow ? 110 : undefined,
            overflow: narrow ? "break" : "none",
            lineHeight: 13,
            formatter: function (p) { return d.labels[p.dataIndex]; },
          },
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { color: "#5b6770", type: "dashed" },
            label: { show: false },
            data: [{ xAxis: d.importance_cut }, { yAxis: d.performance_cut }],
          },
          markArea: {
            silent: true,
            data: [
              corner("possible_overkill", "insideTopLeft", [xRange.min, yRange.max], [d.importance_cut, d.performance_cut]),
              corner("keep_up", "insideTopRight", [d.importance_cut, yRange.max], [xRange.max, d.performance_cut]),
              corner("low_priority", "insideBottomLeft", [xRange.min, d.performance_cut], [d.importance_cut, yRange.min]),
              corner("concentrate_here", "insideBottomRight", [d.importance_cut, d.performance_cut], [xRange.max, yRange.min]),
            ],
          },
        },
      ],
    };
  }

  function rows(d) {
    if (d.kind === "quadrant") {
      return d.labels.length ? 10 : 0; // a fixed height: both axes carry values
    }
    if (d.kind === "line") {
      return d.labels.length ? 6 : 0; // a fixed height: time runs along the horizontal axis
    }
    if (d.kind === "columns") {
      return d.labels.length ? 8 : 0; // a fixed height: the days run along the horizontal axis
    }
    if (d.kind === "heatmap" || d.kind === "counts") {
      return d.y.length;
    }
    return d.labels.length;
  }

  var BUILDERS = { whisker: whisker, heatmap: heatmap, counts: counts, stacked: stacked, bars: bars, columns: columns, line: line, quadrant: quadrant };
  var started = [];

  function draw(item) {
    var narrow = item.box.clientWidth < NARROW;
    labelWidth = narrow ? NARROW_LABEL : 150;
    var option = item.build(item.data, narrow, item.box.clientWidth);
    // No entry animation: the chart shows its numbers at once (and holds still for readers
    // who asked for reduced motion, and for screenshots).
    option.animation = false;
    item.chart.setOption(option, true);
  }

  var boxes = document.querySelectorAll("[data-chart]");
  for (var i = 0; i < boxes.length; i++) {
    var box = boxes[i];
    var block = document.getElementById(box.getAttribute("data-chart") + "-data");
    if (!block) {
      continue;
    }
    var data = JSON.parse(block.textContent);
    var build = BUILDERS[data.kind];
    if (!build || rows(data) === 0) {
      continue;
    }
    // One row per unit, so a 40-unit category gets a tall chart rather than squeezed labels;
    // on a phone a row is as tall as its wrapped name needs.
    box.classList.add("chart-on");
    var rowHeight = ROW_HEIGHT[data.kind];
    var names = data.kind === "heatmap" || data.kind === "counts" ? data.y : data.labels;
    if (box.clientWidth < NARROW && ["whisker", "heatmap", "counts", "stacked", "bars"].indexOf(data.kind) >= 0) {
      rowHeight = Math.max(rowHeight, labelLines(names) * LABEL_LINE_HEIGHT + 8);
    }
    box.style.height = Math.max(220, rows(data) * rowHeight + 110) + "px";
    var item = { box: box, data: data, build: build, chart: window.echarts.init(box, null, { renderer: "canvas" }) };
    draw(item);
    started.push(item);
    // Data with "urls" (one per data item) opens the item's page on a click, as its table's link does.
    if (data.urls) {
      item.chart.on("click", function (p) {
        var url = this.urls[p.dataIndex];
        if (url) {
          window.location.assign(url);
        }
      }.bind(data));
    }
    // A table marked data-fold stands open for readers without charts; with the chart drawn
    // above it, it folds away behind its summary.
    var next = block.nextElementSibling;
    if (next && next.tagName === "DETAILS" && next.hasAttribute("data-fold")) {
      next.open = false;
    }
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending !== null) {
      clearTimeout(pending);
    }
    pending = setTimeout(function () {
      pending = null;
      started.forEach(function (item) {
        item.chart.resize();
        draw(item);
      });
    }, 100);
  });
})();
