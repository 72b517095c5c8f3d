// Shows a mail check that was still running when the page was made; the page works without it
// (reload it to see the result).
(function () {
  "use strict";
  var notice = document.querySelector("[data-check-pending]");
  if (!notice) { return; }
  var ticket = notice.getAttribute("data-check-ticket");
  var tries = 0;
  function show(result) {
    notice.textContent = (result.ok ? "Mail server check passed: " : "Mail server check failed: ") + result.message;
    notice.className = "notice " + (result.ok ? "good" : "bad");
    notice.setAttribute("role", result.ok ? "status" : "alert");
    notice.removeAttribute("data-check-pending");
  }
  function poll() {
    tries += 1;
    if (tries > 180) { return; }
    if (!ticket) { window.location.reload(); return; }
    fetch("/mail/check/" + encodeURIComponent(ticket), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) {
        if (result && result.done) { show(result); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, ticket ? 1000 : 3000);
})();
