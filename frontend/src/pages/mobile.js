// The grid worker's and unit handler's phone page (390×844): my tasks, accept, report handled
// with a photo from the camera, and a patrol report of a new problem where they stand.
import { useEffect, useState } from "preact/hooks";
import { api, messageOf } from "../api.js";
import { html } from "../html.js";
import { fmtTime, nameOf, stateName, t } from "../i18n.js";
import { Light, SeverityBadge } from "../components/badges.js";
import { ActionForm, loadWorkflow } from "../components/caseview.js";

export function MobilePage({ me, config }) {
  const [view, setView] = useState({ kind: "list" });
  return html`<div class="mobile">
    <div class="mobile-tabs" role="tablist" aria-label=${t("navMobile")}>
      <button type="button" role="tab" aria-selected=${view.kind !== "patrol" ? "true" : "false"} onClick=${() => setView({ kind: "list" })}>${t("myTasks")}</button>
      <button type="button" role="tab" aria-selected=${view.kind === "patrol" ? "true" : "false"} onClick=${() => setView({ kind: "patrol" })}>${t("patrolReport")}</button>
    </div>
    ${view.kind === "list" ? html`<${TaskList} onOpen=${(id) => setView({ kind: "task", id })} />` : null}
    ${view.kind === "task" ? html`<${Task} id=${view.id} onBack=${() => setView({ kind: "list" })} />` : null}
    ${view.kind === "patrol" ? html`<${Patrol} me=${me} config=${config} onDone=${(id) => setView({ kind: "task", id })} />` : null}
  </div>`;
}

function TaskList({ onOpen }) {
  const [cases, setCases] = useState(null);
  const [error, setError] = useState("");
  useEffect(() => {
    const load = () =>
      api.get("/api/v1/cases", { mine: true, limit: 100 }).then(
        (p) => {
          setCases(p.items);
          setError("");
        },
        (e) => setError(messageOf(e)),
      );
    load();
    const timer = setInterval(load, 10000);
    return () => clearInterval(timer);
  }, []);
  if (error && !cases) return html`<p class="error" role="alert">${error}</p>`;
  if (!cases) return html`<p>${t("loading")}</p>`;
  if (!cases.length) return html`<p class="muted">${t("noCases")}</p>`;
  return html`<ul class="task-list" data-testid="task-list">
    ${cases.map(
      (c) => html`<li key=${c.id}>
        <button type="button" class="task" data-case=${c.number} onClick=${() => onOpen(c.id)}>
          <span class="task-top"><${SeverityBadge} severity=${c.severity} /> <${Light} light=${c.light} /></span>
          <strong>${nameOf(c, "class_name")}</strong>
          <span>${c.title}</span>
          <span class="muted">${c.number} · ${t("dueAt")} ${fmtTime(c.due_at)}</span>
        </button>
      </li>`,
    )}
  </ul>`;
}

function PhotoInput({ id, file, onFile }) {
  const [preview, setPreview] = useState(null);
  useEffect(() => {
    if (!file) return setPreview(null);
    const reader = new FileReader();
    reader.onload = () => setPreview(reader.result);
    reader.readAsDataURL(file);
  }, [file]);
  return html`<div class="photo-input">
    <label for=${id} class="button">${t("takePhoto")}</label>
    <input id=${id} class="visually-hidden" type="file" accept="image/*" capture="environment"
      onChange=${(e) => onFile(e.currentTarget.files[0] || null)} />
    ${preview ? html`<img class="preview" src=${preview} alt=${t("photo")} />` : null}
  </div>`;
}

