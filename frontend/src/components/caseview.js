// One case as every desk sees it: facts, deadline light, the actions the viewer may take now
// (the server decides which), the timeline and the evidence photos.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, messageOf } from "../api.js";
import { html } from "../html.js";
import { channelName, eventTitle, fmtTime, nameOf, sourceName, stateName, t } from "../i18n.js";
import { useAreaNames } from "../areas.js";
import { Light, SeverityBadge } from "./badges.js";

let workflowCache = null;
let unitsCache = null;

export async function loadWorkflow() {
  workflowCache = workflowCache || (await api.get("/api/v1/workflow"));
  return workflowCache;
}

export async function loadUnits() {
  unitsCache = unitsCache || (await api.get("/api/v1/units"));
  return unitsCache;
}

/** Actions whose button is the main one on a desk, drawn first and highlighted. */
const PRIMARY = new Set(["file", "dispatch", "accept", "report_handled", "verify_pass", "approve_extension"]);
const CLOSED_OUT = new Set(["rejected", "closed", "evaluated", "void"]);
const DANGER = new Set(["reject", "void", "verify_fail", "refuse_extension", "return"]);

export function CaseView({ caseId, onChanged, compact = false }) {
  const [c, setCase] = useState(null);
  const [error, setError] = useState("");
  const [workflow, setWorkflow] = useState(null);
  const [units, setUnits] = useState([]);
  const [action, setAction] = useState(null);

  const areaName = useAreaNames();
  const shown = useRef(caseId);
  shown.current = caseId;

  // An answer for a case no longer shown (the person clicked on) is dropped.
  const load = () => {
    const id = caseId;
    return api.get(`/api/v1/cases/${encodeURIComponent(id)}`).then(
      (found) => {
        if (shown.current !== id) return;
        setCase(found);
        setError("");
      },
      (e) => shown.current === id && setError(messageOf(e)),
    );
  };

  useEffect(() => {
    setCase(null);
    setAction(null);
    setError("");
    load();
    loadWorkflow().then(setWorkflow, (e) => setError(messageOf(e)));
    loadUnits().then(setUnits, () => {});
  }, [caseId]);

  if (error && !c) return html`<p class="error" role="alert">${error}</p>`;
  if (!c || !workflow) return html`<p>${t("loading")}</p>`;
  const actionName = (a) => nameOf(workflow.actions[a] || { code: a });
  const unit = units.find((u) => u.code === c.unit);
  const ordered = [...(c.actions || [])].sort((a, b) => Number(PRIMARY.has(b)) - Number(PRIMARY.has(a)));
  return html`<article class="case" data-testid="case-detail" data-state=${c.state} aria-labelledby="case-title">
    <header class="case-head">
      <h2 id="case-title">${c.number} · ${nameOf(c, "class_name")}</h2>
      <${SeverityBadge} severity=${c.severity} />
      <span class="state" data-testid="case-state">${stateName(c.state)}</span>
      <${Light} light=${c.light} />
    </header>
    <p class="case-title">${c.title}</p>
    ${c.description ? html`<p class="case-desc">${c.description}</p>` : null}
    <dl class="facts">
      <dt>${t("source")}</dt><dd>${sourceName(c.source)}</dd>
      <dt>${t("grid")}</dt><dd>${c.grid_code ? areaName(c.grid_code) : "—"}</dd>
      <dt>${t("unit")}</dt><dd>${unit ? nameOf(unit) : c.unit || "—"}</dd>
      <dt>${t("dueAt")}</dt><dd>${fmtTime(c.due_at)}</dd>
      ${c.pending_extension_s ? html`<dt>${t("queueExtension")}</dt><dd>${Math.round(c.pending_extension_s / 3600)} h</dd>` : null}
      ${c.suggestion
        ? html`<dt>${t("suggestion")}</dt><dd>${nameOf(units.find((u) => u.code === c.suggestion.unit)) || c.suggestion.unit} · ${channelName(c.suggestion.channel)}</dd>`
        : null}
    </dl>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="case-actions" role="group" aria-label=${t("actions")}>
      ${ordered.map(
        (a) => html`<button type="button" data-action=${a}
          class=${PRIMARY.has(a) ? "primary" : DANGER.has(a) ? "danger" : ""}
          aria-pressed=${action === a ? "true" : "false"}
          onClick=${() => setAction(a)}>${actionName(a)}</button>`,
      )}
    </div>
    ${action
      ? html`<${ActionForm} key=${action} c=${c} action=${action} spec=${workflow.actions[action]} units=${units}
          title=${actionName(action)}
          onDone=${(updated) => {
            setAction(null);
            load();
            onChanged && onChanged(updated);
          }}
          onCancel=${() => setAction(null)} />`
      : null}
    ${c.evidence && c.evidence.length
      ? html`<section aria-label=${t("evidence")}>
          <h3>${t("evidence")}</h3>
          <div class="photos">${(c.evidence_items || c.evidence.map((id) => ({ id, url: `/api/v1/evidence/${id}`, image: true }))).map(
            (e) => e.image
              ? html`<a href=${e.url} target="_blank" rel="noopener"><img src=${e.url} alt=${`${t("evidence")} ${e.id}`} loading="lazy" /></a>`
              : html`<a class="evidence-link" href=${e.url} target="_blank" rel="noopener noreferrer">${t("externalEvidence")} ↗</a>`,
          )}</div>
        </section>`
      : null}
    ${compact ? null : html`<${Timeline} trail=${c.timeline || []} workflow=${workflow} units=${units} />`}
  </article>`;
}

