// 派遣规则: which unit each class of case goes to, by area; the table the dispatch suggestion
// comes from. Changed in data/cases/routing.yaml (reviewed like code), shown here.
import { useEffect, useState } from "preact/hooks";
import { api, messageOf } from "../api.js";
import { html } from "../html.js";
import { channelName, nameOf, t, unitKindName } from "../i18n.js";
import { useAreaNames } from "../areas.js";

const TERRITORIAL = "territorial"; // the community (or street) of the case's grid: 属地

export function RoutingAdmin() {
  const [entries, setEntries] = useState([]);
  const [units, setUnits] = useState([]);
  const [classes, setClasses] = useState([]);
  const [error, setError] = useState("");
  const areaName = useAreaNames();
  useEffect(() => {
    const failed = (e) => setError(messageOf(e));
    api.get("/api/v1/routing").then(setEntries, failed);
    api.get("/api/v1/units").then(setUnits, failed);
    api.get("/api/v1/taxonomy", { kind: "event" }).then((r) => setClasses(r.classes), failed);
  }, []);
  const unitName = (code) => (code === TERRITORIAL ? t("territorial") : nameOf(units.find((u) => u.code === code)) || code);
  const className = (code) => {
    const c = classes.find((x) => x.code === code);
    if (c) return nameOf(c);
    const major = classes.find((x) => x.major_code === code);
    return major ? nameOf(major, "major_name") : "";
  };
  return html`<div class="admin admin-routing">
    <h1>${t("routingTable")}</h1>
    <p class="muted">${t("sourceFile")}: <code>data/cases/routing.yaml</code></p>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <table class="table" data-testid="routing-table">
      <caption class="visually-hidden">${t("routingTable")}</caption>
      <thead><tr><th>${t("code")}</th><th>${t("class")}</th><th>${t("area")}</th><th>${t("unit")}</th><th>${t("channel")}</th></tr></thead>
      <tbody>
        ${entries.map((e, i) => {
          const cls = e.class || e.class_code;
          const area = e.area || e.grid;
          return html`<tr key=${i}>
            <td><code>${cls || "*"}</code></td><td>${cls ? className(cls) : t("defaultRoute")}</td>
            <td title=${area || ""}>${area ? areaName(area) : t("all")}</td><td>${unitName(e.unit)}</td><td>${channelName(e.channel)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    <h2>${t("units")}</h2>
    <table class="table">
      <caption class="visually-hidden">${t("units")}</caption>
      <thead><tr><th>${t("code")}</th><th>${t("name")}</th><th>${t("kind")}</th></tr></thead>
      <tbody>${units.map((u) => html`<tr key=${u.code}><td><code>${u.code}</code></td><td>${nameOf(u)}</td><td>${unitKindName(u.kind)}</td></tr>`)}</tbody>
    </table>
  </div>`;
}
