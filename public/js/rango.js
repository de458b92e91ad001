// Rango's only script of its own: warn on the login and register pages when
// the browser refuses cookies (the tutorial's test cookie, client side).
(function () {
  function warn() {
    var el = document.getElementById("cookie-warning");
    if (el && !navigator.cookieEnabled) el.hidden = false;
  }
  document.addEventListener("DOMContentLoaded", warn);
  document.addEventListener("htmx:afterSettle", warn);
})();
