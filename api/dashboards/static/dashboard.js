// Shared by the dashboards: the API key, the language, fetching from the API and the nav bar.
//
// The key: read once from ?key=... (then removed from the address bar), or typed into the nav bar's key field, and
// kept in this tab's sessionStorage. The language: ?lang=en for English, Swedish otherwise.
"use strict";

const LB = (() => {
  const KEY_STORE = "lagesbild.apiKey";
  const params = new URLSearchParams(window.location.search);
  const lang = params.get("lang") === "en" ? "en" : "sv";
  if (params.get("key")) {
    sessionStorage.setItem(KEY_STORE, params.get("key"));
    params.delete("key");
    const query = params.toString();
    history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
  }
  const apiKey = () => sessionStorage.getItem(KEY_STORE) || "";

  const COMMON = {
    sv: {needKey: "Ange en API-nyckel i fältet uppe till höger (eller ?key= i adressen).", loadFailed: "Kunde inte läsa data:"},
    en: {needKey: "Enter an API key in the field at the top right (or ?key= in the address).", loadFailed: "Could not load data:"},
  };
  let texts = COMMON;
  const t = (name) => (texts[lang] && texts[lang][name]) || (texts.sv && texts.sv[name]) || name;

  async function getJson(path, query = {}) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(query)) {
      for (const v of [].concat(value)) if (v !== undefined && v !== null) url.searchParams.append(name, v);
    }
    const response = await fetch(url, {headers: {"X-API-Key": apiKey(), "Accept": "application/json"}});
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      const error = new Error(`${response.status}: ${body.detail || path}`);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  /** Every page of a paged endpoint. */
  async function getAll(path, query = {}) {
    let offset = 0, items = [];
    while (offset !== null) {
      const page = await getJson(path, {...query, limit: 500, offset});
      items = items.concat(page.items);
      offset = page.next_offset;
    }
    return items;
  }

  function setupNav(onKeyChange) {
    document.documentElement.lang = lang;
    for (const link of document.querySelectorAll("nav.lb-nav a[data-sv]")) {
      link.textContent = link.dataset[lang];
      if (link.getAttribute("href") === window.location.pathname) link.setAttribute("aria-current", "page");
      if (lang === "en") link.href = `${link.getAttribute("href")}?lang=en`;
    }
    const keyInput = document.getElementById("lb-key");
    const keyLabel = document.getElementById("lb-key-label");
    if (keyLabel) keyLabel.textContent = lang === "en" ? "API key" : "API-nyckel";
    if (keyInput) {
      keyInput.value = apiKey();
      keyInput.addEventListener("change", () => { sessionStorage.setItem(KEY_STORE, keyInput.value.trim()); onKeyChange(); });
    }
    const switcher = document.getElementById("lb-lang");
    if (switcher) {
      const other = new URLSearchParams(window.location.search);
      if (lang === "en") other.delete("lang"); else other.set("lang", "en");
      switcher.textContent = lang === "en" ? "Svenska" : "English";
      switcher.href = `${window.location.pathname}${other.toString() ? "?" + other : ""}`;
    }
    for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  }

  const number = (value, digits = 0) => value === null || value === undefined ? "–"
    : Number(value).toLocaleString(lang === "en" ? "en-GB" : "sv-SE", {maximumFractionDigits: digits});

  function showError(err) {
    const box = document.getElementById("error");
    box.textContent = err.status === 401 ? t("needKey") : `${t("loadFailed")} ${err.message}`;
    document.body.dataset.state = "error";
  }

  // topojsonURL: plotly's geo charts fetch a world map from its CDN even when the base map is hidden; ours is empty.
  const plotConfig = {responsive: true, displaylogo: false, topojsonURL: "/static/topojson/"};
  const baseLayout = (title) => ({title: {text: title, font: {size: 20}}, font: {size: 15},
                                  margin: {t: 60, r: 20, b: 50, l: 60}});

  return {lang, t, setTexts: (x) => { texts = {sv: {...COMMON.sv, ...x.sv}, en: {...COMMON.en, ...x.en}}; }, getJson, getAll, setupNav, number, showError, plotConfig,
          baseLayout};
})();
