// Excel export page: ask the job's status every 2 seconds until it is done or failed,
// and update the progress bar, the status line and the download link.
(function () {
  "use strict";
  var box = document.querySelector(".export-job[data-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-export-percent]");
  var label = box.querySelector("[data-export-label]");
  var download = box.querySelector("[data-export-download]");
  var refresh = box.querySelector("[data-export-refresh]");
  var finished = { done: true, failed: true };

  function show(state) {
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    percent.textContent = state.progress + "%";
    if (label.textContent !== state.label) label.textContent = state.label;
    if (state.download) download.hidden = false;
    if (finished[state.status]) {
      refresh.hidden = true;
      if (state.status === "failed") window.location.reload();
      return true;
    }
    return false;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && show(state)) return;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  if (!finished[box.getAttribute("data-status")]) window.setTimeout(poll, 1000);
})();