function Timeline({ trail, workflow, units }) {
  const unitName = (code) => nameOf(units.find((u) => u.code === code)) || code;
  return html`<section aria-label=${t("timeline")}>
    <h3>${t("timeline")}</h3>
    <ol class="timeline" data-testid="timeline">
      ${trail.map((step) => {
        const role = workflow.roles[step.actor.role];
        const unit = units.find((u) => u.code === (step.data && step.data.unit));
        return html`<li>
          <time>${fmtTime(step.ts, { seconds: true })}</time>
          <strong>${nameOf(workflow.actions[step.action] || { code: step.action })}</strong>
          <span class="muted">${role ? nameOf(role) : step.actor.role}${step.actor.unit ? ` · ${unitName(step.actor.unit)}` : ""}</span>
          ${unit ? html`<span>→ ${nameOf(unit)}</span>` : null}
          ${step.note ? html`<p>${step.note}</p>` : null}
          ${step.data && step.data.evidence && step.data.evidence.length
            ? html`<div class="photos">${step.data.evidence.map(
                (id) => html`<img src=${`/api/v1/evidence/${id}`} alt=${`${t("evidence")} ${id}`} loading="lazy" />`,
              )}</div>`
            : null}
        </li>`;
      })}
    </ol>
  </section>`;
}

