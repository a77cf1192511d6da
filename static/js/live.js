// The status page of an analysis, live: the WebSocket stream, or polling the events
// endpoint when WebSockets are unavailable. Both resume after the last event id the
// page has seen (the server renders the page up to data-after), so nothing is counted
// twice. When the analysis ends, the report is fetched and swapped in: no reload.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) return;
  var TERMINAL = ["succeeded", "failed", "cancelled"];
  var LABELS = { queued: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed", cancelled: "Cancelled" };
  var MAX_ROWS = 50;
  var lastId = parseInt(live.dataset.after || "0", 10);
  var ended = TERMINAL.indexOf(live.dataset.status) !== -1;
  var swapped = false;
  var el = function (id) { return document.getElementById(id); };

  function log(text) {
    var list = el("log");
    if (!list) return;
    var item = document.createElement("li");
    item.textContent = text;
    list.appendChild(item);
    while (list.children.length > 100) list.removeChild(list.firstChild);
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  function addPage(d) {
    var body = el("live-pages") && el("live-pages").tBodies[0];
    if (!body) return;
    var row = document.createElement("tr");
    cell(row, d.url, "url");
    cell(row, d.status || d.error, "num");
    cell(row, d.findings, "num");
    cell(row, d.fetch_ms, "num");
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
    var violations = d.violations || {};
    Object.keys(violations).forEach(function (severity) {
      var counter = el("count-" + severity);
      if (counter) counter.textContent = parseInt(counter.textContent, 10) + violations[severity];
    });
  }

  function setStatus(status) {
    var chip = el("job-status");
    chip.textContent = LABELS[status] || status;
    chip.className = "status status-" + status;
    live.dataset.status = status;
  }

  function setProgress(done, total) {
    el("pages-done").textContent = done;
    el("pages-total").textContent = total;
    var percent = total ? Math.min(100, Math.floor(100 * done / total)) : 0;
    el("percent").textContent = percent;
    el("job-progress").value = percent;
    el("job-progress").textContent = percent + " %";
  }

  function showReport() {
    if (swapped) return;
    swapped = true;
    fetch(live.dataset.reportUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        el("report").innerHTML = html;
        document.querySelectorAll(".live-only").forEach(function (node) { node.hidden = true; });
        live.dataset.ended = "true";
      })
      .catch(function () {
        log("The report could not be loaded: reload the page to see it.");
      });
  }

  function handle(event) {
    if (event.id <= lastId) return;
    lastId = event.id;
    var d = event.data || {};
    if (event.type === "status") {
      setStatus(d.status);
      if (d.stage) el("job-stage").textContent = d.stage;
      if (TERMINAL.indexOf(d.status) !== -1) {
        ended = true;  // polling stops here: fetch the report now, not after "completed"
        showReport();
      }
    } else if (event.type === "progress") {
      setProgress(d.pages_done, d.pages_total);
      if (d.stage) el("job-stage").textContent = d.stage;
    } else if (event.type === "page") {
      addPage(d);
      log((d.status || d.error) + " " + d.url + (d.findings ? " — " + d.findings + " findings" : ""));
    } else if (event.type === "log") {
      log(d.message);
    } else if (event.type === "failed") {
      el("job-error").hidden = false;
      el("job-error").textContent = d.error || "The analysis failed.";
    }
    if (event.type === "completed") {
      setStatus("succeeded");
      setProgress(parseInt(el("pages-done").textContent, 10), parseInt(el("pages-done").textContent, 10));
    }
    if (event.type === "completed" || event.type === "failed" ||
        (event.type === "status" && d.status === "cancelled")) {
      ended = true;
      log("Finished: " + (d.status || event.type) + ".");
      showReport();
    }
  }

  function poll() {
    if (ended) return;
    live.dataset.transport = "polling";
    fetch(live.dataset.eventsUrl + "?after=" + lastId, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body) body.results.forEach(handle);
        setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }

  function connect() {
    if (ended) return;
    if (!("WebSocket" in window)) { poll(); return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + "/ws/v1/analyses/" +
                               live.dataset.jobId + "/?after=" + lastId);
    var opened = false;
    socket.onopen = function () { opened = true; live.dataset.transport = "websocket"; };
    socket.onmessage = function (message) { handle(JSON.parse(message.data)); };
    socket.onclose = function () {
      if (ended) return;
      if (opened) setTimeout(connect, 1000); else poll();
    };
  }
  connect();
})();
