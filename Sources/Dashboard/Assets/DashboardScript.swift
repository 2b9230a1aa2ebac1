/// The dashboard's script, served as `/assets/dashboard.js` (bundled, no library: the page works
/// offline). On a sweep or job page it listens to the sweep's event stream (server-sent events; the
/// browser reconnects by itself, sending the last version it saw) and applies only what changed: a
/// cell's class, text and hover; the counts and ETA; the report fragment and plots when the report
/// version moves; the grid when a round adds jobs; a job's fragment when its cell changes. On the
/// first page it listens to the index's stream and fetches the list of sweeps again when it changed.
/// Text from the server goes in as text (`textContent`, attributes), fragments come escaped from the
/// server.
enum DashboardScript {
    static let javascript = #"""
    (function () {
      "use strict";
      var body = document.body;
      var live = document.getElementById("live");
      var version = Number(body.dataset.version);

      function replace(id, url) {
        return fetch(url, { cache: "no-store" }).then(function (r) {
          if (!r.ok) throw new Error(r.status);
          return r.text();
        }).then(function (html) {
          var el = document.getElementById(id);
          if (el) el.innerHTML = html;
        });
      }

      function listen(url, apply) {
        var source = new EventSource(url);
        function fresh() {
          if (live) { live.textContent = "live · updated " + new Date().toLocaleTimeString(); live.className = "live"; }
        }
        source.onmessage = function (event) {
          apply(JSON.parse(event.data));
          fresh();
        };
        source.addEventListener("recovered", fresh);
        source.addEventListener("failure", function (event) {
          if (live) { live.textContent = JSON.parse(event.data).message; live.className = "live stale"; }
        });
        source.onerror = function () {
          if (live) { live.textContent = "reconnecting…"; live.className = "live stale"; }
        };
      }

      if (body.dataset.page === "index") {
        listen("/api/events?since=" + version, function (update) {
          if (update.version === version) return;
          version = update.version;
          body.dataset.version = String(version);
          replace("sweeps", "/fragments/sweeps");
        });
        return;
      }
      var sweep = body.dataset.sweep;
      if (!sweep) return;
      var seg = encodeURIComponent(sweep);
      var base = "/sweeps/" + seg, api = "/api/sweeps/" + seg;
      var reportVersion = Number(body.dataset.reportVersion || "-1");
      var jobKey = body.dataset.job;

      function applyCell(cell) {
        var td = document.querySelector('td.cell[data-key="' + cell.key + '"]');
        if (!td) return false;
        td.className = "cell " + cell.status;
        td.title = cell.hover;
        var a = td.querySelector("a");
        if (a) a.textContent = cell.label;
        return true;
      }

      function apply(update) {
        var missing = false;
        update.cells.forEach(function (cell) {
          if (!applyCell(cell)) missing = true;
          if (jobKey && cell.key === jobKey) replace("job", location.pathname.replace(/\/$/, "") + "/fragment");
        });
        if (missing && document.getElementById("grid")) replace("grid", base + "/fragments/grid");
        var counts = document.getElementById("counts"), eta = document.getElementById("eta");
        if (counts) counts.textContent = update.counts_text;
        if (eta) eta.textContent = update.progress_text;
        if (update.report_version !== reportVersion && document.getElementById("report")) {
          reportVersion = update.report_version;
          body.dataset.reportVersion = String(reportVersion);
          replace("report", base + "/fragments/report");
          ["ablation-plot", "curves-plot"].forEach(function (id) {
            var img = document.getElementById(id);
            if (img) img.src = img.src.replace(/\?v=.*$/, "") + "?v=" + reportVersion;
          });
        }
        version = update.version;
        body.dataset.version = String(version);
      }

      listen(api + "/events?since=" + version, apply);
    })();
    """#
}
