// 案卷工作台: the desk of the intake operator, dispatcher, duty chief and inspector. Queues by
// stage, each case with its deadline light; the case on the right with the actions allowed now.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, messageOf } from "../api.js";
import { html } from "../html.js";
import { fmtTime, nameOf, t } from "../i18n.js";
import { Light, SeverityBadge } from "../components/badges.js";
import { CaseView } from "../components/caseview.js";

const QUEUES = [
  { id: "intake", label: "queueIntake", state: ["reported"], roles: ["intake_operator", "duty_chief", "admin"] },
  { id: "dispatch", label: "queueDispatch", state: ["filed"], roles: ["dispatcher", "duty_chief", "admin"] },
  { id: "handling", label: "queueHandling", state: ["dispatched", "handling"], roles: null },
  { id: "extension", label: "queueExtension", state: ["dispatched", "handling"], pending: true, roles: ["duty_chief", "admin"] },
  { id: "verify", label: "queueVerify", state: ["handled"], roles: ["inspector", "duty_chief", "admin"] },
  { id: "all", label: "queueAll", state: [], roles: null },
];

const FIRST = { intake_operator: "intake", dispatcher: "dispatch", inspector: "verify", duty_chief: "dispatch" };

export function WorkbenchPage({ me }) {
  const queues = QUEUES.filter((q) => !q.roles || q.roles.includes(me.role));
  const [queue, setQueue] = useState(FIRST[me.role] || queues[0].id);
  const [cases, setCases] = useState(null);
  const [selected, setSelected] = useState(null);
  const [error, setError] = useState("");
  const current = queues.find((q) => q.id === queue) || queues[0];
  const shown = useRef(current.id);
  shown.current = current.id;

  // A late answer for the queue left a moment ago must not fill the one now open.
  const load = () => {
    const q = current;
    return api.get("/api/v1/cases", { state: q.state, limit: 200 }).then(
      (page) => {
        if (shown.current !== q.id) return;
        setCases(q.pending ? page.items.filter((c) => c.pending_extension_s) : page.items);
        setError("");
      },
      (e) => shown.current === q.id && setError(messageOf(e)),
    );
  };

  useEffect(() => {
    setCases(null);
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [queue]);

  return html`<div class="workbench">
    <section class="queue" aria-label=${t("queue")}>
      <div class="tabs" role="tablist" aria-label=${t("queue")}>
        ${queues.map(
          (q) => html`<button type="button" role="tab" id=${`tab-${q.id}`} aria-selected=${q.id === current.id ? "true" : "false"}
            onClick=${() => setQueue(q.id)}>${t(q.label)}</button>`,
        )}
      </div>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      ${cases === null ? html`<p>${t("loading")}</p>` : null}
      ${cases && cases.length === 0 ? html`<p class="muted">${t("noCases")}</p>` : null}
      <ul class="case-list" role="tabpanel" aria-labelledby=${`tab-${current.id}`} data-testid="case-list">
        ${(cases || []).map(
          (c) => html`<li key=${c.id}>
            <button type="button" class=${`case-row ${selected === c.id ? "selected" : ""}`} aria-current=${selected === c.id ? "true" : undefined}
              data-case=${c.number} onClick=${() => setSelected(c.id)}>
              <span class="case-row-top"><strong>${c.number}</strong> <${SeverityBadge} severity=${c.severity} /> <${Light} light=${c.light} /></span>
              <span class="case-row-class">${nameOf(c, "class_name")}</span>
              <span class="case-row-title">${c.title}</span>
              <span class="muted">${t("dueAt")} ${fmtTime(c.due_at)}</span>
            </button>
          </li>`,
        )}
      </ul>
    </section>
    <section class="case-pane">
      ${selected ? html`<${CaseView} caseId=${selected} onChanged=${load} />` : html`<p class="muted">${t("selectCase")}</p>`}
    </section>
  </div>`;
}
