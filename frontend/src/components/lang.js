// The language switch: the other language, named in itself, so the button carries that
// language's tag (a screen reader then says "English" or "中文" properly).
import { html } from "../html.js";
import { lang, t } from "../i18n.js";

export function LangButton({ onLang }) {
  return html`<button type="button" class="link" lang=${lang() === "en" ? "zh-CN" : "en"} onClick=${onLang}
    aria-label=${`${t("language")} · ${t("languageLabel")}`}>${t("language")}</button>`;
}