function Task({ id, onBack }) {
  const [c, setCase] = useState(null);
  const [workflow, setWorkflow] = useState(null);
  const [note, setNote] = useState("");
  const [file, setFile] = useState(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const [other, setOther] = useState(null); // another action the person opened (return, extension…)

  const load = () => api.get(`/api/v1/cases/${encodeURIComponent(id)}`).then(setCase, (e) => setError(messageOf(e)));
  useEffect(() => {
    load();
    loadWorkflow().then(setWorkflow, (e) => setError(messageOf(e)));
  }, [id]);

  const act = async (action, extra = {}) => {
    setBusy(true);
    setError("");
    try {
      await api.post(`/api/v1/cases/${encodeURIComponent(id)}/actions`, { action, expected_version: c.version, ...extra });
      await load();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const reportHandled = async (e) => {
    e.preventDefault();
    if (!note.trim()) return setError(t("noteRequired"));
    setBusy(true);
    setError("");
    try {
      const evidence = [];
      if (file) evidence.push((await api.upload(`/api/v1/cases/${encodeURIComponent(id)}/evidence`, file)).id);
      setBusy(false);
      if (await act("report_handled", { note: note.trim(), evidence })) setMessage(t("handledSent"));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  if (!c || !workflow) {
    return html`<div class="task-detail">
      <button type="button" class="link" onClick=${onBack}>← ${t("back")}</button>
      ${error ? html`<p class="error" role="alert">${error}</p>` : html`<p>${t("loading")}</p>`}
    </div>`;
  }
  const can = (a) => (c.actions || []).includes(a);
  const others = (c.actions || []).filter((a) => a !== "accept" && a !== "report_handled");
  return html`<article class="task-detail" data-testid="task-detail" data-state=${c.state}>
    <button type="button" class="link" onClick=${onBack}>← ${t("back")}</button>
    <h2>${nameOf(c, "class_name")}</h2>
    <p><${SeverityBadge} severity=${c.severity} /> <${Light} light=${c.light} /> <span data-testid="case-state">${stateName(c.state)}</span></p>
    <p>${c.title}</p>
    ${c.description ? html`<p class="muted">${c.description}</p>` : null}
    <p class="muted">${c.number} · ${t("dueAt")} ${fmtTime(c.due_at)}</p>
    ${c.lat != null ? html`<p class="muted">${t("location")} ${c.lat.toFixed(5)}, ${c.lon.toFixed(5)}</p>` : null}
    ${message ? html`<p class="ok" role="status">${message}</p>` : null}
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${can("accept") ? html`<button type="button" class="primary big" disabled=${busy} onClick=${() => act("accept")}>${nameOf(workflow.actions.accept)}</button>` : null}
    ${can("report_handled")
      ? html`<form class="card" onSubmit=${reportHandled} aria-label=${t("reportHandled")}>
          <h3>${t("reportHandled")}</h3>
          <${PhotoInput} id="handled-photo" file=${file} onFile=${setFile} />
          <label for="handled-note">${t("note")} *</label>
          <textarea id="handled-note" rows="3" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} aria-required="true"></textarea>
          <button type="submit" class="primary big" disabled=${busy}>${t("submit")} ${t("reportHandled")}</button>
        </form>`
      : null}
    ${others.length
      ? html`<div class="row more-actions" role="group" aria-label=${t("moreActions")}>
          ${others.map(
            (a) => html`<button type="button" data-action=${a} aria-pressed=${other === a ? "true" : "false"}
              onClick=${() => setOther(other === a ? null : a)}>${nameOf(workflow.actions[a] || { code: a })}</button>`,
          )}
        </div>`
      : null}
    ${other
      ? html`<${ActionForm} key=${other} c=${c} action=${other} spec=${workflow.actions[other]} units=${[]}
          title=${nameOf(workflow.actions[other] || { code: other })}
          onDone=${() => {
            setOther(null);
            setMessage("");
            load();
          }}
          onCancel=${() => setOther(null)} />`
      : null}
  </article>`;
}

/** Random hex; getRandomValues works on plain-http intranet hosts, randomUUID does not. */
const randomHex = (bytes) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

function Patrol({ me, config, onDone }) {
  // One key per report: sent again after a dropped answer (a weak signal in the street), the
  // server returns the case this report already made instead of a second one.
  const [requestKey] = useState(() => `patrol-${randomHex(16)}`);
  const [classes, setClasses] = useState([]);
  const [code, setCode] = useState("");
  const [description, setDescription] = useState("");
  const [where, setWhere] = useState(null);
  const [locating, setLocating] = useState(true);
  const [file, setFile] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  useEffect(() => {
    api.get("/api/v1/taxonomy", { kind: "event", iot: false }).then((r) => setClasses(r.classes), (e) => setError(messageOf(e)));
    const fallback = () => {
      const centre = config.district && config.district.center;
      setWhere(centre ? { lon: centre[0], lat: centre[1], approx: true } : null);
      setLocating(false);
    };
    if (!navigator.geolocation) return fallback();
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setWhere({ lon: pos.coords.longitude, lat: pos.coords.latitude, approx: false });
        setLocating(false);
      },
      fallback,
      { enableHighAccuracy: true, timeout: 8000 },
    );
  }, []);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const cls = classes.find((x) => x.code === code);
      const evidence = file ? [(await api.upload("/api/v1/evidence", file)).id] : [];
      const created = await api.post("/api/v1/cases", {
        class_code: code,
        title: `${cls ? cls.name_zh : code}${description ? `：${description.slice(0, 40)}` : ""}`,
        description,
        lon: where ? where.lon : null,
        lat: where ? where.lat : null,
        source: "patrol",
        evidence,
      }, { "Idempotency-Key": requestKey });
      onDone(created.id);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return html`<form class="card patrol" onSubmit=${submit} aria-label=${t("patrolReport")}>
    <h2>${t("patrolReport")}</h2>
    <label for="patrol-class">${t("class")}</label>
    <select id="patrol-class" value=${code} onChange=${(e) => setCode(e.currentTarget.value)} required>
      <option value="">—</option>
      ${classes.map((c) => html`<option value=${c.code}>${nameOf(c, "major_name")} / ${nameOf(c)}</option>`)}
    </select>
    <label for="patrol-desc">${t("description")}</label>
    <textarea id="patrol-desc" rows="3" value=${description} onInput=${(e) => setDescription(e.currentTarget.value)}></textarea>
    <p class="muted" data-testid="patrol-location">${`${t("location")}: `}${locating ? t("locating") : where ? `${where.lat.toFixed(5)}, ${where.lon.toFixed(5)}${where.approx ? ` (${t("locationUnavailable")})` : ""}` : "—"}</p>
    <${PhotoInput} id="patrol-photo" file=${file} onFile=${setFile} />
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <button type="submit" class="primary big" disabled=${busy || locating}>${t("submit")}</button>
  </form>`;
}
