// PlexMix web: follow a running job (polls its status), and confirm before forgetting a playlist.
"use strict";
(function () {
  function text(el, value) { el.textContent = value; }
  function drawStages(box, stages) {
    box.replaceChildren();
    stages.forEach(function (s) {
      var row = document.createElement("div");
      row.className = "stage";
      var name = document.createElement("span");
      text(name, s.name);
      var bar = document.createElement("progress");
      if (s.total) { bar.max = s.total; bar.value = s.done; } else if (s.finished) { bar.max = 1; bar.value = 1; }
      var count = document.createElement("span");
      text(count, s.total ? s.done + " / " + s.total : (s.finished ? "done" : String(s.done)));
      row.append(name, " ", bar, " ", count);
      box.append(row);
    });
  }
  function follow(section) {
    var id = section.dataset.job;
    function poll() {
      fetch("/jobs/" + encodeURIComponent(id) + "/status", { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          text(document.getElementById("job-status"), job.status);
          drawStages(document.getElementById("stages"), job.stages || []);
          if (job.status === "running") { setTimeout(poll, 400); } else { window.location.reload(); }
        })
        .catch(function () { setTimeout(poll, 1500); });
    }
    poll();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("job");
    if (section && section.dataset.status === "running") { follow(section); }
    document.querySelectorAll("form.confirm").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm("Forget this playlist in PlexMix? Plex keeps its copy.")) { event.preventDefault(); }
      });
    });
  });
})();
