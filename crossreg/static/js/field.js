/* The officer's checklist on a phone: drafts of the marks survive a lost signal.

   Each check point's form (<form data-draft="TASK:POINT">, posted by htmx) is copied to
   localStorage as the officer types. A save that cannot reach the server (no signal, or no
   answer within the form's timeout) is kept as "pending" and sent again as soon as the browser
   is back online, on the next page load, and every 15 seconds meanwhile; a save the server has
   answered removes the draft. Loaded as a file (the Content-Security-Policy allows no inline
   script); nothing here talks to any host but the server. */
(function () {
  "use strict";
  var KEY = "crossreg:inspection-drafts";
  var T = {
    pending: "未联网，已暂存本机，恢复网络后自动提交",
    draft: "本机草稿，尚未保存",
    sent: "已补发提交"
  };
  if (document.documentElement.lang && document.documentElement.lang.indexOf("zh") !== 0) {
    T = {
      pending: "Offline: kept on this device, sent when the connection is back",
      draft: "Draft on this device, not yet saved",
      sent: "Sent after reconnecting"
    };
  }

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  function store(d) {
    try { window.localStorage.setItem(KEY, JSON.stringify(d)); } catch (e) { /* storage full or off */ }
  }
  function values(form) {
    var r = form.querySelector("input[name=result]:checked");
    var n = form.querySelector("input[name=note]");
    var p = form.querySelector("input[name=point]");
    return {
      url: form.getAttribute("action"),
      point: p ? p.value : "",
      result: r ? r.value : "",
      note: n ? n.value : "",
      pending: false,
      at: Date.now()
    };
  }
  function note(form, text) {
    var el = form && form.querySelector("[data-draft-note]");
    if (!el) { return; }
    el.textContent = text || "";
    el.hidden = !text;
  }
  function banner() {
    var el = document.querySelector("[data-offline-banner]");
    if (!el) { return; }
    var d = load(), pending = false;
    Object.keys(d).forEach(function (k) { if (d[k].pending) { pending = true; } });
    el.hidden = navigator.onLine && !pending;
  }
  function save(form, pending) {
    if (!form || !form.dataset.draft) { return; }
    var d = load(), k = form.dataset.draft, v = values(form);
    v.pending = !!pending || !!(d[k] && d[k].pending);
    d[k] = v;
    store(d);
    note(form, v.pending ? T.pending : T.draft);
    banner();
  }
  function drop(k) {
    var d = load();
    delete d[k];
    store(d);
    banner();
  }
  function formOf(el) { return el && el.closest ? el.closest("form[data-draft]") : null; }

  function restore(root) {
    var d = load();
    root.querySelectorAll("form[data-draft]").forEach(function (form) {
      var v = d[form.dataset.draft];
      if (!v) { return; }
      var saved = values(form);
      if (!v.pending && saved.result === v.result && saved.note === v.note) {
        drop(form.dataset.draft);  // the server already has it
        return;
      }
      form.querySelectorAll("input[name=result]").forEach(function (r) { r.checked = r.value === v.result; });
      var n = form.querySelector("input[name=note]");
      if (n) { n.value = v.note; }
      note(form, v.pending ? T.pending : T.draft);
    });
  }

  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }

  // Replace the elements of the server's answer by id (the point, and the progress counter).
  function swapIn(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    Array.prototype.slice.call(tpl.content.children).forEach(function (el) {
      if (!el.id) { return; }
      var old = document.getElementById(el.id);
      if (!old) { return; }
      el.removeAttribute("hx-swap-oob");
      old.replaceWith(el);
      if (window.htmx) { window.htmx.process(el); }
      apply(el);
    });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine || !window.fetch) { return; }
    var d = load();
    var keys = Object.keys(d).filter(function (k) { return d[k].pending; });
    if (!keys.length) { banner(); return; }
    flushing = true;
    var token = csrf();
    var chain = Promise.resolve();
    keys.forEach(function (k) {
      var v = d[k];
      chain = chain.then(function () {
        var body = new URLSearchParams();
        body.set("csrfmiddlewaretoken", token);
        body.set("action", "mark");
        body.set("point", v.point);
        body.set("result", v.result);
        body.set("note", v.note);
        return fetch(v.url, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "HX-Request": "true", "X-CSRFToken": token }
        }).then(function (resp) {
          if (!resp.ok) { throw new Error(String(resp.status)); }
          return resp.text();
        }).then(function (html) {
          drop(k);
          swapIn(html);
          var li = document.getElementById("p" + v.point);
          note(li && li.querySelector("form"), html.indexOf("field-error") >= 0 ? "" : T.sent);
        });
      });
    });
    chain.catch(function () { /* still offline: try again later */ }).then(function () {
      flushing = false;
      banner();
    });
  }

  function apply(root) {
    root.querySelectorAll("[data-print]").forEach(function (btn) {
      if (btn.dataset.bound) { return; }
      btn.dataset.bound = "1";
      btn.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("input", function (e) { save(formOf(e.target), false); });
  document.addEventListener("change", function (e) { save(formOf(e.target), false); });
  function failed(e) { save(formOf(e.target) || e.target, true); }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
  // The server's answer to a mark has been swapped in (htmx:load fires on the new content; the
  // page's own first load is on <body> and is left alone): unless it shows an error, the mark is
  // saved and its draft is dropped.
  document.addEventListener("htmx:load", function (e) {
    var root = e.target;
    if (!root || root === document.body || !root.querySelectorAll) { return; }
    var forms = root.matches && root.matches("form[data-draft]") ? [root] : root.querySelectorAll("form[data-draft]");
    Array.prototype.forEach.call(forms, function (form) {
      if (!root.querySelector(".field-error")) { drop(form.dataset.draft); }
    });
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", banner);
  document.addEventListener("DOMContentLoaded", function () {
    apply(document);
    restore(document);
    banner();
    flush();
    window.setInterval(flush, 15000);
  });
  // Exposed for the browser tests and for pages that want to trigger a resend.
  window.crossregDrafts = { flush: flush, load: load };
})();
