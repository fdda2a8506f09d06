/* H5P activities on a lesson page: the host side of the player's postMessage channel.
 *
 * Each [data-h5p-player] block holds a sandboxed iframe (the player, on the content origin) and
 * its settings as JSON. A message counts only when it comes from that iframe's window, from the
 * content origin ("null" for the opaque sandbox), on our channel and with this block's launch;
 * H5P core's own {context: "h5p"} messages are ignored. Statements and saved state are POSTed
 * one after another with the session and CSRF token; the server decides what counts, and the
 * status line shows its answer. Without JavaScript the block shows its noscript text. */
(function () {
  "use strict";

  var MIN_HEIGHT = 150;
  var MAX_HEIGHT = 6000;
  var blocks = document.querySelectorAll("[data-h5p-player]");
  if (!blocks.length) return;

  function setup(block) {
    var iframe = block.querySelector("iframe");
    var configElement = block.querySelector("script[type='application/json']");
    if (!iframe || !configElement) return;
    var config = JSON.parse(configElement.textContent);
    var status = block.querySelector("[data-h5p-status]");
    var statusText = block.querySelector("[data-h5p-status-text]");
    var problem = block.querySelector("[data-h5p-problem]");
    var queue = Promise.resolve();
    // After a finishing statement the try is over: its leftover state is not saved.
    var finished = false;
    var lastState = null;

    function showStatus(code, label) {
      if (!statusText) return;
      statusText.textContent = label;
      if (status) status.setAttribute("data-status", code);
    }

    function showProblem(text) {
      if (!problem) return;
      problem.textContent = text || "";
      problem.hidden = !text;
    }

    function post(url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": config.csrf,
          "X-H5P-Launch": config.launch
        },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (response.status === 204) return {};
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            var error = new Error(data.detail || config.saveError);
            error.detail = data.detail || config.saveError;
            throw error;
          }
          return data;
        });
      });
    }

    function saveState(state) {
      if (finished || typeof state !== "string" || state === lastState) return;
      lastState = state;
      queue = queue.then(function () {
        return post(config.stateUrl, { state: state });
      }).catch(function (error) {
        showProblem(error.detail || config.saveError);
      });
    }

    function sendStatement(statement, state) {
      queue = queue.then(function () {
        return post(config.xapiUrl, statement).then(function (answer) {
          showProblem("");
          if (answer.label) showStatus(answer.status, answer.label);
          if (answer.attempt_open === false) {
            finished = true;
            lastState = null;
          } else if (answer.attempt_open === true) {
            finished = false;
          }
          if (answer.lesson_complete) {
            document.dispatchEvent(new CustomEvent("h5p:lesson-complete"));
          }
        });
      }).catch(function (error) {
        showProblem(error.detail || config.saveError);
      });
      // The state of a statement that finishes the try is dropped by the check above.
      queue = queue.then(function () { saveState(state); });
    }

    window.addEventListener("message", function (event) {
      if (event.source !== iframe.contentWindow || event.origin !== config.origin) return;
      var data = event.data;
      if (!data || typeof data !== "object" || data.context === "h5p") return;
      if (data.channel !== config.channel || data.launch !== config.launch) return;
      if (data.type === "ready") {
        iframe.contentWindow.postMessage(
          { channel: config.channel, type: "init", state: config.state || null },
          // An opaque origin cannot be named; the frame is ours and holds the learner's own state.
          config.origin === "null" ? "*" : config.origin
        );
      } else if (data.type === "resize") {
        var height = Number(data.height);
        if (isFinite(height)) {
          iframe.style.height = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.round(height))) + "px";
        }
      } else if (config.recording && data.type === "xapi" && data.statement && typeof data.statement === "object") {
        sendStatement(data.statement, data.state);
      } else if (config.recording && data.type === "state") {
        saveState(data.state);
      }
    });
  }

  blocks.forEach(setup);

  document.addEventListener("h5p:lesson-complete", function () {
    var done = document.querySelector("[data-lesson-complete]");
    var pending = document.querySelector("[data-lesson-pending]");
    if (done) done.hidden = false;
    if (pending) pending.hidden = true;
  });
})();
