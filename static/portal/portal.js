// Behaviour shared by every page. No inline scripts anywhere: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  function uuid4() {
    // Works outside secure contexts too, unlike crypto.randomUUID.
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function megabytes(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  // --- Uploads with a progress bar per file and a retry when one fails -------------------------
  function enhanceUploadForm(form) {
    var input = form.querySelector("input[type=file]");
    if (!input || !window.FormData || !window.XMLHttpRequest) { return; }
    var multiple = form.querySelector("select[name=kind]") !== null;
    if (multiple) { input.multiple = true; }
    var list = form.querySelector("[data-file-list]");
    var status = form.querySelector("[data-upload-status]");
    var rows = [];

    function limitFor() {
      var kindSelect = form.querySelector("select[name=kind]");
      if (kindSelect) { return Number(form.getAttribute("data-limit-" + kindSelect.value)) || 0; }
      var attribute = Array.prototype.find.call(form.attributes, function (a) { return a.name.indexOf("data-limit-") === 0; });
      return attribute ? Number(attribute.value) : 0;
    }

    function buildRows() {
      list.textContent = "";
      rows = Array.prototype.map.call(input.files, function (file, index) {
        var row = element("div", { "class": "border rounded p-2 mb-2", "data-file-row": "" });
        row.appendChild(element("p", { "class": "mb-1 fw-semibold" }, file.name + " (" + megabytes(file.size) + ")"));
        var title = null;
        var alt = null;
        if (input.files.length > 1) {
          var titleId = "file-title-" + index;
          row.appendChild(element("label", { "for": titleId, "class": "form-label" }, "Title for " + file.name));
          title = element("input", { id: titleId, "class": "form-control mb-2", type: "text", maxlength: "200" });
          title.value = file.name.replace(/\.[^.]+$/, "").replace(/[-_]+/g, " ");
          row.appendChild(title);
          if (/^image\//.test(file.type)) {
            var altId = "file-alt-" + index;
            row.appendChild(element("label", { "for": altId, "class": "form-label" }, "Alt text for " + file.name));
            alt = element("input", { id: altId, "class": "form-control mb-2", type: "text", maxlength: "300" });
            row.appendChild(alt);
          }
        }
        var progress = element("progress", { max: "100", value: "0", "class": "w-100", "aria-label": "Upload of " + file.name });
        row.appendChild(progress);
        var message = element("p", { "class": "mb-1 small", role: "status" });
        row.appendChild(message);
        list.appendChild(row);
        return { file: file, row: row, title: title, alt: alt, progress: progress, message: message, key: uuid4(), done: false };
      });
      list.hidden = rows.length === 0;
      form.querySelectorAll("[data-single-file-only]").forEach(function (part) {
        part.hidden = rows.length > 1;
      });
    }

    function showErrors(row, errors) {
      var parts = [];
      Object.keys(errors).forEach(function (field) { parts = parts.concat(errors[field]); });
      row.message.textContent = "Not uploaded: " + parts.join(" ");
      row.message.className = "mb-1 small text-danger";
    }

    function offerRetry(row, why) {
      row.message.textContent = why + " ";
      row.message.className = "mb-1 small text-danger";
      var retry = element("button", { type: "button", "class": "btn btn-sm btn-outline-primary" }, "Retry " + row.file.name);
      retry.addEventListener("click", function () { retry.remove(); send(row).then(finish); });
      row.message.appendChild(retry);
    }

    function send(row) {
      return new Promise(function (resolve) {
        var limit = limitFor();
        if (limit && row.file.size > limit) {
          row.message.textContent = "Not uploaded: " + row.file.name + " is " + megabytes(row.file.size) +
            "; the limit for this kind of material is " + megabytes(limit) + ".";
          row.message.className = "mb-1 small text-danger";
          resolve(false);
          return;
        }
        var data = new FormData(form);
        data.delete("file");
        data.append("file", row.file, row.file.name);
        // The same key on a retry, so that a lost answer never creates the material twice.
        data.set("submission_key", row.key);
        if (row.title) { data.set("title", row.title.value); }
        if (row.alt) { data.set("alt_text", row.alt.value); }
        var request = new XMLHttpRequest();
        request.open("POST", form.action || window.location.href);
        request.setRequestHeader("Accept", "application/json");
        request.upload.addEventListener("progress", function (event) {
          if (event.lengthComputable) {
            row.progress.value = Math.round((event.loaded / event.total) * 100);
            row.message.textContent = "Uploading: " + row.progress.value + "%";
          }
        });
        request.addEventListener("load", function () {
          var answer = null;
          try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = null; }
          if (request.status === 200 && answer && answer.ok) {
            row.done = true;
            row.progress.value = 100;
            row.message.textContent = "Uploaded. ";
            row.message.className = "mb-1 small text-success";
            row.message.appendChild(element("a", { href: answer.url }, "Open " + answer.title));
            row.url = answer.url;
            resolve(true);
          } else if (request.status === 400 && answer) {
            showErrors(row, answer.errors || {});
            resolve(false);
          } else {
            offerRetry(row, "The upload failed (the server answered " + request.status + ").");
            resolve(false);
          }
        });
        request.addEventListener("error", function () { offerRetry(row, "The upload failed: the connection was lost."); resolve(false); });
        request.addEventListener("abort", function () { offerRetry(row, "The upload was interrupted."); resolve(false); });
        request.send(data);
      });
    }

    function finish() {
      var done = rows.filter(function (row) { return row.done; });
      if (done.length === rows.length && rows.length === 1) {
        window.location.assign(done[0].url);
        return;
      }
      status.textContent = done.length ?
        done.length + " of " + rows.length + " uploaded and waiting for review." :
        "Nothing was uploaded.";
    }

    input.addEventListener("change", buildRows);
    form.addEventListener("submit", function (event) {
      if (!input.files.length) { return; }  // Text-only material goes through the ordinary form.
      event.preventDefault();
      status.textContent = "Uploading " + rows.length + " file" + (rows.length === 1 ? "" : "s") + "…";
      rows.filter(function (row) { return !row.done; }).reduce(function (chain, row) {
        return chain.then(function () { return send(row); });
      }, Promise.resolve()).then(finish);
    });
  }

  // --- A live length count while writing a suggested post, against each platform's limit ---------
  // The platforms' documented limits (their help centres, 2026): X 280 characters for a post from
  // an account without a subscription, each link counted as 23; a Facebook post 63,206; an
  // Instagram caption 2,200; a LinkedIn post 3,000.
  var POST_LIMITS = [
    { name: "X", limit: 280, linksCount: 23 },
    { name: "Facebook", limit: 63206 },
    { name: "Instagram", limit: 2200 },
    { name: "LinkedIn", limit: 3000 }
  ];
  var LINK = /\b(?:https?:\/\/|www\.)[^\s]+/gi;

  function postLength(text, platform) {
    // Characters as people count them: an emoji is one, not the two halves JavaScript sees.
    if (!platform.linksCount) { return Array.from(text).length; }
    var links = text.match(LINK) || [];
    return Array.from(text.replace(LINK, "")).length + links.length * platform.linksCount;
  }

  function enhancePostLength(form) {
    var textarea = form.querySelector("textarea[name=text]");
    if (!textarea) { return; }
    var kindSelect = form.querySelector("select[name=kind]");
    var box = element("div", { "class": "post-length small mb-3", id: textarea.id + "-length" });
    var heading = element("p", { "class": "mb-1" }, "Length of the post, against each platform's limit:");
    var list = element("ul", { "class": "list-inline mb-0" });
    // Announced only when the post goes over a limit or comes back within it, never per key.
    var announcer = element("p", { "class": "visually-hidden", role: "status", "aria-live": "polite" });
    box.appendChild(heading);
    box.appendChild(list);
    box.appendChild(announcer);
    var items = POST_LIMITS.map(function (platform) {
      var item = element("li", { "class": "list-inline-item me-3", "data-platform": platform.name });
      list.appendChild(item);
      return { platform: platform, item: item, over: false };
    });
    var wrapper = textarea.closest(".mb-3") || textarea.parentElement;
    wrapper.insertAdjacentElement("afterend", box);
    var described = textarea.getAttribute("aria-describedby");
    textarea.setAttribute("aria-describedby", (described ? described + " " : "") + box.id);

    function applies() {
      var kind = kindSelect ? kindSelect.value : form.getAttribute("data-kind");
      return kind === "suggested_post";
    }

    function update(announce) {
      box.hidden = !applies();
      var changes = [];
      items.forEach(function (entry) {
        var length = postLength(textarea.value, entry.platform);
        var limit = entry.platform.limit;
        var over = length > limit;
        entry.item.textContent = over ?
          entry.platform.name + ": " + (length - limit).toLocaleString("en-GB") + " over the limit of " + limit.toLocaleString("en-GB") :
          entry.platform.name + ": " + length.toLocaleString("en-GB") + " of " + limit.toLocaleString("en-GB");
        entry.item.className = "list-inline-item me-3" + (over ? " text-danger fw-semibold" : "");
        if (over !== entry.over) {
          changes.push(over ? "Too long for " + entry.platform.name + " (" + limit.toLocaleString("en-GB") + " characters)." :
            "Fits " + entry.platform.name + " again.");
        }
        entry.over = over;
      });
      if (announce && changes.length && !box.hidden) { announcer.textContent = changes.join(" "); }
    }

    textarea.addEventListener("input", function () { update(true); });
    if (kindSelect) { kindSelect.addEventListener("change", function () { update(false); }); }
    update(false);
  }

  // --- Activity: show only the fields that apply to the chosen type ---------------------------------
  function enhanceActivityForm(form) {
    var type = form.querySelector("select[name=activity_type]");
    if (!type) { return; }
    var fields = form.querySelectorAll("[data-show-for]");
    function update() {
      fields.forEach(function (field) {
        var applies = !type.value || field.getAttribute("data-show-for").split(" ").indexOf(type.value) !== -1;
        var wrapper = field.closest(".mb-3") || field.parentElement;
        wrapper.hidden = !applies;
        // A hidden field is not sent, so a figure typed for another type is not saved by mistake.
        field.disabled = !applies;
      });
    }
    type.addEventListener("change", update);
    update();
    watchRun(form);
  }

  // The "I confirm the date" box shows as soon as a date outside the campaign's run is chosen.
  function watchRun(form) {
    var box = form.querySelector("[data-outside-run-confirm]");
    var started = form.querySelector("input[name=started_on]");
    if (!box || !started) { return; }
    var ended = form.querySelector("input[name=ended_on]");
    var start = box.getAttribute("data-run-start");
    var end = box.getAttribute("data-run-end");
    function update() {
      var first = started.value;
      var last = (ended && ended.value) || first;
      // ISO dates compare as text.
      var outside = Boolean(first) && (first < start || Boolean(end && last > end));
      box.hidden = !(outside || box.hasAttribute("data-needed"));
    }
    started.addEventListener("input", update);
    if (ended) { ended.addEventListener("input", update); }
    update();
  }

  // --- Copying a suggested post with one click ------------------------------------------------------
  function enhanceCopyButton(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentElement.querySelector("[data-copy-status]");
    button.addEventListener("click", function () {
      var text = target.textContent;
      var done = function () { if (status) { status.textContent = "Copied to your clipboard."; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(target, status); });
      } else {
        selectText(target, status);
      }
    });
  }

  function selectText(target, status) {
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (status) { status.textContent = "The text is selected: press Ctrl+C (or ⌘+C) to copy it."; }
  }

  // --- A warning a minute before the idle limit, with a way to stay signed in (WCAG 2.2.1) -------
  function watchIdleTime() {
    var body = document.body;
    var idleSeconds = Number(body.getAttribute("data-idle-seconds"));
    var dialog = document.getElementById("idle-warning");
    if (!idleSeconds || !dialog) { return; }
    var countdown = dialog.querySelector("[data-idle-countdown]");
    var stay = dialog.querySelector("[data-idle-stay]");
    var token = document.querySelector('meta[name="csrf-token"]');
    var warnAfter = Math.max(idleSeconds - 60, 1) * 1000;
    var warnTimer = null;
    var tick = null;
    var returnFocus = null;

    function signedOut() {
      window.location.assign(body.getAttribute("data-sign-in-url") + "?next=" +
        encodeURIComponent(window.location.pathname + window.location.search));
    }

    function warn() {
      var left = Math.min(60, idleSeconds);
      countdown.textContent = String(left);
      returnFocus = document.activeElement;
      dialog.hidden = false;
      stay.focus();
      tick = window.setInterval(function () {
        left -= 1;
        // Updated on screen every second; screen readers heard the warning once already.
        countdown.textContent = String(Math.max(left, 0));
        if (left <= 0) { window.clearInterval(tick); signedOut(); }
      }, 1000);
    }

    function restart() {
      window.clearTimeout(warnTimer);
      window.clearInterval(tick);
      warnTimer = window.setTimeout(warn, warnAfter);
    }

    // The session is one for all of a person's tabs: a page loaded, or "Stay signed in" pressed,
    // in any tab keeps it alive, so every other tab starts its count again (and drops a warning
    // it was showing). Tabs tell each other through localStorage, whose "storage" event reaches
    // every other tab of the portal in the same browser.
    var ACTIVITY_KEY = "portal-session-activity";

    function tellOtherTabs() {
      try { window.localStorage.setItem(ACTIVITY_KEY, String(Date.now())); } catch (ignored) { /* storage off */ }
    }

    window.addEventListener("storage", function (event) {
      if (event.key !== ACTIVITY_KEY || !event.newValue) { return; }
      if (!dialog.hidden) {
        dialog.hidden = true;
        if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
      }
      restart();
    });

    stay.addEventListener("click", function () {
      var request = new XMLHttpRequest();
      request.open("POST", body.getAttribute("data-keep-alive-url"));
      request.setRequestHeader("X-CSRFToken", token ? token.getAttribute("content") : "");
      request.addEventListener("load", function () {
        if (request.status === 204) {
          dialog.hidden = true;
          if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
          restart();
          tellOtherTabs();
        } else {
          signedOut();
        }
      });
      request.addEventListener("error", signedOut);
      request.send();
    });
    dialog.addEventListener("keydown", function (event) {
      // The only control in the dialog keeps the focus while it is open.
      if (event.key === "Tab") { event.preventDefault(); stay.focus(); }
    });
    restart();
    tellOtherTabs();
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to an error summary so screen reader users hear what went wrong.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    document.querySelectorAll("form[data-upload-form]").forEach(enhanceUploadForm);
    document.querySelectorAll("form[data-upload-form]").forEach(enhancePostLength);
    document.querySelectorAll("[data-copy-target]").forEach(enhanceCopyButton);
    document.querySelectorAll("form[data-activity-form]").forEach(enhanceActivityForm);
    watchIdleTime();
  });
})();
