// Hublot — progressive enhancement of the upload forms: drag and drop, paste, preview, and
// classification in place through /api/classify. Without this file the forms post and a result page renders.
(function () {
  "use strict";

  const lang = document.documentElement.lang || "fr";
  const percentFormat = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function message(code) {
    const item = document.querySelector('#messages li[data-code="' + code + '"]') ||
      document.querySelector('#messages li[data-code="internal"]');
    return item ? item.textContent : code;
  }

  function formatPercent(probability) {
    const value = percentFormat.format(probability * 100);
    return lang === "fr" ? value + "\u202F%" : value + "%";
  }

  function formatMilliseconds(value) {
    return typeof value === "number" ? percentFormat.format(value) + "\u202Fms" : "—";
  }

  function setupForm(form) {
    const input = form.querySelector(".file-input");
    const dropzone = form.querySelector("[data-dropzone]");
    const preview = form.querySelector("[data-preview]");
    const previewImage = form.querySelector("[data-preview-img]");
    const previewName = form.querySelector("[data-preview-name]");
    const formError = form.querySelector("[data-form-error]");
    const status = form.querySelector("[data-status]");
    const submit = form.querySelector("[data-submit]");
    const results = document.querySelector("[data-results]");
    const grid = document.querySelector("[data-results-grid]");
    const title = document.getElementById("results-title");
    const isCompare = form.hasAttribute("data-compare");
    const topK = form.getAttribute("data-top-k") || "5";
    const maxBytes = Number(form.getAttribute("data-max-bytes") || "0");
    let previewURL = null;

    function chosenFile() {
      return input.files && input.files.length > 0 ? input.files[0] : null;
    }

    function showPreview(file) {
      if (previewURL) URL.revokeObjectURL(previewURL);
      if (file.type && file.type.indexOf("image/") === 0) {
        previewURL = URL.createObjectURL(file);
        previewImage.src = previewURL;
      } else {
        previewURL = null;
        previewImage.src = "/static/placeholder.svg";
      }
      previewName.textContent = file.name || "image";
      preview.hidden = false;
      dropzone.classList.add("has-preview");
      showError(null);
    }

    function useFiles(files) {
      if (!files || files.length === 0) return;
      const transfer = new DataTransfer();
      transfer.items.add(files[0]);
      input.files = transfer.files;
      showPreview(files[0]);
    }

    function showError(code) {
      if (!code) { formError.hidden = true; formError.textContent = ""; return; }
      formError.textContent = message(code);
      formError.hidden = false;
    }

    function chosenModels() {
      if (isCompare) {
        return Array.from(form.querySelectorAll('input[name="model"]:checked')).map(function (box) { return box.value; });
      }
      const select = form.querySelector('select[name="model"]');
      return select && select.value ? [select.value] : [];
    }

    previewImage.addEventListener("error", function () {
      if (previewImage.getAttribute("src") !== "/static/placeholder.svg") previewImage.src = "/static/placeholder.svg";
    });

    input.addEventListener("change", function () {
      const file = chosenFile();
      if (file) showPreview(file);
    });

    ["dragenter", "dragover"].forEach(function (type) {
      dropzone.addEventListener(type, function (event) {
        event.preventDefault();
        dropzone.classList.add("is-dragover");
      });
    });
    ["dragleave", "dragend", "drop"].forEach(function (type) {
      dropzone.addEventListener(type, function () { dropzone.classList.remove("is-dragover"); });
    });
    dropzone.addEventListener("drop", function (event) {
      event.preventDefault();
      useFiles(event.dataTransfer && event.dataTransfer.files);
    });

    document.addEventListener("paste", function (event) {
      const items = event.clipboardData ? Array.from(event.clipboardData.files || []) : [];
      const image = items.find(function (file) { return file.type.indexOf("image/") === 0; });
      if (image) {
        event.preventDefault();
        useFiles([image]);
      }
    });

    function renderCard(model, fileName, outcome) {
      const card = document.getElementById("tpl-result").content.firstElementChild.cloneNode(true);
      card.querySelector('[data-field="model"]').textContent = outcome.ok ? outcome.body.model : model;
      card.querySelector('[data-field="file"]').textContent = fileName;
      const list = card.querySelector('[data-field="predictions"]');
      const timings = card.querySelector('[data-field="timings"]');
      if (!outcome.ok) {
        const box = card.querySelector('[data-field="error"]');
        const alert = document.createElement("div");
        alert.className = "alert alert-error alert-compact";
        alert.setAttribute("role", "alert");
        const text = document.createElement("p");
        text.className = "alert-message";
        text.textContent = message(outcome.code);
        alert.appendChild(text);
        box.appendChild(alert);
        box.hidden = false;
        list.hidden = true;
        timings.hidden = true;
        return card;
      }
      const rowTemplate = document.getElementById("tpl-prediction").content.firstElementChild;
      outcome.body.predictions.forEach(function (prediction, position) {
        const row = rowTemplate.cloneNode(true);
        if (position === 0) row.classList.add("is-top");
        row.querySelector('[data-field="label"]').textContent = prediction.label;
        row.querySelector('[data-field="percent"]').textContent = formatPercent(prediction.probability);
        row.querySelector('[data-field="bar"]').value = Math.max(0, Math.min(1, prediction.probability)) * 100;
        list.appendChild(row);
      });
      const values = outcome.body.timings || {};
      timings.querySelectorAll("[data-timing]").forEach(function (cell) {
        cell.textContent = formatMilliseconds(values[cell.getAttribute("data-timing")]);
      });
      return card;
    }

    async function classify(file, model) {
      const url = "/api/classify?model=" + encodeURIComponent(model) + "&top_k=" + encodeURIComponent(topK);
      try {
        const response = await fetch(url, {
          method: "POST",
          body: file,
          headers: { "Content-Type": file.type || "application/octet-stream", "Accept": "application/json" }
        });
        let body = null;
        try { body = await response.json(); } catch (ignored) { body = null; }
        if (response.ok && body && Array.isArray(body.predictions)) return { ok: true, body: body };
        const code = body && body.error && body.error.code ? body.error.code : (response.status === 413 ? "payload_too_large" : "internal");
        return { ok: false, code: code };
      } catch (error) {
        return { ok: false, code: "classifier_unavailable" };
      }
    }

    form.addEventListener("submit", async function (event) {
      const file = chosenFile();
      const models = chosenModels();
      event.preventDefault();
      if (!file) { showError("no_image"); input.focus(); return; }
      if (models.length === 0) { showError("no_model"); return; }
      if (maxBytes > 0 && file.size > maxBytes) { showError("payload_too_large"); return; }
      showError(null);
      form.setAttribute("aria-busy", "true");
      submit.disabled = true;
      status.textContent = form.getAttribute("data-working") || "";
      const outcomes = await Promise.all(models.map(function (model) { return classify(file, model); }));
      grid.replaceChildren();
      outcomes.forEach(function (outcome, index) {
        grid.appendChild(renderCard(models[index], file.name || "image", outcome));
      });
      document.querySelectorAll("[data-notice]").forEach(function (notice) { notice.remove(); });
      results.hidden = false;
      form.removeAttribute("aria-busy");
      submit.disabled = false;
      status.textContent = "";
      title.focus({ preventScroll: true });
      results.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  }

  document.querySelectorAll("[data-classify-form]").forEach(setupForm);
})();
