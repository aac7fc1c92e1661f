/* The composer: channel tabs and per-channel variants, media picker, hashtag groups and snippets
 * inserted at the cursor, live check (debounced), autosave (debounced) with a copy of the form in
 * localStorage so nothing typed is lost on a reload, a session timeout or a version conflict.
 *
 * Server contract (content/views/composer.py): POST form data to data-autosave-url -> JSON
 * {ok, post_id, version, saved_at, url, autosave_url, check_url} or 400 {errors} / 401 logged out
 * / 403 / 409 {reason: "conflict" | "scheduled"}; POST to data-check-url -> HTML with
 * #composer-counters and #composer-check.
 */
(() => {
  "use strict";

  // Confirmations (delete) on every post page.
  document.addEventListener("submit", (event) => {
    const f = event.target;
    if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
      event.preventDefault();
    }
  });

  const form = document.getElementById("composer");
  if (!form) return;

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const statusLine = $("#autosave-status");
  const errorBox = $("#autosave-errors");
  const versionInput = form.querySelector("[name=version]");
  const autosaveOn = form.dataset.autosave === "on";
  const SAVE_DELAY = 1500;
  const CHECK_DELAY = 500;
  const RETRY_DELAY = 10000;

  let autosaveUrl = form.dataset.autosaveUrl;
  let checkUrl = form.dataset.checkUrl;
  let storageKey = form.dataset.storageKey;
  let saving = null; // the running autosave promise
  let saveTimer = null;
  let checkTimer = null;
  let retryTimer = null;
  let blocked = false; // a version conflict stops autosave until a reload
  let changedSinceSave = false;
  let checkSeq = 0;

  // Status line -------------------------------------------------------------------------------

  function say(message, tone) {
    if (!statusLine) return;
    statusLine.textContent = message;
    statusLine.className = "autosave-status " + (tone || "muted");
  }

  function showErrors(lines) {
    if (!errorBox) return;
    errorBox.replaceChildren(...lines.map((line) => {
      const p = document.createElement("p");
      p.textContent = line;
      return p;
    }));
    errorBox.hidden = lines.length === 0;
  }

  // Form state ----------------------------------------------------------------------------------

  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    const input = form.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function formData() {
    const data = new FormData(form);
    data.delete("intent");
    data.delete("overwrite_version");
    // The cookie is fresher than the page's token (a login in another tab rotates it).
    data.delete("csrfmiddlewaretoken");
    return data;
  }

  function snapshot() {
    // A channel's media list counts only with "Own media" ticked (the server ignores it
    // otherwise, and renders it filled with the media of all channels): leave it out, or a
    // page rendered after a save never matches the copy kept in this browser.
    const ignored = new Set($$("[data-own-media]", form)
      .filter((box) => !box.checked)
      .map((box) => box.name.replace(/-custom$/, "")));
    const fields = [];
    for (const [name, value] of formData().entries()) {
      if (name !== "version" && !ignored.has(name)) fields.push([name, String(value)]);
    }
    const thumbs = {};
    $$(".media-item", form).forEach((li) => {
      const img = $("[data-media-thumb]", li);
      if (img) thumbs[li.dataset.asset] = img.getAttribute("src");
    });
    return { fields, thumbs };
  }

  const same = (a, b) => JSON.stringify(a.fields) === JSON.stringify(b.fields);

  function store(unsaved) {
    try {
      const snap = snapshot();
      snap.unsaved = unsaved;
      snap.at = Date.now();
      localStorage.setItem(storageKey, JSON.stringify(snap));
    } catch (e) {
      /* storage full or disabled: the server copy is all we have */
    }
  }

  function stored() {
    try {
      return JSON.parse(localStorage.getItem(storageKey) || "null");
    } catch (e) {
      return null;
    }
  }

  function restore(snap) {
    const values = {};
    for (const [name, value] of snap.fields) (values[name] = values[name] || []).push(value);
    $$("input[name=channels]", form).forEach((box) => {
      box.checked = (values.channels || []).includes(box.value);
    });
    $$("input[type=checkbox]:not([name=channels])", form).forEach((box) => {
      box.checked = (values[box.name] || []).length > 0;
    });
    $$("textarea[name], input[name]:not([type=checkbox]):not([type=hidden]), select[name]", form)
      .forEach((el) => {
        if (values[el.name] && values[el.name].length) el.value = values[el.name][0];
        else if (el.tagName !== "SELECT") el.value = "";
      });
    $$("[data-custom-flag]", form).forEach((flag) => {
      flag.value = (values[flag.name] || ["0"])[0];
    });
    $$("[data-media-box]", form).forEach((box) => {
      const list = $("[data-media-list]", box);
      list.replaceChildren();
      for (const value of values[box.dataset.inputName] || []) {
        const [id, fit] = value.split(":");
        addMedia(box, id, snap.thumbs[id] || "", fit);
      }
    });
    $$("[data-variant-field]", form).forEach(paintVariantField);
    $$("[data-own-media]", form).forEach(paintOwnMedia);
    syncTabs();
  }

  // Tabs and channels ---------------------------------------------------------------------------

  function selectedChannels() {
    return $$("input[name=channels]", form).filter((b) => b.checked).map((b) => b.value);
  }

  function showTab(tab) {
    $$("[role=tab]", form).forEach((t) => {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      const panel = document.getElementById(t.getAttribute("aria-controls"));
      if (panel) panel.hidden = !on;
    });
  }

  function syncTabs() {
    const chosen = selectedChannels();
    let activeHidden = false;
    $$("[data-channel-tab]", form).forEach((tab) => {
      const visible = chosen.includes(tab.dataset.channelTab);
      tab.hidden = !visible;
      if (!visible && tab.getAttribute("aria-selected") === "true") activeHidden = true;
      const panel = document.getElementById(tab.getAttribute("aria-controls"));
      // A channel left out of the post sends none of its variant fields.
      if (panel) $$("input, textarea, select", panel).forEach((el) => { el.disabled = !visible; });
      tab.querySelector(".custom-mark").hidden = !(panel && panelCustomised(panel));
    });
    if (activeHidden) showTab($("#tab-master"));
  }

  function panelCustomised(panel) {
    const own = $("[data-own-media]", panel);
    return $$("[data-custom-flag]", panel).some((f) => f.value === "1") || (own && own.checked);
  }

  form.addEventListener("click", (event) => {
    const tab = event.target.closest("[role=tab]");
    if (tab && form.contains(tab)) showTab(tab);
  });

  // Variants ------------------------------------------------------------------------------------

  function masterValue(name) {
    const el = form.querySelector(`[data-master="${name}"]`);
    return el ? el.value : "";
  }

  function paintVariantField(box) {
    const custom = $("[data-custom-flag]", box).value === "1";
    box.classList.toggle("is-custom", custom);
    $("[data-reset]", box).hidden = !custom;
    $(".follows", box).hidden = custom;
    if (!custom) $("[data-variant-input]", box).value = masterValue(box.dataset.variantField);
  }

  form.addEventListener("input", (event) => {
    const input = event.target.closest("[data-variant-input]");
    if (input) {
      const box = input.closest("[data-variant-field]");
      $("[data-custom-flag]", box).value = "1";
      paintVariantField(box);
      syncTabs();
    }
    const master = event.target.closest("[data-master]");
    if (master) {
      $$(`[data-variant-field="${master.dataset.master}"]`, form).forEach(paintVariantField);
    }
  });

  form.addEventListener("click", (event) => {
    const reset = event.target.closest("[data-reset]");
    if (!reset) return;
    const box = reset.closest("[data-variant-field]");
    $("[data-custom-flag]", box).value = "0";
    paintVariantField(box);
    syncTabs();
    changed();
  });

  // Media ---------------------------------------------------------------------------------------

  const dialog = $("#media-library");
  const itemTemplate = $("#media-item-template");
  let pickingFor = null;

  function addMedia(box, id, url, fit) {
    const list = $("[data-media-list]", box);
    if ($(`[data-asset="${id}"]`, list)) return;
    const li = itemTemplate.content.firstElementChild.cloneNode(true);
    li.dataset.asset = id;
    const img = $("[data-media-thumb]", li);
    img.src = url;
    const value = $("[data-media-value]", li);
    value.name = box.dataset.inputName;
    value.value = `${id}:${fit || "crop"}`;
    const select = $("[data-media-fit]", li);
    select.value = fit || "crop";
    select.id = `fit-${box.dataset.inputName}-${id}`;
    const label = $("label", li);
    if (label) label.htmlFor = select.id;
    list.appendChild(li);
  }

  function paintOwnMedia(checkbox) {
    const box = checkbox.closest("[data-variant-media]").querySelector("[data-media-box]");
    box.classList.toggle("inherits", !checkbox.checked);
    $(".inherits-note", box).hidden = checkbox.checked;
    $("[data-open-library]", box).hidden = !checkbox.checked;
    $("[data-media-list]", box).hidden = !checkbox.checked;
  }

  form.addEventListener("change", (event) => {
    const own = event.target.closest("[data-own-media]");
    if (own) {
      const box = own.closest("[data-variant-media]").querySelector("[data-media-box]");
      const list = $("[data-media-list]", box);
      if (own.checked && !list.children.length) {
        // Start from the media of all channels.
        $$("#panel-master .media-item", form).forEach((li) => {
          addMedia(box, li.dataset.asset, $("[data-media-thumb]", li).getAttribute("src"),
            $("[data-media-fit]", li).value);
        });
      }
      paintOwnMedia(own);
      syncTabs();
    }
    const fit = event.target.closest("[data-media-fit]");
    if (fit) {
      const li = fit.closest(".media-item");
      $("[data-media-value]", li).value = `${li.dataset.asset}:${fit.value}`;
    }
    if (event.target.name === "channels") syncTabs();
  });

  form.addEventListener("click", (event) => {
    const open = event.target.closest("[data-open-library]");
    if (open && dialog) {
      pickingFor = open.closest("[data-media-box]");
      dialog.showModal();
      return;
    }
    const li = event.target.closest(".media-item");
    if (!li) return;
    if (event.target.closest("[data-media-remove]")) {
      li.remove();
      changed();
    } else if (event.target.closest("[data-media-move]")) {
      const step = Number(event.target.closest("[data-media-move]").dataset.mediaMove);
      const sibling = step < 0 ? li.previousElementSibling : li.nextElementSibling;
      if (sibling) {
        if (step < 0) sibling.before(li); else sibling.after(li);
        changed();
      }
    }
  });

  if (dialog) {
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog || event.target.closest("[data-close-dialog]")) {
        dialog.close();
        return;
      }
      const pick = event.target.closest(".media-pick");
      if (pick && pickingFor) {
        addMedia(pickingFor, pick.dataset.assetId, pick.dataset.url, "crop");
        dialog.close();
        changed();
      }
    });
  }

  // Hashtag groups and snippets, inserted at the cursor -------------------------------------

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-insert]");
    if (!button) return;
    const box = button.closest("[data-insert-target]");
    const field = box.dataset.insertTarget
      ? document.getElementById(box.dataset.insertTarget)
      : box.closest("[data-variant-field]").querySelector("textarea");
    if (!field || field.disabled) return;
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? start;
    let text = button.dataset.insert;
    if (start > 0 && !/\s$/.test(field.value.slice(0, start))) text = " " + text;
    field.setRangeText(text, start, end, "end");
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
    const menu = button.closest("details");
    if (menu) menu.open = false;
  });

  // Live check ----------------------------------------------------------------------------------

  function paintBlocked() {
    const panel = $("#composer-check");
    const errors = panel ? Number(panel.dataset.errorCount || 0) : 0;
    $$("[data-needs-valid]", form).forEach((b) => { b.disabled = errors > 0; });
    const note = $("[data-blocked-note]", form);
    if (note) note.hidden = errors === 0;
  }

  async function runCheck() {
    const seq = ++checkSeq;
    let response;
    try {
      response = await fetch(checkUrl, {
        method: "POST",
        body: formData(),
        headers: { "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      });
    } catch (e) {
      return; // offline: the autosave status says so
    }
    if (seq !== checkSeq || !response.ok) return;
    if (!(response.headers.get("Content-Type") || "").startsWith("text/html")) return;
    const html = await response.text();
    const template = document.createElement("template");
    template.innerHTML = html;
    for (const id of ["composer-counters", "composer-check"]) {
      const fresh = template.content.getElementById(id);
      const current = document.getElementById(id);
      if (fresh && current) current.replaceWith(fresh);
    }
    paintBlocked();
  }

  // Autosave ------------------------------------------------------------------------------------

  function moveStorage(newKey) {
    if (newKey === storageKey) return;
    try {
      const value = localStorage.getItem(storageKey);
      localStorage.removeItem(storageKey);
      if (value) localStorage.setItem(newKey, value);
    } catch (e) { /* ignore */ }
    storageKey = newKey;
  }

  async function autosave() {
    if (!autosaveOn || blocked) return;
    if (saving) {
      await saving.catch(() => {});
      if (!changedSinceSave) return;
    }
    clearTimeout(retryTimer);
    const sent = snapshot();
    changedSinceSave = false;
    say(form.dataset.msgSaving, "muted");
    form.dataset.state = "saving";
    saving = (async () => {
      let response;
      try {
        response = await fetch(autosaveUrl, {
          method: "POST",
          body: formData(),
          headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
          credentials: "same-origin",
          redirect: "manual",
        });
      } catch (e) {
        say(form.dataset.msgOffline, "bad");
        retryLater();
        return;
      }
      const json = (response.headers.get("Content-Type") || "").includes("application/json")
        ? await response.json().catch(() => null)
        : null;
      if (response.ok && json && json.ok) {
        if (versionInput) versionInput.value = json.version;
        if (!form.dataset.postId) {
          // The draft exists now: this page is its page.
          form.dataset.postId = json.post_id;
          form.action = json.url;
          autosaveUrl = json.autosave_url;
          checkUrl = json.check_url;
          window.history.replaceState(null, "", json.url);
          moveStorage(storageKey.replace(/:new$/, ":" + json.post_id));
        }
        say(form.dataset.msgSaved.replace("%(time)s", json.saved_at), "good");
        showErrors([]);
        if (same(sent, snapshot())) {
          store(false);
          if (!changedSinceSave) form.dataset.state = "saved";
        }
        return;
      }
      changedSinceSave = true;
      form.dataset.state = "failed";
      if (response.status === 401 || response.type === "opaqueredirect" || !json) {
        say(form.dataset.msgLoggedOut, "bad");
        retryLater();
      } else if (response.status === 409 && json.reason === "conflict") {
        blocked = true;
        say(json.message || form.dataset.msgConflict, "bad");
      } else if (response.status === 409) {
        say(form.dataset.msgScheduled, "muted");
      } else if (json.errors) {
        say(form.dataset.msgInvalid + " " + json.errors.join(" "), "bad");
        showErrors(json.errors);
      } else {
        say(json.message || form.dataset.msgInvalid, "bad");
      }
    })();
    try {
      await saving;
    } finally {
      saving = null;
    }
  }

  function retryLater() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => { if (changedSinceSave) autosave(); }, RETRY_DELAY);
  }

  function changed() {
    changedSinceSave = true;
    form.dataset.state = "dirty";
    store(true);
    clearTimeout(checkTimer);
    checkTimer = setTimeout(runCheck, CHECK_DELAY);
    if (autosaveOn && !blocked) {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(autosave, SAVE_DELAY);
    } else if (!autosaveOn) {
      say(form.dataset.msgScheduled, "muted");
    }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  form.addEventListener("submit", (event) => {
    // Let a running autosave finish first, so the version sent is the newest.
    if (saving) {
      event.preventDefault();
      const submitter = event.submitter;
      saving.finally(() => form.requestSubmit(submitter));
      return;
    }
    clearTimeout(saveTimer);
    clearTimeout(retryTimer);
    // The server renders the result; the local copy stays until it matches a saved page.
  });

  // On load: offer a newer local copy -----------------------------------------------------

  const banner = $("#restore-banner");
  const local = stored();
  const current = snapshot();
  if (local && local.unsaved && !same(local, current) && banner) {
    const when = $("[data-restore-when]", banner);
    if (when && local.at) {
      // The workspace's clock, like "Saved 10:41" next to it.
      const options = { dateStyle: "medium", timeStyle: "short" };
      try {
        options.timeZone = form.dataset.timezone || undefined;
        when.textContent = new Date(local.at).toLocaleString(document.documentElement.lang || undefined, options);
      } catch (error) {
        when.textContent = new Date(local.at).toLocaleString();
      }
    }
    banner.hidden = false;
    banner.addEventListener("click", (event) => {
      const choice = event.target.closest("[data-restore]");
      if (!choice) return;
      banner.hidden = true;
      if (choice.dataset.restore === "yes") {
        restore(local);
        say(form.dataset.msgRestored, "muted");
        changed();
      } else {
        store(false);
      }
    });
  } else if (local && (!local.unsaved || same(local, current))) {
    try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
  }

  $$("[data-own-media]", form).forEach(paintOwnMedia);
  syncTabs();
  paintBlocked();
})();
