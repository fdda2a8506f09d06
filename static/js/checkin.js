/*
 * Staff pages of the smartphone classes: live count, check-in without reloading, QR scanning.
 *
 * Progressive enhancement: every page works without this script (the check-in form posts
 * normally, the count is fresh on each load). With it:
 * - [data-count-url] regions poll {"booked": n, "checked_in": m} every 10 seconds;
 * - the check-in form [data-checkin-form] posts with fetch and shows the result in place;
 * - where the browser can use a camera, a camera button appears that reads the slip's QR code
 *   (the bare reference, or a URL ending in it) and submits it through the same form. The
 *   browser's BarcodeDetector reads the frames where it exists (Chrome on Android); elsewhere
 *   (Safari on iPhone, Firefox) the vendored jsQR decoder does, loaded only then from the
 *   section's data-decoder-src (static/vendor/jsqr/), drawing the video frames into a canvas;
 * - [data-print] buttons appear and open the print dialogue.
 */
(function () {
  "use strict";

  var POLL_MS = 10000;
  var SCAN_MS = 150;
  var DECODE_WIDTH = 640; // frames are scaled down to this width before jsQR reads them
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

  // A reader takes the <video> and resolves to the QR code's text, or "" when it sees none.
  function nativeReader() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return function (video) {
      return detector.detect(video).then(function (codes) {
        return codes.length ? codes[0].rawValue : "";
      });
    };
  }

  function canvasReader() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function (video) {
      var width = video.videoWidth;
      var height = video.videoHeight;
      if (!width || !height) return Promise.resolve("");
      var scale = Math.min(1, DECODE_WIDTH / width);
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, {
        inversionAttempts: "dontInvert",
      });
      return Promise.resolve(code ? code.data : "");
    };
  }

  function cameraMessage(error, failure) {
    var name = failure && failure.name;
    var key = "data-message-other";
    if (name === "NotAllowedError" || name === "SecurityError") key = "data-message-denied";
    else if (name === "NotFoundError" || name === "OverconstrainedError") key = "data-message-missing";
    else if (name === "NotReadableError") key = "data-message-busy";
    return error.getAttribute(key) || error.getAttribute("data-message-other") || "";
  }

  function enableCamera(section, submitCode, read) {
    var startButton = section.querySelector("[data-camera-start]");
    var stopButton = section.querySelector("[data-camera-stop]");
    var video = section.querySelector("[data-camera-video]");
    var error = section.querySelector("[data-camera-error]");
    var stream = null;
    var timer = null;
    var lastCode = "";
    var lastAt = 0;

    function stop() {
      if (timer) window.clearTimeout(timer);
      timer = null;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.srcObject = null;
      video.hidden = true;
      stopButton.hidden = true;
      startButton.hidden = false;
    }

    function scan() {
      if (!stream) return;
      var next = function () { if (stream) timer = window.setTimeout(scan, SCAN_MS); };
      if (video.readyState < 2) { next(); return; }
      var reading;
      try {
        reading = read(video);
      } catch (e) {
        reading = Promise.resolve(""); // a frame that could not be read
      }
      reading
        .then(function (code) {
          var now = Date.now();
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
        .catch(function (failure) {
          stop();
          error.textContent = cameraMessage(error, failure);
          error.hidden = false;
        });
    });
    stopButton.addEventListener("click", stop);
    // The camera is switched off when the trainer leaves the page or puts the phone away.
    window.addEventListener("pagehide", stop);
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) stop();
    });
    section.hidden = false;
  }

  // Load the vendored decoder (a same-origin file, as CSP script-src 'self' allows).
  function loadDecoder(src) {
    return new Promise(function (resolve, reject) {
      if (typeof window.jsQR === "function") { resolve(); return; }
      var script = document.createElement("script");
      script.src = src;
      script.defer = true;
      script.onload = function () {
        if (typeof window.jsQR === "function") resolve();
        else reject(new Error("decoder missing"));
      };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function nativeQrSupport() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(false);
    var supported = window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats()
      : Promise.resolve(["qr_code"]);
    return supported.then(
      function (formats) { return formats.indexOf("qr_code") !== -1; },
      function () { return false; }
    );
  }

  function offerCamera(submitCode) {
    var section = document.querySelector("[data-camera]");
    if (!section || !submitCode) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return; // no camera here (or not HTTPS): the section stays hidden, typing the code works
    }
    nativeQrSupport()
      .then(function (native) {
        if (native) return nativeReader();
        var src = section.getAttribute("data-decoder-src");
        if (!src) throw new Error("no decoder");
        return loadDecoder(src).then(canvasReader);
      })
      .then(function (read) { enableCamera(section, submitCode, read); })
      .catch(function () { /* leave the camera hidden: typing the code works */ });
  }

  document.querySelectorAll("[data-count-url]").forEach(startPolling);

  var form = document.querySelector("form[data-checkin-form]");
  if (form) offerCamera(enhanceCheckinForm(form));

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
