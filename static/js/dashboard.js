// The dashboard's rows follow their analyses live: status and page counts from the
// dashboard WebSocket (/ws/v1/analyses/), and the whole row re-rendered by the server
// when an analysis ends (its scores and violations). Without WebSockets the page is
// simply what the server rendered.
(function () {
  "use strict";
  var table = document.getElementById("analyses");
  if (!table || !("WebSocket" in window)) return;
  var TERMINAL = ["succeeded", "failed", "cancelled"];
  var LABELS = { queued: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed", cancelled: "Cancelled" };
  var lastId = 0;

  function row(id) { return table.querySelector('tr[data-job-id="' + id + '"]'); }

  function refresh(tr, id) {
    fetch("/analyses/" + id + "/row", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var holder = document.createElement("tbody");
        holder.innerHTML = html.trim();
        if (holder.firstElementChild) tr.replaceWith(holder.firstElementChild);
      });
  }

  function handle(event) {
    if (event.id) lastId = Math.max(lastId, event.id);
    var tr = row(event.job);
    if (!tr) return;
    var d = event.data || {};
    if (event.type === "status" && d.status) {
      var chip = tr.querySelector('[data-role="status"]');
      chip.textContent = LABELS[d.status] || d.status;
      chip.className = "status status-" + d.status;
      tr.dataset.status = d.status;
      if (TERMINAL.indexOf(d.status) !== -1) refresh(tr, event.job);
    } else if (event.type === "progress") {
      tr.querySelector('[data-role="pages"]').textContent = d.pages_done;
    } else if (event.type === "completed" || event.type === "failed") {
      refresh(tr, event.job);
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + table.dataset.liveUrl + (lastId ? "?after=" + lastId : "");
    var socket = new WebSocket(url);
    socket.onmessage = function (message) { handle(JSON.parse(message.data)); };
    socket.onclose = function () { setTimeout(connect, 3000); };
  }
  connect();
})();
