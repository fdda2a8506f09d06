/* Lesson pages. Everything works without this file; it only helps:
 * - shows one variant (iPhone or Android) of the smartphone instructions, with buttons to
 *   switch, and remembers the choice for the next lesson. Without JavaScript both are shown. */
(function () {
  "use strict";

  var KEY = "toshima-ict-device";
  var blocks = document.querySelectorAll("[data-device-steps]");
  if (!blocks.length) return;

  function remembered() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (e) {
      return null;
    }
  }

  function remember(device) {
    try {
      window.localStorage.setItem(KEY, device);
    } catch (e) {
      /* Private browsing: the choice lasts for this page only. */
    }
  }

  function show(device) {
    blocks.forEach(function (block) {
      block.querySelectorAll("[data-device-variant]").forEach(function (variant) {
        variant.hidden = variant.getAttribute("data-device-variant") !== device;
      });
      block.querySelectorAll("[data-device]").forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.getAttribute("data-device") === device));
      });
    });
  }

  blocks.forEach(function (block) {
    var group = block.querySelector("[data-device-switch]");
    if (!group) return;
    group.hidden = false;
    group.addEventListener("click", function (event) {
      var button = event.target.closest("[data-device]");
      if (!button) return;
      var device = button.getAttribute("data-device");
      remember(device);
      show(device);
    });
  });

  var device = remembered();
  show(device === "android" ? "android" : "iphone");
})();
