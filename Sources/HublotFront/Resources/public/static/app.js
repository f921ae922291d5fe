// Hublot — progressive enhancement of the upload forms: drag and drop, paste, preview, and
// classification in place through /api/classify, then the occlusion map of the top five through /api/explain.
// Without this file the forms post and a result page renders (its maps included).
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

  function mapString(key) {
    const item = document.querySelector('#map-strings li[data-key="' + key + '"]');
    return item ? item.textContent : key;
  }

  // The occlusion map, filled into the card's `occlusion_map` partial (cloned from #tpl-result) with the rule
  // of OcclusionMapView.swift, which renders the same partial without JavaScript: a cell's fill opacity is its
  // positive drop over the map's largest one, times MAX_OPACITY; negative drops stay clear; the text
  // alternative names the region (photo in thirds) of the cell with the largest positive drop.
  const MAX_OPACITY = 0.7;
  const REGIONS = ["region_top_left", "region_top", "region_top_right", "region_left", "region_centre",
    "region_right", "region_bottom_left", "region_bottom", "region_bottom_right"];
  let mapGroups = 0;

  function regionKey(row, column, grid) {
    function third(position) { return Math.min(2, Math.max(0, Math.floor((6 * position + 3) / (2 * grid)))); }
    return REGIONS[third(row) * 3 + third(column)];
  }

  function strongestCell(drops) {
    let best = null;
    drops.forEach(function (values, row) {
      values.forEach(function (drop, column) {
        if (drop > 0 && drop > (best ? best.drop : 0)) best = { row: row, column: column, drop: drop };
      });
    });
    return best;
  }

  function mapAlternative(map, grid) {
    const best = strongestCell(map.drops);
    if (!best) return mapString("map_no_region").replace("{label}", map.label);
    return mapString("map_strongest").replace("{label}", map.label).replace("{region}", mapString(regionKey(best.row, best.column, grid)));
  }

  function prepareMap(card, photo) {
    const section = card.querySelector('[data-field="map"]');
    const part = function (field) { return section.querySelector('[data-field="' + field + '"]'); };
    const rect = part("map-overlay").querySelector("rect");
    rect.remove();
    const map = {
      section: section, body: part("map-body"), note: part("map-note"), frame: section.querySelector(".map-frame"),
      choices: section.querySelector(".map-choices"), rect: rect, group: "map-js-" + (++mapGroups),
      radio: part("map-radio"), overlay: part("map-overlay"), caption: part("map-caption"), choice: part("map-choice")
    };
    [map.radio, map.overlay, map.caption, map.choice].forEach(function (element) { element.remove(); });
    if (photo) part("map-photo").src = photo;
    showMapNote(map, mapString("map_working"));
    section.setAttribute("aria-busy", "true");
    return map;
  }

  function showMapNote(map, text) {
    map.note.textContent = text;
    map.note.hidden = false;
    map.body.hidden = true;
  }

  function fillMap(map, outcome) {
    map.section.removeAttribute("aria-busy");
    if (!outcome.ok) { showMapNote(map, outcome.note || mapString("map_missing").replace("{reason}", message(outcome.code))); return; }
    const explanation = outcome.body;
    if (explanation.maps.length === 0) { showMapNote(map, mapString("map_none")); return; }
    explanation.maps.forEach(function (occlusion, position) {
      const id = map.group + "-" + (position + 1);
      const radio = map.radio.cloneNode(true);
      radio.name = map.group;
      radio.id = id;
      radio.value = String(occlusion.index);
      radio.checked = position === 0;
      map.body.insertBefore(radio, map.frame);

      const overlay = map.overlay.cloneNode(true);
      overlay.setAttribute("viewBox", "0 0 " + explanation.grid + " " + explanation.grid);
      overlay.setAttribute("aria-labelledby", id + "-alt");
      const largest = occlusion.drops.reduce(function (most, values) { return Math.max(most, Math.max.apply(null, values)); }, 0);
      occlusion.drops.forEach(function (values, row) {
        values.forEach(function (drop, column) {
          if (!(largest > 0 && drop > 0)) return;
          const cell = map.rect.cloneNode(true);
          cell.setAttribute("x", String(column));
          cell.setAttribute("y", String(row));
          cell.setAttribute("fill-opacity", (MAX_OPACITY * drop / largest).toFixed(2));
          overlay.appendChild(cell);
        });
      });
      map.frame.appendChild(overlay);

      const caption = map.caption.cloneNode(true);
      caption.id = id + "-alt";
      caption.textContent = mapAlternative(occlusion, explanation.grid);
      map.body.insertBefore(caption, map.choices);

      const choice = map.choice.cloneNode(true);
      choice.htmlFor = id;
      choice.querySelector('[data-field="map-label"]').textContent = occlusion.label;
      choice.querySelector('[data-field="map-percent"]').textContent = formatPercent(occlusion.probability);
      map.choices.appendChild(choice);
    });
    map.note.hidden = true;
    map.body.hidden = false;
  }

  // Sends the image to a gateway route; the decoded answer when it is a success of the expected shape.
  async function post(url, file, expected) {
    try {
      const response = await fetch(url, {
        method: "POST",
        body: file,
        headers: { "Content-Type": file.type || "application/octet-stream", "Accept": "application/json" }
      });
      let body = null;
      try { body = await response.json(); } catch (ignored) { body = null; }
      if (response.ok && body && Array.isArray(body[expected])) return { ok: true, body: body };
      const code = body && body.error && body.error.code ? body.error.code : (response.status === 413 ? "payload_too_large" : "internal");
      return { ok: false, code: code };
    } catch (error) {
      return { ok: false, code: "classifier_unavailable" };
    }
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

    function renderCard(model, file, outcome, photo) {
      const fileName = file.name || "image";
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
        card.querySelector('[data-field="map"]').remove();
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
      const map = prepareMap(card, photo);
      if (!photo) {  // as on the page without JavaScript: no map over a placeholder, and no explanation asked
        fillMap(map, { ok: false, note: mapString("map_no_photo") });
        return card;
      }
      // The card shows at once; its map follows (one explanation maps all five classes at the cost of one).
      const most = Number(document.getElementById("map-strings").getAttribute("data-max-classes") || "5");
      const classes = outcome.body.predictions.slice(0, most).map(function (prediction) { return prediction.index; });
      explain(file, model || outcome.body.model, classes).then(function (answer) { fillMap(map, answer); });
      return card;
    }

    function classify(file, model) {
      return post("/api/classify?model=" + encodeURIComponent(model) + "&top_k=" + encodeURIComponent(topK), file, "predictions");
    }

    function explain(file, model, classes) {
      return post("/api/explain?model=" + encodeURIComponent(model) + (classes.length ? "&class=" + classes.join(",") : "") +
        "&top_k=" + encodeURIComponent(topK), file, "maps");
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
      const photo = previewURL;
      outcomes.forEach(function (outcome, index) {
        grid.appendChild(renderCard(models[index], file, outcome, photo));
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
