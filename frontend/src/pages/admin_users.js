// 用户管理: people's accounts with a role, a unit and the areas they may see.
import { useEffect, useState } from "preact/hooks";
import { api, messageOf } from "../api.js";
import { html } from "../html.js";
import { nameOf, t } from "../i18n.js";
import { loadUnits, loadWorkflow } from "../components/caseview.js";

const ROLES = ["admin", "viewer", "intake_operator", "dispatcher", "duty_chief", "inspector", "unit_handler", "grid_worker", "service_company", "volunteer", "supervisor"];

export function UsersAdmin({ config }) {
  const [users, setUsers] = useState([]);
  const [units, setUnits] = useState([]);
  const [workflow, setWorkflow] = useState(null);
  const [error, setError] = useState("");
  const [adding, setAdding] = useState(false);
  const load = () => api.get("/api/v1/users").then((r) => setUsers(Array.isArray(r) ? r : r.items || []), (e) => setError(messageOf(e)));
  useEffect(() => {
    load();
    loadUnits().then(setUnits, () => {});
    loadWorkflow().then(setWorkflow, () => {});
  }, []);
  const roleName = (r) => {
    const known = ((config && config.roles) || []).find((x) => x.code === r);
    if (known) return nameOf(known);
    return workflow && workflow.roles[r] ? nameOf(workflow.roles[r]) : r;
  };

  const patch = async (u, change) => {
    try {
      await api.patch(`/api/v1/users/${encodeURIComponent(u.username)}`, change);
      load();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const password = async (u) => {
    const value = prompt(`${t("setPassword")}: ${u.username}`);
    if (!value) return;
    try {
      await api.post(`/api/v1/users/${encodeURIComponent(u.username)}/password`, { password: value });
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return html`<div class="admin admin-users">
    <h1>${t("navUsers")}</h1>
    <button type="button" class="primary" onClick=${() => setAdding(!adding)}>${t("newUser")}</button>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${adding ? html`<${NewUser} units=${units} roleName=${roleName} onDone=${() => { setAdding(false); load(); }} />` : null}
    <table class="table">
      <caption class="visually-hidden">${t("users")}</caption>
      <thead><tr><th>${t("username")}</th><th>${t("displayName")}</th><th>${t("role")}</th><th>${t("unit")}</th><th>${t("areas")}</th><th>${t("status")}</th><th>${t("actions")}</th></tr></thead>
      <tbody>
        ${users.map((u) => html`<tr key=${u.username}>
          <td>${u.username}</td><td>${u.display_name}</td><td>${roleName(u.role)}</td>
          <td>${nameOf(units.find((x) => x.code === u.unit)) || u.unit || "—"}</td><td>${(u.grids || []).join(", ") || "—"}</td>
          <td>${u.disabled ? t("disabled") : t("enabled")}</td>
          <td class="row">
            <button type="button" onClick=${() => patch(u, { disabled: !u.disabled })}>${u.disabled ? t("enable") : t("disable")}</button>
            <button type="button" onClick=${() => password(u)}>${t("setPassword")}</button>
          </td>
        </tr>`)}
      </tbody>
    </table>
  </div>`;
}

function NewUser({ units, roleName, onDone }) {
  const [u, setU] = useState({ username: "", display_name: "", password: "", role: "grid_worker", unit: "", grids: "" });
  const [error, setError] = useState("");
  const set = (key) => (e) => setU({ ...u, [key]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setError("");
    try {
      await api.post("/api/v1/users", { ...u, unit: u.unit || null, grids: u.grids.split(/[,，\s]+/).filter(Boolean) });
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const field = (key, label, input) => html`<div class="field"><label for=${`user-${key}`}>${label}</label>${input}</div>`;
  return html`<form class="card form-grid" onSubmit=${submit} aria-label=${t("newUser")}>
    ${field("username", t("username"), html`<input id="user-username" value=${u.username} onInput=${set("username")} required autocomplete="off" />`)}
    ${field("display_name", t("displayName"), html`<input id="user-display_name" value=${u.display_name} onInput=${set("display_name")} required />`)}
    ${field("password", t("password"), html`<input id="user-password" type="password" value=${u.password} onInput=${set("password")} required autocomplete="new-password" />`)}
    ${field("role", t("role"), html`<select id="user-role" value=${u.role} onChange=${set("role")}>${ROLES.map((r) => html`<option value=${r}>${roleName(r)}</option>`)}</select>`)}
    ${field("unit", t("unit"), html`<select id="user-unit" value=${u.unit} onChange=${set("unit")}><option value="">—</option>${units.map((x) => html`<option value=${x.code}>${nameOf(x)}</option>`)}</select>`)}
    ${field("grids", t("areas"), html`<input id="user-grids" value=${u.grids} onInput=${set("grids")} placeholder="330199001001" />`)}
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <button type="submit" class="primary">${t("save")}</button>
  </form>`;
}
