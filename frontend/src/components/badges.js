// Small signs that carry meaning in text as well as colour (colour alone fails colour-blind
// operators and the contrast rules).
import { html } from "../html.js";
import { isZh, t } from "../i18n.js";

const SEVERITY_NAMES = {
  red: ["红色 Ⅰ级", "Red I"],
  orange: ["橙色 Ⅱ级", "Orange II"],
  yellow: ["黄色 Ⅲ级", "Yellow III"],
  blue: ["蓝色 Ⅳ级", "Blue IV"],
};

export function severityName(s) {
  const names = SEVERITY_NAMES[s];
  return names ? names[isZh() ? 0 : 1] : s;
}

export function SeverityBadge({ severity }) {
  return html`<span class=${`badge sev-${severity}`}>${severityName(severity)}</span>`;
}

const LIGHTS = { green: "lightGreen", yellow: "lightYellow", red: "lightRed" };

/** The deadline light of a case: 绿灯 on time, 黄灯 due soon, 红灯 overdue. */
export function Light({ light }) {
  if (!light) return null;
  return html`<span class=${`light light-${light}`} data-light=${light}>
    <span class="light-dot" aria-hidden="true"></span>${t(LIGHTS[light] || light)}
  </span>`;
}