export function ActionForm({ c, action, spec, units, title, onDone, onCancel }) {
  const needs = new Set((spec && spec.requires) || []);
  const wantsUnit = action === "dispatch" || action === "redispatch";
  const wantsTarget = action === "merge";
  const wantsEvent = action === "attach_event";
  const [note, setNote] = useState("");
  const [target, setTarget] = useState("");
  const [eventId, setEventId] = useState("");
  const [choices, setChoices] = useState([]);
  const [unit, setUnit] = useState(c.unit && action === "redispatch" ? "" : c.suggested_unit || (c.suggestion && c.suggestion.unit) || "");
  const [score, setScore] = useState("5");
  const [extension, setExtension] = useState("1d");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  // Merge and attach need the other case or event: the open ones of the same class to pick from.
  useEffect(() => {
    const same = { class: c.class_code, limit: 200 };
    if (wantsTarget) {
      api.get("/api/v1/cases", same).then(
        (p) => setChoices(p.items.filter((x) => x.id !== c.id && !CLOSED_OUT.has(x.state))),
        (err) => setError(messageOf(err)),
      );
    } else if (wantsEvent) {
      api.get("/api/v1/events", { ...same, status: ["active", "acknowledged"] }).then(
        (p) => setChoices(p.items.filter((x) => !(c.event_ids || []).includes(x.id))),
        (err) => setError(messageOf(err)),
      );
    }
  }, [action]);

  const submit = async (e) => {
    e.preventDefault();
    if (needs.has("note") && !note.trim()) {
      setError(t("noteRequired"));
      return;
    }
    const body = { action, expected_version: c.version };
    if (note.trim()) body.note = note.trim();
    if (wantsUnit && unit) body.unit = unit;
    if (wantsTarget) body.target = target;
    if (wantsEvent) body.event_id = eventId;
    if (needs.has("score")) body.score = Number(score);
    if (needs.has("extension")) body.extension = extension;
    setBusy(true);
    setError("");
    try {
      onDone(await api.post(`/api/v1/cases/${encodeURIComponent(c.id)}/actions`, body));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const unitChoices = units.filter((u) => u.kind !== "centre");
  return html`<form class="action-form card" onSubmit=${submit} aria-label=${title} data-testid="action-form">
    <h3>${title}</h3>
    ${wantsUnit
      ? html`<label for="act-unit">${t("dispatchTo")}</label>
        <select id="act-unit" value=${unit} onChange=${(e) => setUnit(e.currentTarget.value)} required>
          <option value="">${t("chooseUnit")}</option>
          ${unitChoices.map(
            (u) => html`<option value=${u.code}>${nameOf(u)}${u.code === c.suggested_unit ? ` ★ ${t("suggestion")}` : ""}</option>`,
          )}
        </select>`
      : null}
    ${wantsTarget
      ? html`<label for="act-target">${t("mergeTarget")}</label>
        <select id="act-target" value=${target} onChange=${(e) => setTarget(e.currentTarget.value)} required>
          <option value="">${t("chooseCase")}</option>
          ${choices.map((x) => html`<option value=${x.id}>${x.number} · ${stateName(x.state)} · ${x.title}</option>`)}
        </select>`
      : null}
    ${wantsEvent
      ? html`<label for="act-event">${t("attachEvent")}</label>
        <select id="act-event" value=${eventId} onChange=${(e) => setEventId(e.currentTarget.value)} required>
          <option value="">${t("chooseEvent")}</option>
          ${choices.map((x) => html`<option value=${x.id}>${fmtTime(x.first_seen)} · ${eventTitle(x)}</option>`)}
        </select>`
      : null}
    ${needs.has("score")
      ? html`<label for="act-score">${t("score")}</label>
        <select id="act-score" value=${score} onChange=${(e) => setScore(e.currentTarget.value)}>
          ${[5, 4, 3, 2, 1].map((s) => html`<option value=${s}>${s}</option>`)}
        </select>`
      : null}
    ${needs.has("extension")
      ? html`<label for="act-ext">${t("extension")}</label>
        <input id="act-ext" value=${extension} onInput=${(e) => setExtension(e.currentTarget.value)} pattern="[0-9]+[hd]" required
          aria-describedby="act-ext-hint" />
        <span id="act-ext-hint" class="muted">${t("extensionHint")}</span>`
      : null}
    <label for="act-note">${t("note")}${needs.has("note") ? " *" : ""}</label>
    <textarea id="act-note" rows="3" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} aria-required=${needs.has("note") ? "true" : "false"}></textarea>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="row">
      <button type="submit" class="primary" disabled=${busy}>${t("confirm")} ${title}</button>
      <button type="button" onClick=${onCancel}>${t("cancel")}</button>
    </div>
  </form>`;
}
