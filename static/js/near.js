/* 近い順 from the phone's location, on the class list (classes.filters).
 * Everything works without this file: 地域 + 並び順「近い順」 sorts from the 町名.
 * With it, a button asks the browser for the location (the person decides), rounds it to
 * 3 decimals (about 100 m) here, and sends only those two numbers to our own server as the
 * list form's GET parameters lat and lon. Nothing is sent to any other host. */
(function () {
  "use strict";

  var form = document.querySelector(".class-filter form, form.class-filter");
  var sort = form && form.querySelector("select[name='sort']");
  if (!form || !sort || !("geolocation" in navigator)) return;

  var en = (document.documentElement.lang || "").indexOf("en") === 0;
  var text = en
    ? {
        using: "Sorted by distance from where you are.",
        stop: "Stop using my location",
        stopped: "Your location is no longer used. Choose an area to search.",
        note: "Your location is rounded to about 100 m on this screen and sent only to this site, only to sort the list.",
        use: "Sort by distance from where I am",
        finding: "Finding your location…",
        failed: "Your location could not be used. Choose an area and sort by 近い順 (nearest first).",
      }
    : {
        using: "現在地から近い順に並べています。",
        stop: "現在地を使わない",
        stopped: "現在地を使わないようにしました。地域を選んでさがしてください。",
        note: "位置情報は、この画面で約100メートル単位に丸めてから、並べかえのためだけにこのサイトへ送ります。",
        use: "現在地から近い順に並べる",
        finding: "現在地を調べています…",
        failed: "現在地を使えませんでした。地域を選び、並び順を「近い順」にしてさがしてください。",
      };
  var params = new URLSearchParams(window.location.search);
  var field = sort.closest(".field") || sort;
  var box = document.createElement("div");
  box.className = "near-me";
  var status = document.createElement("p");
  status.className = "near-me__status";
  status.setAttribute("role", "status");

  function hidden(name, value) {
    var input = form.querySelector("input[type='hidden'][name='" + name + "']");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button button--secondary";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  if (params.get("lat") && params.get("lon") && params.get("sort") === "near") {
    // Keep the location for the next search until the person stops using it.
    hidden("lat", params.get("lat"));
    hidden("lon", params.get("lon"));
    status.textContent = text.using;
    box.appendChild(status);
    box.appendChild(
      button(text.stop, function () {
        form.querySelectorAll("input[name='lat'], input[name='lon']").forEach(function (i) {
          i.remove();
        });
        status.textContent = text.stopped;
      })
    );
  } else {
    var note = document.createElement("p");
    note.className = "helptext";
    note.textContent = text.note;
    box.appendChild(
      button(text.use, function () {
        status.textContent = text.finding;
        navigator.geolocation.getCurrentPosition(
          function (position) {
            hidden("lat", position.coords.latitude.toFixed(3));
            hidden("lon", position.coords.longitude.toFixed(3));
            sort.value = "near";
            var page = form.querySelector("input[name='page']");
            if (page) page.remove();
            form.submit();
          },
          function () {
            status.textContent = text.failed;
          },
          { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
        );
      })
    );
    box.appendChild(note);
    box.appendChild(status);
  }
  field.insertAdjacentElement("afterend", box);
})();
