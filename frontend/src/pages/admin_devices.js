// 设备管理: the device list with filters and paging, the same devices on the map, registration
// (the token is shown once) and token rotation.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, messageOf } from "../api.js";
import { html } from "../html.js";
import { fmtTime, nameOf, t } from "../i18n.js";
import { DistrictMap } from "../map.js";
import { useAreaNames } from "../areas.js";
import { loadUnits } from "../components/caseview.js";

const PAGE = 50;

export function DevicesAdmin({ config }) {
  const [models, setModels] = useState([]);
  const [filter, setFilter] = useState({ model: "", status: "", grid: "" });
  const [page, setPage] = useState({ items: [], next_cursor: null });
  const [cursors, setCursors] = useState([null]);
  const [error, setError] = useState("");
  const [token, setToken] = useState(null);
  const [registering, setRegistering] = useState(false);
  const [grids, setGrids] = useState(null);
  const [confirming, setConfirming] = useState(null);
  const [units, setUnits] = useState([]);
  const areaName = useAreaNames();
  const asked = useRef(0);

  // Filters and pages change faster than answers come: only the latest answer is shown.
  const load = (cursor) => {
    const mine = ++asked.current;
    return api.get("/api/v1/devices", { ...filter, cursor, limit: PAGE }).then(
      (p) => {
        if (mine !== asked.current) return;
        setPage(p);
        setError("");
      },
      (e) => mine === asked.current && setError(messageOf(e)),
    );
  };

  useEffect(() => {
    api.get("/api/v1/models").then(setModels, (e) => setError(messageOf(e)));
    api.get("/api/v1/grids", { level: "grid" }).then(setGrids, () => {});
    loadUnits().then(setUnits, () => {});
  }, []);
  useEffect(() => {
    setCursors([null]);
    load(null);
  }, [filter.model, filter.status, filter.grid]);

  const rotate = async (id) => {
    // The old token stops working at once: the device is cut off until it gets the new one.
    if (confirming !== id) {
      setConfirming(id);
      return;
    }
    setConfirming(null);
    try {
      const r = await api.post(`/api/v1/devices/${encodeURIComponent(id)}/token`);
      setToken({ id, token: r.token });
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const set = (key) => (e) => setFilter({ ...filter, [key]: e.currentTarget.value });
  return html`<div class="admin admin-devices">
    <h1>${t("navDevices")}</h1>
    <form class="filters" onSubmit=${(e) => e.preventDefault()} aria-label=${t("filter")}>
      <label>${t("model")}
        <select value=${filter.model} onChange=${set("model")}>
          <option value="">${t("all")}</option>
          ${models.map((m) => html`<option value=${m.id}>${nameOf(m)}</option>`)}
        </select>
      </label>
      <label>${t("status")}
        <select value=${filter.status} onChange=${set("status")}>
          <option value="">${t("all")}</option>
          ${["online", "offline", "never_seen"].map((s) => html`<option value=${s}>${t(s)}</option>`)}
        </select>
      </label>
      <label>${t("gridCode")}<input value=${filter.grid} onChange=${set("grid")} placeholder="330199…" /></label>
      <button type="button" class="primary" onClick=${() => setRegistering(!registering)}>${t("register")}</button>
    </form>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${token ? html`<div class="card token" role="status"><strong>${t("tokenOnce")}</strong> ${token.id}: <code data-testid="device-token">${token.token}</code>
      <button type="button" onClick=${() => setToken(null)}>${t("close")}</button></div>` : null}
    ${registering ? html`<${RegisterForm} models=${models} units=${units} config=${config} onDone=${(r) => {
      setRegistering(false);
      setToken({ id: r.device.id, token: r.token });
      load(null);
    }} />` : null}
    <div class="admin-split">
      <table class="table">
        <caption class="visually-hidden">${t("navDevices")}</caption>
        <thead><tr><th>${t("deviceId")}</th><th>${t("name")}</th><th>${t("model")}</th><th>${t("grid")}</th><th>${t("status")}</th><th>${t("battery")}</th><th>${t("lastSeen")}</th><th>${t("actions")}</th></tr></thead>
        <tbody>
          ${page.items.map(
            (d) => html`<tr key=${d.id}>
              <td>${d.id}</td><td>${d.name}</td><td>${nameOf(models.find((m) => m.id === d.model)) || d.model}</td>
              <td title=${d.grid_code || ""}>${d.grid_code ? areaName(d.grid_code) : "—"}</td><td><span class=${`status status-${d.status}`}>${t(d.status)}</span></td>
              <td>${d.battery_pct == null ? "—" : `${Math.round(d.battery_pct)}%`}</td><td>${fmtTime(d.last_seen)}</td>
              <td><button type="button" aria-label=${`${confirming === d.id ? t("rotateConfirm") : t("rotateToken")} ${d.id}`} onClick=${() => rotate(d.id)}>${confirming === d.id ? t("rotateConfirm") : t("rotateToken")}</button></td>
            </tr>`,
          )}
        </tbody>
      </table>
      <${DistrictMap} config=${config} grids=${grids} devices=${page.items} className="map map-small" />
    </div>
    <div class="row">
      ${cursors.length > 1 ? html`<button type="button" onClick=${() => {
        const prev = cursors.slice(0, -1);
        setCursors(prev);
        load(prev[prev.length - 1]);
      }}>← ${t("prev")}</button>` : null}
      ${page.next_cursor ? html`<button type="button" onClick=${() => {
        setCursors([...cursors, page.next_cursor]);
        load(page.next_cursor);
      }}>${t("next")} →</button>` : null}
    </div>
  </div>`;
}

function RegisterForm({ models, units, config, onDone }) {
  const centre = (config.district && config.district.center) || [120, 30];
  const [d, setD] = useState({ id: "", model: "", name: "", lon: String(centre[0]), lat: String(centre[1]), owner_unit: "iot-centre", tags: "" });
  const [error, setError] = useState("");
  const set = (key) => (e) => setD({ ...d, [key]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setError("");
    try {
      const body = { ...d, lon: Number(d.lon), lat: Number(d.lat), tags: d.tags.split(/[,，\s]+/).filter(Boolean) };
      onDone(await api.post("/api/v1/devices", body));
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const field = (key, label, extra = {}) => html`<div class="field"><label for=${`dev-${key}`}>${label}</label><input id=${`dev-${key}`} value=${d[key]} onInput=${set(key)} ...${extra} /></div>`;
  return html`<form class="card form-grid" onSubmit=${submit} aria-label=${t("register")}>
    ${field("id", t("deviceId"), { required: true })}
    <div class="field"><label for="dev-model">${t("model")}</label><select id="dev-model" value=${d.model} onChange=${set("model")} required>
      <option value="">—</option>${models.map((m) => html`<option value=${m.id}>${nameOf(m)}</option>`)}
    </select></div>
    ${field("name", t("name"), { required: true })}
    ${field("lon", t("lon"), { inputmode: "decimal", required: true })}
    ${field("lat", t("lat"), { inputmode: "decimal", required: true })}
    <div class="field"><label for="dev-owner_unit">${t("ownerUnit")}</label><select id="dev-owner_unit" value=${d.owner_unit} onChange=${set("owner_unit")} required>
      ${units.some((u) => u.code === d.owner_unit) ? null : html`<option value=${d.owner_unit}>${d.owner_unit}</option>`}
      ${units.map((u) => html`<option value=${u.code}>${nameOf(u)}</option>`)}
    </select></div>
    ${field("tags", t("tags"))}
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <button type="submit" class="primary">${t("save")}</button>
  </form>`;
}
