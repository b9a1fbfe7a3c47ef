/* The job page follows its job: every two seconds it asks the job's state (?format=json), moves the
   progress bar and the status announced politely (aria-live), and reloads the page once the job is
   finished, to show the file or the reason of the failure. Without JavaScript, « Actualiser ». */
(function () {
  "use strict";
  var root = document.querySelector("[data-job-url]");
  if (!root) { return; }
  var bar = document.getElementById("job-progress"), status = root.querySelector("[data-job-status]");
  function poll() {
    fetch(root.getAttribute("data-job-url"), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.finished) { window.location.reload(); return; }
        if (bar) { bar.value = state.percent; bar.textContent = state.percent + " %"; }
        if (status) {
          status.textContent = state.status_label + (state.total ? " : " + state.done + " sur " + state.total : "") + ".";
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
