// Rango's only script of its own. Every page works without it; it adds:
// - the login and register pages' warning when the browser refuses cookies
//   (the tutorial's test cookie, client side);
// - focus management after htmx swaps: a navigation moves the focus to the
//   new content's heading (or to the first field with an error), a consent
//   choice puts it back where it was, "Cookie settings" moves it into the
//   banner (the like button keeps its id, so htmx itself keeps the focus
//   on it);
// - the flash message of a full page load said once more in #announcer,
//   since a live region is not read out for what it holds at load;
// - Escape closes the phone menu, and a navigation closes it too.
(function () {
  "use strict";

  function warnNoCookies() {
    var el = document.getElementById("cookie-warning");
    if (el && !navigator.cookieEnabled) el.hidden = false;
  }

  // focusQuietly focuses el without scrolling; headings and other
  // elements that are not focusable get tabindex=-1 first.
  function focusQuietly(el) {
    if (!el) return;
    if (!el.matches("a[href], button, input, select, textarea, [tabindex]")) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: true });
  }

  // focusNewContent moves the focus into <main> after it was swapped.
  function focusNewContent(main) {
    focusQuietly(main.querySelector('[aria-invalid="true"]') || main.querySelector("h1") || main);
  }

  function closeMenu(restoreFocus) {
    var menu = document.querySelector("details.rango-menu[open]");
    if (!menu) return;
    var inside = menu.contains(document.activeElement);
    menu.open = false;
    if (restoreFocus && inside) menu.querySelector("summary").focus();
  }

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) return;
    region.textContent = "";
    // A short pause, so that screen readers take the new text as a change.
    setTimeout(function () { region.textContent = text; }, 250);
  }

  // Where the focus was before it went into the consent banner.
  var beforeConsent = null;
  document.addEventListener("focusin", function (e) {
    var slot = document.getElementById("consent-slot");
    if (slot && !slot.contains(e.target)) beforeConsent = e.target;
  });

  document.addEventListener("DOMContentLoaded", function () {
    warnNoCookies();
    var flash = document.getElementById("flash");
    if (flash) announce(flash.textContent.trim());
  });

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") closeMenu(true);
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    var target = e.target;
    if (target.id === "main") {
      warnNoCookies();
      closeMenu(false);
      focusNewContent(target);
    } else if (target.id === "consent-slot") {
      var banner = document.getElementById("consent-banner");
      if (banner) {
        focusQuietly(banner); // "Cookie settings" opened it
      } else if (beforeConsent && beforeConsent.isConnected && beforeConsent !== document.body) {
        focusQuietly(beforeConsent);
      } else {
        focusNewContent(document.getElementById("main"));
      }
    }
  });

  document.addEventListener("htmx:historyRestore", function () {
    var main = document.getElementById("main");
    if (main) focusNewContent(main);
  });
})();
