// The inspector's phone pages: the check form keeps its state (answers and photos, photos
// downscaled to JPEG data URLs) in localStorage under the form's data-key, so a poor network
// or a closed tab loses nothing; the client token is kept with it, so submitting again after
// a lost answer is recognised by the server and creates nothing twice.
(function () {
  "use strict";
  var store = window.localStorage;

  function load(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function save(key, value) {
    try { store.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function token() {
    var a = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return "t" + Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // The success page clears the saved draft.
  var done = document.getElementById("check-done");
  if (done && done.dataset.clearKey) store.removeItem(done.dataset.clearKey);

  // The task list marks sites with an unsent draft.
  Array.prototype.forEach.call(document.querySelectorAll("[data-draft-key]"), function (el) {
    if (store.getItem(el.dataset.draftKey)) el.hidden = false;
  });

  var form = document.getElementById("check-form");
  if (!form) return;
  var key = form.dataset.key;
  var state = load(key) || { token: token(), fields: {} };
  form.elements.client_token.value = state.token;
  var status = document.getElementById("net-status");

  function say(text) { if (status) { status.textContent = text; status.hidden = !text; } }

  function refresh() {
    Array.prototype.forEach.call(form.querySelectorAll("fieldset.std"), function (fs) {
      var id = fs.dataset.std;
      var checked = fs.querySelector("input[name=outcome_" + id + "]:checked");
      fs.classList.toggle("failing", !!checked && checked.value === "fail");
      var fixed = fs.querySelector("input[name=fixed_" + id + "]");
      fs.classList.toggle("fixing", !!fixed && fixed.checked);
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-thumbs]"), function (box) {
      var input = form.elements[box.dataset.thumbs];
      var urls = [];
      try { urls = JSON.parse(input.value || "[]"); } catch (e) { urls = []; }
      box.textContent = "";
      urls.forEach(function (url, i) {
        var img = document.createElement("img");
        img.src = url; img.alt = "照片" + (i + 1);
        box.appendChild(img);
      });
    });
  }

  function snapshot() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken" || el.name === "client_token") return;
      if (el.type === "radio") { if (el.checked) fields[el.name] = el.value; }
      else if (el.type === "checkbox") fields[el.name] = el.checked ? el.value : "";
      else fields[el.name] = el.value;
    });
    state.fields = fields;
    if (!save(key, state)) say("本机存储空间不足，照片可能无法离线保存。");
  }

  function restore() {
    var fields = state.fields || {};
    Object.keys(fields).forEach(function (name) {
      var els = form.querySelectorAll("[name='" + name + "']");
      Array.prototype.forEach.call(els, function (el) {
        if (el.type === "radio") el.checked = el.value === fields[name];
        else if (el.type === "checkbox") el.checked = fields[name] === el.value;
        else el.value = fields[name];
      });
    });
  }

  function shrink(file, done) {
    var reader = new FileReader();
    reader.onload = function () {
      var img = new Image();
      img.onload = function () {
        var max = 1280, w = img.width, h = img.height, k = Math.min(1, max / Math.max(w, h));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(w * k); canvas.height = Math.round(h * k);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        done(canvas.toDataURL("image/jpeg", 0.8));
      };
      img.onerror = function () { done(null); };
      img.src = reader.result;
    };
    reader.readAsDataURL(file);
  }

  form.addEventListener("change", function (event) {
    var el = event.target;
    if (el.type === "file" && el.dataset.photos) {
      var hidden = form.elements[el.dataset.photos];
      var urls = JSON.parse(hidden.value || "[]");
      var files = Array.prototype.slice.call(el.files || []);
      var pending = files.length;
      if (!pending) return;
      files.forEach(function (file) {
        shrink(file, function (url) {
          if (url) urls.push(url);
          else say("无法读取该照片，请换一张。");
          pending -= 1;
          if (pending === 0) {
            hidden.value = JSON.stringify(urls.slice(0, 6));
            el.value = "";  // sent once, as the kept data URL
            snapshot(); refresh();
          }
        });
      });
      return;
    }
    snapshot(); refresh();
  });
  form.addEventListener("input", snapshot);

  form.addEventListener("submit", function (event) {
    snapshot();
    if (navigator.onLine === false) {
      event.preventDefault();
      say("当前无网络，检查结果已保存在本机，恢复网络后请再次提交。");
    }
  });
  window.addEventListener("online", function () { say("网络已恢复，可以提交。"); });
  window.addEventListener("offline", function () { say("网络已断开，填写内容会保存在本机。"); });

  restore();
  refresh();
})();
