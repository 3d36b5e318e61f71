// A device's recent telemetry with the thresholds of the rules that watch it drawn in, so an
// operator sees how close a reading is to the next warning level.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, messageOf } from "../api.js";
import { Chart, SEVERITY_COLORS } from "../charts.js";
import { html } from "../html.js";
import { fmtTime, isZh, nameOf, t } from "../i18n.js";

const HOURS = 6;
let modelsCache = null;

export function TelemetryPanel({ device }) {
  const [detail, setDetail] = useState(null);
  const [model, setModel] = useState(null);
  const [prop, setProp] = useState(null);
  const [points, setPoints] = useState([]);
  const [lines, setLines] = useState([]);
  const [error, setError] = useState("");

  useEffect(() => {
    // Another device: nothing of the last one stays on screen while this one loads.
    setDetail(null);
    setModel(null);
    setProp(null);
    setPoints([]);
    setLines([]);
    setError("");
    if (!device) return;
    let gone = false;
    (async () => {
      const d = await api.get(`/api/v1/devices/${encodeURIComponent(device.id)}`);
      modelsCache = modelsCache || (await api.get("/api/v1/models"));
      const m = modelsCache.find((x) => x.id === d.model);
      const numeric = m ? m.properties.filter((p) => p.type === "float" || p.type === "int") : [];
      const thresholds = await api.get(`/api/v1/devices/${encodeURIComponent(device.id)}/thresholds`).catch(() => []);
      if (gone) return;
      setDetail(d);
      setModel(m);
      setLines(thresholds);
      const watched = numeric.find((p) => thresholds.some((x) => x.property === p.id));
      setProp((watched || numeric[0] || {}).id || null);
    })().catch((e) => gone || setError(messageOf(e)));
    return () => {
      gone = true;
    };
  }, [device && device.id]);

  useEffect(() => {
    setPoints([]);
    if (!detail || !prop) return;
    let gone = false;
    const load = () =>
      api
        .get(`/api/v1/devices/${encodeURIComponent(detail.id)}/telemetry`, {
          property: prop,
          from: Date.now() - HOURS * 3600_000,
          limit: 5000,
        })
        .then((r) => gone || setPoints(r.points), () => {});
    load();
    const timer = setInterval(load, 10000);
    return () => {
      gone = true;
      clearInterval(timer);
    };
  }, [detail, prop]);

  const propDef = model && prop ? model.properties.find((p) => p.id === prop) : null;
  const option = useMemo(() => {
    const mine = lines.filter((l) => l.property === prop && typeof l.value === "number");
    // Every threshold in view, so the operator sees the next level, not only the passed ones.
    const top = Math.max(...points.map((p) => p.value), ...mine.map((l) => l.value));
    return {
      backgroundColor: "transparent",
      grid: { left: 56, right: 110, top: 24, bottom: 40 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "time", minInterval: 60_000, axisLabel: { formatter: (v) => fmtTime(v, { date: false }) } },
      yAxis: { type: "value", name: propDef ? propDef.unit || "" : "", scale: true, max: Number.isFinite(top) ? Math.ceil(top * 1.1) : null },
      series: [
        {
          name: propDef ? nameOf(propDef) : prop,
          type: "line",
          showSymbol: false,
          data: points.map((p) => [p.ts, p.value]),
          lineStyle: { width: 2, color: "#4fa3ff" },
          markLine: {
            symbol: "none",
            data: mine.map((l) => ({
              yAxis: l.value,
              name: `${(isZh() ? l.rule_name : l.rule_name_en || l.rule_name) || l.rule_id} ${l.op} ${l.value}`,
              lineStyle: { color: SEVERITY_COLORS[l.severity] || "#fff", type: "dashed", width: 2 },
              label: { formatter: `${t("threshold")} ${l.value}`, color: SEVERITY_COLORS[l.severity] || "#fff" },
            })),
          },
        },
      ],
    };
  }, [points, lines, prop]);

  if (!device) return html`<div class="card telemetry"><p class="muted">${t("pickDevice")}</p></div>`;
  if (error) return html`<div class="card telemetry"><p class="error" role="alert">${t("loadFailed")}: ${error}</p></div>`;
  if (!detail) return html`<div class="card telemetry"><p>${t("loading")}</p></div>`;
  const numeric = model ? model.properties.filter((p) => p.type === "float" || p.type === "int") : [];
  const drawn = lines.filter((l) => l.property === prop).map((l) => l.value);
  return html`<div class="card telemetry" data-testid="telemetry" data-device=${detail.id}
    data-points=${points.length} data-thresholds=${drawn.join(",")}>
    <div class="telemetry-head">
      <h2>${t("telemetry")} · ${detail.name || detail.id}</h2>
      <span class="muted">${model ? nameOf(model) : detail.model} · ${t(detail.status)} · ${t("lastSeen")} ${fmtTime(detail.last_seen)}</span>
      <label>
        ${t("property")}
        <select disabled=${!numeric.length} value=${prop || ""} onChange=${(e) => setProp(e.currentTarget.value)}>
          ${numeric.map((p) => html`<option value=${p.id}>${nameOf(p)}${p.unit ? ` (${p.unit})` : ""}</option>`)}
        </select>
      </label>
    </div>
    ${points.length
      ? html`<${Chart} option=${option} label=${`${t("telemetry")} ${detail.id}`} className="chart chart-telemetry" />`
      : html`<p class="muted">${t("chartEmpty")}</p>`}
  </div>`;
}
