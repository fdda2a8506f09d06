/*
 * Staff pages of the smartphone classes: live count, check-in without reloading, QR scanning.
 *
 * Progressive enhancement: every page works without this script (the check-in form posts
 * normally, the count is fresh on each load). With it:
 * - [data-count-url] regions poll {"booked": n, "checked_in": m} every 10 seconds;
 * - the check-in form [data-checkin-form] posts with fetch and shows the result in place;
 * - where the browser has BarcodeDetector with QR support, a camera button appears that reads
 *   the slip's QR code (the bare reference, or a URL ending in it) and submits it;
 * - [data-print] buttons appear and open the print dialogue.
 */
(function () {
  "use strict";

  var POLL_MS = 10000;
  var SCAN_MS = 250;
  var SAME_CODE_PAUSE_MS = 3000;

  function setCounts(data) {
    if (!data) return;
    document.querySelectorAll("[data-count]").forEach(function (el) {
      var key = el.getAttribute("data-count");
      if (typeof data[key] === "number" && el.textContent !== String(data[key])) {
        el.textContent = String(data[key]);
      }
    });
  }

  function startPolling(region) {
    var url = region.getAttribute("data-count-url");
    if (!url || !window.fetch) return;
    window.setInterval(function () {
      if (document.hidden) return;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(setCounts)
        .catch(function () { /* offline for a moment: the next poll tries again */ });
    }, POLL_MS);
  }

  function showResult(box, ok, message) {
    box.classList.remove("checkin-result--ok", "checkin-result--error");
    box.classList.add(ok ? "checkin-result--ok" : "checkin-result--error");
    var p = document.createElement("p");
    p.textContent = message;
    box.replaceChildren(p);
  }

  function enhanceCheckinForm(form) {
    var input = form.querySelector("input[name=reference]");
    var box = document.querySelector("[data-checkin-result]");
    if (!input || !box || !window.fetch || !window.FormData) return null;
    var busy = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) return;
      busy = true;
      fetch(form.action || window.location.href, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") === -1) throw new Error("not JSON");
          return response.json();
        })
        .then(function (data) {
          showResult(box, data.ok, data.message);
          setCounts(data);
          if (data.ok) {
            input.value = "";
          } else {
            input.select();
          }
          busy = false;
        })
        .catch(function () {
          busy = false;
          form.submit(); // fall back to the plain form post
        });
    });
    return function submitCode(code) {
      input.value = code;
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit();
      } else {
        form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    };
  }

  function enableCamera(section, submitCode) {
    var startButton = section.querySelector("[data-camera-start]");
    var stopButton = section.querySelector("[data-camera-stop]");
    var video = section.querySelector("[data-camera-video]");
    var error = section.querySelector("[data-camera-error]");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var stream = null;
    var timer = null;
    var lastCode = "";
    var lastAt = 0;

    function stop() {
      if (timer) window.clearTimeout(timer);
      timer = null;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.hidden = true;
      stopButton.hidden = true;
      startButton.hidden = false;
    }

    function scan() {
      if (!stream) return;
      var next = function () { timer = window.setTimeout(scan, SCAN_MS); };
      if (video.readyState < 2) { next(); return; }
      detector.detect(video)
        .then(function (codes) {
          var now = Date.now();
          var code = codes.length ? codes[0].rawValue : "";
          if (code && (code !== lastCode || now - lastAt > SAME_CODE_PAUSE_MS)) {
            lastCode = code;
            lastAt = now;
            submitCode(code);
          }
        })
        .catch(function () { /* a frame that could not be read */ })
        .then(next);
    }

    startButton.addEventListener("click", function () {
      error.hidden = true;
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (mediaStream) {
          stream = mediaStream;
          video.srcObject = mediaStream;
          video.hidden = false;
          startButton.hidden = true;
          stopButton.hidden = false;
          return video.play();
        })
        .then(scan)
        .catch(function () {
          stop();
          error.hidden = false;
        });
    });
    stopButton.addEventListener("click", stop);
    window.addEventListener("pagehide", stop);
    section.hidden = false;
  }

  function offerCamera(submitCode) {
    var section = document.querySelector("[data-camera]");
    if (!section || !submitCode) return;
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return; // no camera scanning here: the section stays hidden, typing the code works
    }
    var supported = window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats()
      : Promise.resolve(["qr_code"]);
    supported
      .then(function (formats) {
        if (formats.indexOf("qr_code") !== -1) enableCamera(section, submitCode);
      })
      .catch(function () { /* leave the camera hidden */ });
  }

  document.querySelectorAll("[data-count-url]").forEach(startPolling);

  var form = document.querySelector("form[data-checkin-form]");
  if (form) offerCamera(enhanceCheckinForm(form));

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
