// 规则管理: rules as their JSON definitions, edited with the server's own validation so the
// errors named here are exactly the ones that would refuse the save (path: message).
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, messageOf } from "../api.js";
import { html } from "../html.js";
import { nameOf, t } from "../i18n.js";

export function RulesAdmin() {
  const [rules, setRules] = useState([]);
  const [editing, setEditing] = useState(null); // {id|null, text}
  const [classes, setClasses] = useState([]);
  const [error, setError] = useState("");
  const load = () =>
    api.get("/api/v1/rules").then(
      (r) => {
        setRules(r.items);
        setError("");
      },
      (e) => setError(messageOf(e)),
    );
  useEffect(() => {
    load();
    api.get("/api/v1/taxonomy", { kind: "event" }).then((r) => setClasses(r.classes), () => {});
  }, []);
  const className = (code) => nameOf(classes.find((x) => x.code === code)) || code || "";
  return html`<div class="admin admin-rules">
    <h1>${t("navRules")}</h1>
    <button type="button" class="primary" onClick=${() => setEditing({ id: null, text: TEMPLATE })}>${t("newRule")}</button>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="admin-split">
      <table class="table">
        <caption class="visually-hidden">${t("rules")}</caption>
        <thead><tr><th>${t("ruleId")}</th><th>${t("name")}</th><th>${t("class")}</th><th>${t("status")}</th><th>${t("actions")}</th></tr></thead>
        <tbody>
          ${rules.map((r) => html`<tr key=${r.id}>
            <td>${r.id}</td><td>${nameOf(r.definition)}</td>
            <td title=${r.definition.class_code || ""}>${className(r.definition.class_code)}</td>
            <td>${r.enabled ? t("enabled") : t("disabled")}</td>
            <td><button type="button" aria-label=${`${t("editRule")} ${r.id}`} onClick=${() => setEditing({ id: r.id, text: JSON.stringify(r.definition, null, 2) })}>${t("editRule")}</button></td>
          </tr>`)}
        </tbody>
      </table>
      ${editing ? html`<${RuleEditor} key=${editing.id || "new"} editing=${editing} onSaved=${() => { setEditing(null); load(); }} onCancel=${() => setEditing(null)} />` : null}
    </div>
  </div>`;
}

const TEMPLATE = JSON.stringify(
  {
    id: "new-rule",
    name_zh: "新规则",
    name_en: "New rule",
    class_code: "E1001",
    severity: "yellow",
    scope: { models: ["underpass_water_level"] },
    condition: { type: "threshold", property: "water_level_cm", op: ">=", value: 20, clear: 10 },
  },
  null,
  2,
);

function RuleEditor({ editing, onSaved, onCancel }) {
  const [text, setText] = useState(editing.text);
  const [errors, setErrors] = useState([]);
  const [ok, setOk] = useState("");

  const parse = () => {
    try {
      return JSON.parse(text);
    } catch (e) {
      setErrors([{ path: "JSON", message: e.message }]);
      return null;
    }
  };
  const validate = async () => {
    setOk("");
    const body = parse();
    if (!body) return;
    try {
      const r = await api.post("/api/v1/rules/validate", body);
      setErrors(r.errors || []);
      if (r.valid) setOk(t("valid"));
    } catch (e) {
      setErrors(errorsOf(e));
    }
  };
  const save = async (e) => {
    e.preventDefault();
    setOk("");
    const body = parse();
    if (!body) return;
    try {
      if (editing.id) await api.put(`/api/v1/rules/${encodeURIComponent(editing.id)}`, body);
      else await api.post("/api/v1/rules", body);
      onSaved();
    } catch (err) {
      setErrors(errorsOf(err));
    }
  };
  return html`<form class="card rule-editor" onSubmit=${save} aria-label=${t("editRule")}>
    <label for="rule-json">${t("ruleJson")} ${editing.id || ""}</label>
    <textarea id="rule-json" rows="24" spellcheck="false" value=${text} onInput=${(e) => setText(e.currentTarget.value)}
      aria-invalid=${errors.length ? "true" : "false"} aria-describedby="rule-errors"></textarea>
    <div id="rule-errors" aria-live="polite">
      ${errors.length ? html`<ul class="errors" role="alert" data-testid="rule-errors">${errors.map((e) => html`<li><code>${e.path}</code> ${e.message}</li>`)}</ul>` : null}
      ${ok ? html`<p class="ok" role="status">${ok}</p>` : null}
    </div>
    <div class="row">
      <button type="button" onClick=${validate}>${t("validate")}</button>
      <button type="submit" class="primary">${t("save")}</button>
      <button type="button" onClick=${onCancel}>${t("cancel")}</button>
    </div>
  </form>`;
}

function errorsOf(err) {
  if (err instanceof ApiError && err.body && Array.isArray(err.body.errors)) return err.body.errors;
  if (err instanceof ApiError && Array.isArray(err.detail)) {
    return err.detail.map((e) => ({ path: (e.loc || []).filter((x) => x !== "body").join("."), message: e.msg }));
  }
  return [{ path: "", message: messageOf(err) }];
}
