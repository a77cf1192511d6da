// Live progress for an analysis page: the WebSocket stream, or polling the
// events endpoint when WebSockets are unavailable. Both resume after the last
// event id seen, so nothing is shown twice.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) return;
  var TERMINAL = ["succeeded", "failed", "cancelled"];
  var lastId = 0;
  var ended = TERMINAL.indexOf(live.dataset.status) !== -1;
  var el = function (id) { return document.getElementById(id); };

  function log(text) {
    var item = document.createElement("li");
    item.textContent = text;
    var list = el("log");
    list.appendChild(item);
    while (list.children.length > 50) list.removeChild(list.firstChild);
  }

  function handle(event) {
    if (event.id <= lastId) return;
    lastId = event.id;
    var d = event.data || {};
    if (event.type === "status") {
      el("job-status").textContent = d.status;
      el("job-status").className = "status status-" + d.status;
      if (d.stage) el("job-stage").textContent = d.stage;
      if (TERMINAL.indexOf(d.status) !== -1) ended = true;
    } else if (event.type === "progress") {
      el("pages-done").textContent = d.pages_done;
      el("pages-total").textContent = d.pages_total;
      el("job-progress").max = Math.max(d.pages_total, 1);
      el("job-progress").value = d.pages_done;
    } else if (event.type === "page") {
      log((d.status || d.error) + " " + d.url + (d.findings ? " — " + d.findings + " findings" : ""));
    } else if (event.type === "log") {
      log(d.message);
    } else if (event.type === "failed") {
      el("job-error").hidden = false;
      el("job-error").textContent = d.error || "The analysis failed.";
    }
    if (event.type === "completed" || event.type === "failed" ||
        (event.type === "status" && d.status === "cancelled")) {
      log("Finished: " + d.status + ". Reloading results…");
      setTimeout(function () { window.location.reload(); }, 800);
    }
  }

  function poll() {
    if (ended) return;
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
    socket.onopen = function () { opened = true; };
    socket.onmessage = function (message) { handle(JSON.parse(message.data)); };
    socket.onclose = function () {
      if (ended) return;
      if (opened) setTimeout(connect, 1000); else poll();
    };
  }
  connect();
})();
