// 用户管理: people's accounts with a role, a unit and the areas they may see.
import { useEffect, useState } from "preact/hooks";
import { api, messageOf } from "../api.js";
import { html } from "../html.js";
import { nameOf, t } from "../i18n.js";
import { loadUnits, loadWorkflow } from "../components/caseview.js";
import { useAreaNames } from "../areas.js";

const ROLES = ["admin", "viewer", "intake_operator", "dispatcher", "duty_chief", "inspector", "unit_handler", "grid_worker", "service_company", "volunteer", "supervisor"];

export function UsersAdmin({ config }) {
  const [users, setUsers] = useState([]);
  const [units, setUnits] = useState([]);
  const [workflow, setWorkflow] = useState(null);
  const [error, setError] = useState("");
  const [adding, setAdding] = useState(false);
  const [resetting, setResetting] = useState(null); // the username whose password is being set
  const [notice, setNotice] = useState("");
  const areaName = useAreaNames();
  const roles = ((config && config.roles) || []).map((r) => r.code);
  const load = () =>
    api.get("/api/v1/users").then(
      (r) => {
        setUsers(Array.isArray(r) ? r : r.items || []);
        setError("");
      },
      (e) => setError(messageOf(e)),
    );
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
    setNotice("");
    try {
      await api.patch(`/api/v1/users/${encodeURIComponent(u.username)}`, change);
      load();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return html`<div class="admin admin-users">
    <h1>${t("navUsers")}</h1>
    <button type="button" class="primary" onClick=${() => setAdding(!adding)}>${t("newUser")}</button>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${notice ? html`<p class="ok" role="status">${notice}</p>` : null}
    ${resetting
      ? html`<${SetPassword} key=${resetting} username=${resetting} onCancel=${() => setResetting(null)}
          onDone=${() => {
            setResetting(null);
            setNotice(`${t("passwordSet")}: ${resetting}`);
          }} />`
      : null}
    ${adding ? html`<${NewUser} units=${units} roles=${roles.length ? roles : ROLES} roleName=${roleName} onDone=${() => { setAdding(false); load(); }} />` : null}
    <table class="table">
      <caption class="visually-hidden">${t("users")}</caption>
      <thead><tr><th>${t("username")}</th><th>${t("displayName")}</th><th>${t("role")}</th><th>${t("unit")}</th><th>${t("areas")}</th><th>${t("status")}</th><th>${t("actions")}</th></tr></thead>
      <tbody>
        ${users.map((u) => html`<tr key=${u.username}>
          <td>${u.username}</td><td>${u.display_name}</td><td>${roleName(u.role)}</td>
          <td>${nameOf(units.find((x) => x.code === u.unit)) || u.unit || "—"}</td><td>${(u.grids || []).map(areaName).join(", ") || "—"}</td>
          <td>${u.disabled ? t("disabled") : t("enabled")}</td>
          <td><div class="row">
            <button type="button" aria-label=${`${u.disabled ? t("enable") : t("disable")} ${u.username}`}
              onClick=${() => patch(u, { disabled: !u.disabled })}>${u.disabled ? t("enable") : t("disable")}</button>
            <button type="button" aria-label=${`${t("setPassword")} ${u.username}`} aria-expanded=${resetting === u.username ? "true" : "false"}
              onClick=${() => {
                setNotice("");
                setResetting(resetting === u.username ? null : u.username);
              }}>${t("setPassword")}</button>
          </div></td>
        </tr>`)}
      </tbody>
    </table>
  </div>`;
}

/** A new password for someone, typed into a password field (never the browser's prompt, which
shows it in clear and cannot be styled or labelled). */
function SetPassword({ username, onDone, onCancel }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState("");
  const submit = async (e) => {
    e.preventDefault();
    setError("");
    try {
      await api.post(`/api/v1/users/${encodeURIComponent(username)}/password`, { password: value });
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return html`<form class="card form-grid" onSubmit=${submit} aria-label=${`${t("setPassword")} ${username}`}>
    <div class="field"><label for="reset-password">${t("newPassword")} · ${username}</label>
      <input id="reset-password" type="password" value=${value} onInput=${(e) => setValue(e.currentTarget.value)} required autocomplete="new-password" autofocus /></div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="row">
      <button type="submit" class="primary">${t("save")}</button>
      <button type="button" onClick=${onCancel}>${t("cancel")}</button>
    </div>
  </form>`;
}

function NewUser({ units, roles, roleName, onDone }) {
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
    ${field("role", t("role"), html`<select id="user-role" value=${u.role} onChange=${set("role")}>${roles.map((r) => html`<option value=${r}>${roleName(r)}</option>`)}</select>`)}
    ${field("unit", t("unit"), html`<select id="user-unit" value=${u.unit} onChange=${set("unit")}><option value="">—</option>${units.map((x) => html`<option value=${x.code}>${nameOf(x)}</option>`)}</select>`)}
    ${field("grids", t("areas"), html`<input id="user-grids" value=${u.grids} onInput=${set("grids")} placeholder="330199001001" />`)}
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <button type="submit" class="primary">${t("save")}</button>
  </form>`;
}
