/* The content calendar: drag a post chip to another day (or, in the week view, another hour),
   or use its "Move to…" form. Both POST to the chip's data-move-url and put the chip back, with
   the reason, when the server refuses. Without JavaScript the "Move to…" form still works. */
(function () {
  "use strict";

  function init() {
    var root = document.getElementById("calendar");
    if (!root) return;
    var status = document.getElementById("cal-status");
    var dragging = null; // {postId, chips, url, time}

    function say(message, kind) {
      if (!status) return;
      status.textContent = message;
      status.classList.toggle("error", kind === "error");
      status.classList.toggle("ok", kind === "ok");
      status.setAttribute("role", kind === "error" ? "alert" : "status");
    }

    function chipsOf(postId) {
      return Array.prototype.slice.call(
        root.querySelectorAll('.cal-chip[data-post-id="' + postId + '"]')
      );
    }

    function listIn(cell) {
      return cell.querySelector(".cal-chips");
    }

    function insertSorted(list, chip) {
      var time = chip.dataset.time || "";
      var siblings = list.querySelectorAll(".cal-chip");
      for (var i = 0; i < siblings.length; i++) {
        if (siblings[i] !== chip && (siblings[i].dataset.time || "") > time) {
          list.insertBefore(chip, siblings[i]);
          return;
        }
      }
      list.appendChild(chip);
    }

    function cellFor(date, time) {
      var hour = time ? String(parseInt(time.split(":")[0], 10)) : null;
      var selector = '.cal-drop[data-date="' + date + '"]';
      if (root.querySelector(".cal-slot")) {
        if (hour === null) return null;
        selector += '[data-hour="' + hour + '"]';
      }
      return root.querySelector(selector);
    }

    function remember(chips) {
      return chips.map(function (chip) {
        return { chip: chip, parent: chip.parentNode, next: chip.nextSibling };
      });
    }

    function putBack(places) {
      places.forEach(function (p) {
        p.chip.classList.remove("saving", "dragging");
        if (p.next && p.next.parentNode === p.parent) p.parent.insertBefore(p.chip, p.next);
        else p.parent.appendChild(p.chip);
      });
    }

    function applyMoved(chips, data) {
      chips.forEach(function (chip) {
        chip.classList.remove("saving", "dragging");
        chip.dataset.date = data.date;
        chip.dataset.time = data.time;
        var t = chip.querySelector(".cal-chip-link time");
        if (t) {
          t.textContent = data.time;
          t.setAttribute("datetime", data.at);
        }
        var dateInput = chip.querySelector('.cal-move-form input[name="date"]');
        var timeInput = chip.querySelector('.cal-move-form input[name="time"]');
        if (dateInput) dateInput.value = data.date;
        if (timeInput) timeInput.value = data.time;
        var cell = cellFor(data.date, data.time);
        if (cell) insertSorted(listIn(cell), chip);
        else chip.remove(); // moved outside the days shown
      });
    }

    function send(url, date, time) {
      var body = new FormData();
      body.append("date", date);
      if (time) body.append("time", time);
      return fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": root.dataset.csrf, Accept: "application/json" },
      }).then(
        function (response) {
          return response
            .json()
            .catch(function () {
              return { ok: false, error: root.dataset.msgFailed };
            })
            .then(function (data) {
              if (!response.ok && data.ok !== false) data = { ok: false, error: root.dataset.msgFailed };
              return data;
            });
        },
        function () {
          return { ok: false, error: root.dataset.msgOffline };
        }
      );
    }

    function move(postId, url, date, time, places) {
      var chips = places.map(function (p) { return p.chip; });
      chips.forEach(function (chip) { chip.classList.add("saving"); });
      say(root.dataset.msgMoving, "");
      root.dataset.busy = "1";
      return send(url, date, time).then(function (data) {
        delete root.dataset.busy;
        if (data.ok) {
          applyMoved(chipsOf(postId), data);
          say(data.message, "ok");
        } else {
          putBack(places);
          say(data.error || root.dataset.msgFailed, "error");
        }
        return data;
      });
    }

    // Drag and drop --------------------------------------------------------------------------
    root.addEventListener("dragstart", function (event) {
      var chip = event.target.closest && event.target.closest(".cal-chip.movable");
      if (!chip) return;
      if (root.dataset.busy) {
        event.preventDefault(); // one move at a time
        return;
      }
      var postId = chip.dataset.postId;
      dragging = { postId: postId, url: chip.dataset.moveUrl, time: chip.dataset.time, date: chip.dataset.date };
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", postId);
      chipsOf(postId).forEach(function (c) { c.classList.add("dragging"); });
    });

    root.addEventListener("dragend", function () {
      if (dragging) chipsOf(dragging.postId).forEach(function (c) { c.classList.remove("dragging"); });
      root.querySelectorAll(".drop-over").forEach(function (c) { c.classList.remove("drop-over"); });
      dragging = null;
    });

    root.addEventListener("dragover", function (event) {
      if (!dragging) return;
      var cell = event.target.closest && event.target.closest(".cal-drop");
      if (!cell) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      if (!cell.classList.contains("drop-over")) {
        root.querySelectorAll(".drop-over").forEach(function (c) { c.classList.remove("drop-over"); });
        cell.classList.add("drop-over");
      }
    });

    root.addEventListener("dragleave", function (event) {
      var cell = event.target.closest && event.target.closest(".cal-drop");
      if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("drop-over");
    });

    root.addEventListener("drop", function (event) {
      if (!dragging) return;
      var cell = event.target.closest && event.target.closest(".cal-drop");
      if (!cell) return;
      event.preventDefault();
      cell.classList.remove("drop-over");
      var drag = dragging;
      dragging = null;
      var date = cell.dataset.date;
      var time = null;
      if (cell.dataset.hour !== undefined) {
        var minutes = (drag.time || "00:00").split(":")[1];
        time = ("0" + cell.dataset.hour).slice(-2) + ":" + minutes;
      }
      if (date === drag.date && (time === null || time === drag.time)) {
        chipsOf(drag.postId).forEach(function (c) { c.classList.remove("dragging"); });
        return;
      }
      var places = remember(chipsOf(drag.postId));
      // Show the chips where they were dropped while the server decides.
      places.forEach(function (p) { listIn(cell).appendChild(p.chip); });
      move(drag.postId, drag.url, date, time, places);
    });

    // "Move to…" -------------------------------------------------------------------------------
    root.addEventListener("submit", function (event) {
      var form = event.target.closest(".cal-move-form");
      if (!form) return;
      event.preventDefault();
      var chip = form.closest(".cal-chip");
      var date = form.elements.date.value;
      var time = form.elements.time ? form.elements.time.value : "";
      if (!date) {
        form.elements.date.focus();
        return;
      }
      var places = remember(chipsOf(chip.dataset.postId));
      move(chip.dataset.postId, form.action, date, time, places).then(function (data) {
        if (data.ok) {
          var details = form.closest("details");
          if (details) details.open = false;
          var link = chip.isConnected && chip.querySelector(".cal-chip-link");
          if (link) link.focus();
        }
      });
    });

    // An open "Move to…" form must not start a drag when its inputs are used.
    root.addEventListener(
      "toggle",
      function (event) {
        var details = event.target;
        if (!details.classList || !details.classList.contains("cal-move")) return;
        var chip = details.closest(".cal-chip.movable");
        if (chip) chip.setAttribute("draggable", details.open ? "false" : "true");
      },
      true
    );

    // Links inside a chip would start a link drag of their own.
    root.querySelectorAll(".cal-chip.movable .cal-chip-link").forEach(function (a) {
      a.setAttribute("draggable", "false");
    });

    // The week view opens at the first post of the week, or at 08:00.
    var scroller = root.querySelector(".cal-week-scroll");
    if (scroller) {
      var first = root.querySelector(".cal-slot .cal-chip");
      var row = first ? first.closest("tr") : root.querySelector('tr[data-hour="8"]');
      var head = root.querySelector(".cal-week-grid thead");
      if (row) scroller.scrollTop = row.offsetTop - (head ? head.offsetHeight : 0) - 4;
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
