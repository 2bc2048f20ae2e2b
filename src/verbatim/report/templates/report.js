/* verbatim report drill-down. Data comes from the JSON block and is only ever written with
   textContent / DOM APIs (never innerHTML), so a comment cannot turn into markup. */
(function () {
  "use strict";
  var PAGE = 100;
  var NONE = "\u0000none";  // select value for rows without a department
  var data = JSON.parse(document.getElementById("verbatim-data").textContent);
  var rows = data.rows || [];
  var labels = {};
  data.themes.forEach(function (t) { labels[String(t.id)] = t.label; });

  var ui = {
    theme: document.getElementById("dd-theme"),
    department: document.getElementById("dd-department"),
    sentiment: document.getElementById("dd-sentiment"),
    group: document.getElementById("dd-group"),
    search: document.getElementById("dd-search"),
    count: document.getElementById("dd-count"),
    list: document.getElementById("dd-list"),
    more: document.getElementById("dd-more"),
    reset: document.getElementById("dd-reset")
  };
  var limit = PAGE;
  var anyDepartment = rows.some(function (row) { return row.department !== null && row.department !== undefined && row.department !== ""; });
  // Rows list the sides of split themes (html_assignments); a page built without them opens both.
  var sidesListed = rows.some(function (row) { return row.complaints || row.praise; });
  var chosenSide = "";  // "complaints" / "praise": a chart's side of a split theme, until the theme changes

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function addOption(select, value, text) {
    var option = el("option", null, text);
    option.value = value;
    select.appendChild(option);
  }

  function fillOptions() {
    var perTheme = {};
    var departments = {};
    var noDepartment = 0;
    rows.forEach(function (row) {
      (row.themes || []).forEach(function (id) { perTheme[id] = (perTheme[id] || 0) + 1; });
      if (row.department === null || row.department === undefined || row.department === "") { noDepartment += 1; }
      else { departments[row.department] = (departments[row.department] || 0) + 1; }
    });
    data.themes.slice().sort(function (a, b) {
      return (a.id === -1) - (b.id === -1) || (perTheme[b.id] || 0) - (perTheme[a.id] || 0);
    }).forEach(function (t) {
      addOption(ui.theme, String(t.id), t.label + " (" + (perTheme[t.id] || 0) + ")");
    });
    Object.keys(departments).sort().forEach(function (name) {
      addOption(ui.department, name, name + " (" + departments[name] + ")");
    });
    if (noDepartment) { addOption(ui.department, NONE, "No department (" + noDepartment + ")"); }
  }

  function matches(row, f) {
    if (f.theme !== "" && (row.themes || []).indexOf(Number(f.theme)) < 0) { return false; }
    if (f.theme !== "" && f.side && (row[f.side] || []).indexOf(Number(f.theme)) < 0) { return false; }
    if (f.department !== "") {
      var dept = row.department === null || row.department === undefined || row.department === "" ? NONE : row.department;
      if (dept !== f.department) { return false; }
    }
    if (f.sentiment !== "" && row.sentiment !== f.sentiment) { return false; }
    if (f.group !== "" && (row.nps_group || "none") !== f.group) { return false; }
    if (f.search !== "" && String(row.text).toLowerCase().indexOf(f.search) < 0) { return false; }
    return true;
  }

  function item(row) {
    var li = el("li", "verbatim " + (row.sentiment || ""));
    li.setAttribute("data-response-id", row.response_id);
    var text = el("p", "vb-text", row.text || "(empty)");
    text.dir = "auto";  // an Arabic or Hebrew comment reads right to left
    li.appendChild(text);
    var meta = el("div", "vb-meta");
    if (row.score !== null && row.score !== undefined) {
      meta.appendChild(el("span", "chip " + (row.nps_group || ""), "Score " + row.score + (row.nps_group ? " · " + row.nps_group : "")));
    } else if (row.nps_group) {  // an export of the NPS group alone
      meta.appendChild(el("span", "chip " + row.nps_group, row.nps_group));
    } else {
      meta.appendChild(el("span", "chip", "No score"));
    }
    meta.appendChild(el("span", "chip " + (row.sentiment || ""), row.sentiment || "unknown sentiment"));
    if (anyDepartment) { meta.appendChild(el("span", "chip", row.department || "No department")); }
    (row.themes || []).forEach(function (id) {
      meta.appendChild(el("span", "chip theme", labels[String(id)] || "Theme " + id));
    });
    meta.appendChild(el("span", "chip id", row.response_id));
    li.appendChild(meta);
    return li;
  }

  function render() {
    var f = {
      theme: ui.theme.value, department: ui.department.value, sentiment: ui.sentiment.value,
      group: ui.group.value, search: ui.search.value.trim().toLowerCase(), side: chosenSide
    };
    var shown = rows.filter(function (row) { return matches(row, f); });
    var fragment = document.createDocumentFragment();
    shown.slice(0, limit).forEach(function (row) { fragment.appendChild(item(row)); });
    ui.list.replaceChildren(fragment);
    var sampled = (data.total || 0) > rows.length;
    ui.count.textContent = "Showing " + number(Math.min(limit, shown.length)) + " of " + number(shown.length) +
      " matching comments" + (f.side && f.theme !== "" ? (f.side === "complaints" ? " that complain about " :
      " that praise ") + (labels[f.theme] || "the theme") : "") + " (" + number(rows.length) + " in total" + (sampled ? ": a sample of the " +
      number(data.total) + " analysed comments, " + (data.represented === false ?
      "too small to hold every department and theme" : "every department and theme represented") +
      "; all of them are in assignments.csv" : "") + ")";
    if (!rows.length) {
      ui.count.textContent = "No comment to show: every response was empty or a non-answer such as \u201cn/a\u201d.";
    }
    ui.count.setAttribute("data-sampled", sampled ? "true" : "false");
    ui.count.setAttribute("data-matching", String(shown.length));
    ui.more.hidden = shown.length <= limit;
  }

  function update() { limit = PAGE; render(); }

  function number(n) { return Number(n).toLocaleString("en-US"); }  // 1,500 as the rest of the page writes it

  function choose(theme, department, side) {
    ui.theme.value = theme;
    ui.department.value = department || "";
    if (ui.department.value !== (department || "")) {
      // A department none of whose comments is here (all non-answers, or left out of a
      // sample): its own option, matching nothing, rather than every department's comments.
      addOption(ui.department, department, department + " (0)");
      ui.department.value = department;
    }
    // One side of a theme split into complaints and praise: the comments that mention it so.
    chosenSide = !sidesListed ? "" : side === "complaint" ? "complaints" : side === "praise" ? "praise" : "";
    ui.sentiment.value = "";
    ui.group.value = "";
    ui.search.value = "";
    update();
    document.getElementById("comments").scrollIntoView();
  }

  fillOptions();
  ui.theme.addEventListener("change", function () { chosenSide = ""; update(); });
  [ui.department, ui.sentiment, ui.group].forEach(function (s) { s.addEventListener("change", update); });
  ui.search.addEventListener("input", update);
  ui.more.addEventListener("click", function () { limit += PAGE; render(); });
  ui.reset.addEventListener("click", function () { choose("", ""); });
  document.getElementById("dd-form").addEventListener("submit", function (event) { event.preventDefault(); });
  // Chart rows, cells and issue cards open the comments of their theme (and department).
  document.querySelectorAll("[data-theme]").forEach(function (node) {
    var open = function () {
      choose(node.getAttribute("data-theme"), node.getAttribute("data-department"), node.getAttribute("data-side"));
    };
    node.addEventListener("click", open);
    node.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(); }
    });
  });
  render();
}());
