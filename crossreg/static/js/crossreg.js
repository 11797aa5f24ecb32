/* crossreg's only script besides htmx. The Content-Security-Policy allows no inline script or
   style, so what pages used to do inline is done here, from data attributes. */
(function () {
  "use strict";
  function apply(root) {
    // Bars: <span class="bar-fill" data-width="42.0"> (a style attribute would be refused by the CSP).
    root.querySelectorAll("[data-width]").forEach(function (el) {
      var w = parseFloat(el.getAttribute("data-width"));
      if (!isNaN(w)) { el.style.width = Math.max(0, Math.min(100, w)) + "%"; }
    });
    // "Use my position": <button data-geolocate="form-id" data-lat="lat-id" data-lng="lng-id">.
    root.querySelectorAll("[data-geolocate]").forEach(function (btn) {
      if (btn.dataset.bound) { return; }
      btn.dataset.bound = "1";
      btn.addEventListener("click", function () {
        if (!navigator.geolocation) { return; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          document.getElementById(btn.dataset.lat).value = pos.coords.latitude.toFixed(6);
          document.getElementById(btn.dataset.lng).value = pos.coords.longitude.toFixed(6);
          document.getElementById(btn.dataset.geolocate).submit();
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { apply(document); });
  document.addEventListener("htmx:afterSwap", function (e) { apply(e.target); });
})();
