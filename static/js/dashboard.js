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
  var lastId = parseInt(table.dataset.after || "0", 10);  // as the server rendered it

  function row(id) { return table.querySelector('tr[data-job-id="' + id + '"]'); }

  var pending = {};  // rows being fetched, by analysis id

  // The server renders a row (its scores and violations once it has ended); an analysis
  // started elsewhere gets a new row at the top, as the newest.
  function refresh(tr, id) {
    if (pending[id]) { pending[id] = "again"; return; }  // fetch once more when this one lands
    pending[id] = "busy";
    fetch("/analyses/" + id + "/row", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var again = pending[id] === "again";
        delete pending[id];
        if (again) refresh(null, id);
        if (!html) return;
        var holder = document.createElement("tbody");
        holder.innerHTML = html.trim();
        var fresh = holder.firstElementChild;
        if (!fresh) return;
        var current = row(id);
        if (current) current.replaceWith(fresh);
        else table.tBodies[0].insertBefore(fresh, table.tBodies[0].firstChild);
      })
      .catch(function () { delete pending[id]; });
  }

  function handle(event) {
    if (event.id) lastId = Math.max(lastId, event.id);
    var tr = row(event.job);
    var d = event.data || {};
    if (!tr) {
      // A new analysis (its first status) joins the first page; nothing else is added.
      var starting = event.type === "status" && (d.status === "queued" || d.status === "running");
      if (table.dataset.firstPage && starting) refresh(null, event.job);
      return;
    }
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
    var url = scheme + window.location.host + table.dataset.liveUrl + "?after=" + lastId;
    var socket = new WebSocket(url);
    socket.onmessage = function (message) { handle(JSON.parse(message.data)); };
    socket.onclose = function () { setTimeout(connect, 3000); };
  }
  connect();
})();
