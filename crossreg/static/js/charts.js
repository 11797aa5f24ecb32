/* crossreg charts: draws the charts of the leaders' pages and the burden dashboard with the
   vendored ECharts (static/vendor/echarts), from data the server put in the page.

   A chart is <div class="chart" data-chart="KIND-OR-ID" data-chart-data="JSON-SCRIPT-ID">. The
   json_script block holds either a list of chart specifications made on the server
   (crossreg/web/charts.py: {id, kind: "category", title, categories, series, unit?, max?}), the
   burden dashboard's figures (kinds "burden-*"), or the map's figures (kind "map", with data-geo:
   the URL of the vendored GeoJSON outline, fetched from this server). Every chart has its data
   table beside it on the page; this file adds the picture only. No inline script or style (CSP). */
(function () {
  "use strict";
  var PALETTE = ["#0b4a8b", "#c8161d", "#1e7b34", "#a15c00", "#6b4fa0", "#0f7c86", "#5f6b7a"];
  var drawn = [];

  function lang() {
    var l = (document.documentElement.getAttribute("lang") || "zh").toLowerCase();
    return l.indexOf("zh") === 0 ? "ZH" : "EN";
  }

  // A json_script block, or (in an htmx fragment, whose <script> blocks htmx drops) an element
  // with the JSON in its data-json attribute.
  function readJSON(id) {
    var el = id && document.getElementById(id);
    if (!el) { return null; }
    var text = el.tagName === "SCRIPT" ? el.textContent : el.getAttribute("data-json");
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function make(el, option) {
    var chart = window.echarts.getInstanceByDom(el) ||
      window.echarts.init(el, null, { renderer: "svg", locale: lang() });
    option.color = option.color || PALETTE;
    option.aria = { enabled: true };
    option.animation = false;
    option.textStyle = { fontFamily: "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif" };
    chart.setOption(option, true);
    el.setAttribute("data-chart-ready", "1");
    drawn.push(chart);
    return chart;
  }

  function category(spec) {
    var unit = spec.unit || "";
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + unit; } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.categories },
      yAxis: { type: "value", max: spec.max, minInterval: unit ? 0 : 1,
               axisLabel: { formatter: "{value}" + unit } },
      series: spec.series.map(function (s) {
        return { name: s.name, type: s.type, data: s.data, connectNulls: false,
                 barMaxWidth: 28, symbolSize: 7 };
      })
    };
  }

  // The burden dashboard (sampling/period.html): labels come from the chart element's data-*.
  var BURDEN = {
    "burden-visits": function (b, d) {
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: [d.labelAlone, d.labelPooled] },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", name: d.labelVisits, barMaxWidth: 48, label: { show: true, position: "top" },
                   data: [{ value: b.counterfactual_visits, itemStyle: { color: PALETTE[6] } },
                          { value: b.visits, itemStyle: { color: PALETTE[0] } }] }]
      };
    },
    "burden-distribution": function (b, d) {
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 16, top: 24, bottom: 24, containLabel: true },
        xAxis: { type: "category", name: d.xName, nameLocation: "middle", nameGap: 28,
                 data: b.distribution.map(function (r) { return String(r.visits); }) },
        yAxis: { type: "value", name: d.yName, minInterval: 1 },
        series: [{ type: "bar", name: d.yName, barMaxWidth: 40, label: { show: true, position: "top" },
                   data: b.distribution.map(function (r) { return r.entities; }) }]
      };
    },
    "burden-departments": function (b, d) {
      var rows = b.departments.slice().reverse();
      return {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
        series: [{ type: "bar", name: d.seriesName, barMaxWidth: 18,
                   label: { show: true, position: "right", formatter: "{c}%" },
                   data: rows.map(function (r) { return r.joint_rate; }) }]
      };
    },
    "burden-timeliness": function (b, d) {
      var t = b.timeliness;
      var parts = [[d.labelOnTime, t.on_time, PALETTE[2]], [d.labelLate, t.late, PALETTE[3]],
                   [d.labelOverdue, t.overdue, PALETTE[1]], [d.labelPending, t.pending, PALETTE[0]]];
      return {
        tooltip: { trigger: "item" },
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"],
                   label: { formatter: "{b}: {c}" },
                   data: parts.filter(function (p) { return p[1] > 0; }).map(function (p) {
                     return { name: p[0], value: p[1], itemStyle: { color: p[2] } };
                   }) }]
      };
    }
  };

  function mapOption(data, geoName, layer) {
    var label = data.labels[layer];
    var counties = data.counties.filter(function (c) { return c.level !== "city"; })
      .map(function (c) { return { name: c.name, value: c[layer] }; });
    var max = Math.max.apply(null, [1].concat(counties.map(function (c) { return c.value; })));
    var towns = data.townships.filter(function (t) { return t.lng != null && t.lat != null && t[layer] > 0; });
    var tmax = Math.max.apply(null, [1].concat(towns.map(function (t) { return t[layer]; })));
    var open = layer === "entities" ? null : layer + "_open";
    return {
      tooltip: { trigger: "item", formatter: function (p) {
        var v = Array.isArray(p.value) ? p.value[2] : p.value;
        var extra = "";
        if (open && p.data && p.data.open != null) { extra = "<br>" + data.labels.open + ": " + p.data.open; }
        return window.echarts.format.encodeHTML(p.name) + "<br>" + label + ": " + (v == null || isNaN(v) ? 0 : v) + extra;
      } },
      visualMap: { min: 0, max: max, seriesIndex: 0, left: 8, bottom: 8, calculable: false,
                   text: [String(max), "0"], inRange: { color: ["#e8f0fa", "#0b4a8b"] } },
      geo: { map: geoName, roam: true,
             label: { show: true, fontSize: 11, color: "#1f2933", textBorderColor: "#fff", textBorderWidth: 2 },
             itemStyle: { borderColor: "#5f6b7a", borderWidth: 1 },
             emphasis: { label: { show: true } } },
      series: [
        { type: "map", geoIndex: 0, name: data.labels.counties + " · " + label,
          data: counties.map(function (c) {
            var src = data.counties.filter(function (x) { return x.name === c.name; })[0];
            return { name: c.name, value: c.value, open: open ? src[open] : null };
          }) },
        { type: "scatter", coordinateSystem: "geo", name: data.labels.townships + " · " + label,
          symbolSize: function (v) { return 4 + 22 * Math.sqrt(v[2] / tmax); },
          itemStyle: { color: layer === "clues" ? PALETTE[1] : layer === "tasks" ? PALETTE[3] : PALETTE[2],
                       opacity: 0.75, borderColor: "#fff", borderWidth: 0.5 },
          data: towns.map(function (t) {
            return { name: t.county_name + " " + t.name, value: [t.lng, t.lat, t[layer]],
                     open: open ? t[open] : null };
          }) }
      ]
    };
  }

  function drawMap(el, data) {
    var geoName = el.getAttribute("data-geo-name") || "area";
    var url = el.getAttribute("data-geo");
    var layer = function () {
      var checked = document.querySelector("input[name='map-layer']:checked");
      return checked ? checked.value : "entities";
    };
    var ready = window.echarts.getMap(geoName) ? Promise.resolve() :
      fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error("outline " + r.status); }
        return r.json();
      }).then(function (geo) { window.echarts.registerMap(geoName, geo); });
    ready.then(function () {
      var chart = make(el, mapOption(data, geoName, layer()));
      document.querySelectorAll("input[name='map-layer']").forEach(function (input) {
        input.addEventListener("change", function () { chart.setOption(mapOption(data, geoName, layer()), true); });
      });
    }).catch(function () { el.setAttribute("data-chart-error", "outline"); });
  }

  function draw(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-chart-ready")) { return; }
      var kind = el.getAttribute("data-chart");
      var data = readJSON(el.getAttribute("data-chart-data"));
      if (!data) { return; }
      if (kind === "map") { drawMap(el, data); return; }
      if (BURDEN[kind]) { make(el, BURDEN[kind](data, el.dataset)); return; }
      var spec = Array.isArray(data) ? data.filter(function (s) { return s.id === kind; })[0] : null;
      if (spec && spec.kind === "category") { make(el, category(spec)); }
    });
  }

  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { drawn.forEach(function (c) { if (!c.isDisposed()) { c.resize(); } }); }, 150);
  });
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
