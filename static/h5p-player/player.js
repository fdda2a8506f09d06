/* The H5P player page (templates/learning/h5p_player.html), inside the lesson's sandboxed
 * iframe. Runs h5p-standalone 3.8.2 in `div` mode and talks to the lesson page only through
 * postMessage to the app origin:
 *   player → page  {channel, type: "ready"|"xapi"|"state"|"resize", launch, statement, state, height}
 *   page → player  {channel, type: "init", state}
 * The page decides what is recorded; this script holds no secrets (docs/h5p-hosting.md). */
(function () {
  "use strict";

  /* In an opaque sandbox (no allow-same-origin) touching localStorage throws, and H5P core
   * does so unguarded: give it an in-memory store that lasts as long as the page. */
  function memoryStorage() {
    var items = {};
    return {
      getItem: function (key) { return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null; },
      setItem: function (key, value) { items[key] = String(value); },
      removeItem: function (key) { delete items[key]; },
      clear: function () { items = {}; },
      key: function (i) { return Object.keys(items)[i] || null; },
      get length() { return Object.keys(items).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      void window[name];
    } catch (e) {
      Object.defineProperty(window, name, { value: memoryStorage(), configurable: true });
    }
  });

  var configElement = document.getElementById("h5p-player-config");
  if (!configElement) return;
  var config = JSON.parse(configElement.textContent);
  var SAVE_SECONDS = 30;
  var SETTLE_MS = 2500;
  var settleTimer = null;
  var started = false;
  var lastHeight = 0;

  function send(type, payload) {
    var message = { channel: config.channel, type: type, launch: config.launch };
    Object.keys(payload || {}).forEach(function (key) { message[key] = payload[key]; });
    if (window.parent && window.parent !== window) {
      window.parent.postMessage(message, config.appOrigin);
    }
  }

  function currentState() {
    var instance = window.H5P && window.H5P.instances && window.H5P.instances[0];
    if (!instance || typeof instance.getCurrentState !== "function") return null;
    try {
      var state = instance.getCurrentState();
      return state === undefined || state === null ? null : JSON.stringify(state);
    } catch (e) {
      return null;
    }
  }

  function reportHeight() {
    // The body, not the document: the document is never shorter than the iframe itself.
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (Math.abs(height - lastHeight) < 2) return;
    lastHeight = height;
    send("resize", { height: height });
  }

  function showError(error) {
    if (error && window.console) window.console.error("H5P player:", error);
    var box = document.getElementById("h5p-player-error");
    if (!box) return;
    box.textContent = box.getAttribute("data-load-error");
    box.hidden = false;
    reportHeight();
  }

  function start(state) {
    if (started) return;
    started = true;
    var options = {
      id: config.id,
      h5pJsonPath: config.h5pJsonPath,
      contentJsonPath: config.contentJsonPath,
      librariesPath: config.librariesPath,
      frameJs: config.frameJs,
      frameCss: config.frameCss,
      xAPIObjectIRI: config.xAPIObjectIRI,
      embedType: "div",
      // Initialise only after the xAPI listener is attached, or "attempted" is lost.
      preventH5PInit: false,
      frame: false,
      copyright: false,
      export: false,
      embed: false,
      icon: false,
      fullScreen: true,
      // Resume: the saved state as H5P's user data; a fresh attempt gets none at all
      // ('null' or 'RESET' would show "Data Reset"). No `user`, no ajax URLs.
      saveFreq: config.launch ? SAVE_SECONDS : false
    };
    if (state && config.launch) options.contentUserData = [{ state: state }];
    var player;
    try {
      player = new window.H5PStandalone.H5P(document.getElementById("h5p-container"), options);
    } catch (e) {
      showError(e);
      return;
    }
    player.then(function () {
      window.H5P.externalDispatcher.on("xAPI", function (event) {
        var statement = event && event.data && event.data.statement;
        if (!statement || !config.launch) return;
        send("xapi", { statement: statement, state: currentState() });
        // Content often moves on (next question) a moment after answering: save that too.
        window.clearTimeout(settleTimer);
        settleTimer = window.setTimeout(function () {
          send("state", { state: currentState() });
        }, SETTLE_MS);
      });
      window.H5P.init(document.getElementById("h5p-container"));
      reportHeight();
      if (config.launch) {
        window.setInterval(function () { send("state", { state: currentState() }); }, SAVE_SECONDS * 1000);
      }
    }).catch(showError);
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== config.appOrigin) return;
    var data = event.data;
    if (!data || typeof data !== "object" || data.channel !== config.channel) return;
    if (data.type === "init") start(typeof data.state === "string" ? data.state : null);
  });

  if (window.ResizeObserver) {
    new ResizeObserver(reportHeight).observe(document.body);
  }
  window.addEventListener("load", reportHeight);

  function ready() {
    // Say so a few times: the lesson page's script may not be listening yet.
    var tries = 0;
    (function hello() {
      if (started) return;
      send("ready", {});
      tries += 1;
      if (tries < 8) window.setTimeout(hello, 500);
      // A page that never answers (no host script) still shows the activity, unrecorded.
      else start(null);
    })();
  }
  // Only after the deferred h5p-standalone bundle (the next script) has run.
  if (document.readyState === "complete") {
    ready();
  } else {
    document.addEventListener("DOMContentLoaded", ready);
  }
})();
