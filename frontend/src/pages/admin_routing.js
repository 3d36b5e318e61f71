// 派遣规则: which unit each class of case goes to, by area; the table the dispatch suggestion
// comes from. Changed in data/cases/routing.yaml (reviewed like code), shown here.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.js";
import { html } from "../html.js";
import { nameOf, t } from "../i18n.js";

export function RoutingAdmin() {
  const [entries, setEntries] = useState([]);
  const [units, setUnits] = useState([]);
  const [classes, setClasses] = useState([]);
  useEffect(() => {
    api.get("/api/v1/routing").then(setEntries, () => {});
    api.get("/api/v1/units").then(setUnits, () => {});
    api.get("/api/v1/taxonomy", { kind: "event" }).then((r) => setClasses(r.classes), () => {});
  }, []);
  const unitName = (code) => nameOf(units.find((u) => u.code === code)) || code;
  const className = (code) => {
    const c = classes.find((x) => x.code === code);
    if (c) return nameOf(c);
    const major = classes.find((x) => x.major_code === code);
    return major ? nameOf(major, "major_name") : "";
  };
  return html`<div class="admin admin-routing">
    <h1>${t("routingTable")}</h1>
    <p class="muted">data/cases/routing.yaml</p>
    <table class="table" data-testid="routing-table">
      <caption class="visually-hidden">${t("routingTable")}</caption>
      <thead><tr><th>${t("class")}</th><th></th><th>${t("area")}</th><th>${t("unit")}</th><th>${t("channel")}</th></tr></thead>
      <tbody>
        ${entries.map((e, i) => html`<tr key=${i}>
          <td><code>${e.class || e.class_code || "*"}</code></td><td>${className(e.class || e.class_code)}</td>
          <td>${e.area || e.grid || "*"}</td><td>${unitName(e.unit)}</td><td>${e.channel || ""}</td>
        </tr>`)}
      </tbody>
    </table>
    <h2>${t("unit")}</h2>
    <table class="table">
      <thead><tr><th>code</th><th>${t("name")}</th><th>kind</th></tr></thead>
      <tbody>${units.map((u) => html`<tr key=${u.code}><td><code>${u.code}</code></td><td>${nameOf(u)}</td><td>${u.kind}</td></tr>`)}</tbody>
    </table>
  </div>`;
}
