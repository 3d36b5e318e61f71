// The screens' entry: who is logged in, which pages their role may open, and hash routing
// (#/screen, #/workbench, #/mobile, #/admin/…) so the server serves one page for all of them.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "leaflet/dist/leaflet.css";
import "./styles.css";
import { api, hasCsrf, setCsrf, setUnauthorizedHandler } from "./api.js";
import { html } from "./html.js";
import { fmtTime, lang, nameOf, roleName, setCaseStates, setLang, setRoles, setZone, t } from "./i18n.js";
import { LoginPage } from "./pages/login.js";
import { LangButton } from "./components/lang.js";
import { ScreenPage } from "./pages/screen.js";
import { WorkbenchPage } from "./pages/workbench.js";
import { MobilePage } from "./pages/mobile.js";
import { DevicesAdmin } from "./pages/admin_devices.js";
import { RulesAdmin } from "./pages/admin_rules.js";
import { RoutingAdmin } from "./pages/admin_routing.js";
import { UsersAdmin } from "./pages/admin_users.js";

const DESK = ["admin", "dispatcher", "duty_chief", "intake_operator", "inspector", "supervisor"];
const FIELD = ["unit_handler", "grid_worker", "service_company", "volunteer", "inspector"];

/** Each page: who may open it, and its place in the navigation. */
export const PAGES = [
  { path: "screen", label: "navScreen", roles: null, view: ScreenPage },
  { path: "workbench", label: "navWorkbench", roles: DESK, view: WorkbenchPage },
  { path: "mobile", label: "navMobile", roles: FIELD, view: MobilePage },
  { path: "admin/devices", label: "navDevices", roles: ["admin"], view: DevicesAdmin },
  { path: "admin/rules", label: "navRules", roles: ["admin"], view: RulesAdmin },
  { path: "admin/routing", label: "navRouting", roles: ["admin", "duty_chief"], view: RoutingAdmin },
  { path: "admin/users", label: "navUsers", roles: ["admin"], view: UsersAdmin },
];

const allowed = (page, me) => !page.roles || page.roles.includes(me.role);

/** Where a person lands after logging in: the page of their daily work. */
function homeOf(me) {
  if (["unit_handler", "grid_worker", "service_company", "volunteer"].includes(me.role)) return "mobile";
  if (["dispatcher", "duty_chief", "intake_operator", "inspector"].includes(me.role)) return "workbench";
  return "screen";
}

const currentPath = () => location.hash.replace(/^#\/?/, "").split("?")[0];

function App() {
  const [me, setMe] = useState(undefined); // undefined: asking; null: logged out
  const [config, setConfig] = useState(null);
  const [path, setPath] = useState(currentPath());
  const [, setLanguage] = useState(lang());

  useEffect(() => {
    const onHash = () => setPath(currentPath());
    window.addEventListener("hashchange", onHash);
    setUnauthorizedHandler(() => setMe(null));
    // No CSRF token kept: never logged in here (or logged out), so no session to ask about.
    if (hasCsrf()) api.get("/api/v1/auth/me").then(setMe, () => setMe(null));
    else setMe(null);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    if (!me) return;
    api.get("/api/v1/screen/config").then(
      (c) => {
        setZone(c.timezone);
        setCaseStates(c.case_states);
        setRoles(c.roles);
        setConfig(c);
      },
      () => setConfig({ district: null, basemap: null, severities: [] }),
    );
  }, [me]);

  const switchLang = () => {
    setLang(lang() === "en" ? "zh-CN" : "en");
    setLanguage(lang());
  };

  const logout = async () => {
    try {
      await api.post("/api/v1/auth/logout");
    } finally {
      setCsrf(null);
      setMe(null);
      location.hash = "#/login";
    }
  };

  if (me === undefined) return html`<p class="splash">${t("loading")}</p>`;
  if (me === null) {
    return html`<${LoginPage}
      onLogin=${(user) => {
        setMe(user);
        location.hash = `#/${homeOf(user)}`;
      }}
      onLang=${switchLang}
    />`;
  }
  const page = PAGES.find((p) => p.path === path) || PAGES.find((p) => p.path === homeOf(me));
  if (!PAGES.some((p) => p.path === path)) {
    location.replace(`#/${page.path}`);
  }
  const View = page.view;
  return html`
    <div class=${`shell page-${page.path.replace("/", "-")}`}>
      <${TopBar} me=${me} page=${page} onLang=${switchLang} onLogout=${logout} config=${config} />
      <main id="main" tabindex="-1">
        ${allowed(page, me)
          ? config
            ? html`<${View} me=${me} config=${config} key=${`${page.path}-${lang()}`} />`
            : html`<p class="splash">${t("loading")}</p>`
          : html`<p class="forbidden" role="alert">${t("forbidden")}</p>`}
      </main>
    </div>
  `;
}

function TopBar({ me, page, onLang, onLogout, config }) {
  const district = config && config.district;
  const links = PAGES.filter((p) => allowed(p, me));
  return html`
    <header class="topbar">
      <a class="skip" href="#main" onClick=${skipToMain}>${t("skip")}</a>
      <div class="brand">
        <strong class="brand-long">${t("app")}</strong>
        <strong class="brand-short" aria-hidden="true">${t("appShort")}</strong>
        ${district ? html`<span class="district">${nameOf(district)}</span>` : null}
      </div>
      <nav aria-label=${t("mainNav")}>
        ${links.map(
          (p) => html`<a href=${`#/${p.path}`} aria-current=${p === page ? "page" : undefined}>${t(p.label)}</a>`,
        )}
      </nav>
      <div class="who">
        <${Clock} />
        <span class="user" title=${roleName(me.role)}>${me.display_name || me.username || me.id}</span>
        <${LangButton} onLang=${onLang} />
        <button type="button" class="link" onClick=${onLogout}>${t("logout")}</button>
      </div>
    </header>
  `;
}

/** The skip link moves focus to the page (a hash link would change the route). */
function skipToMain(e) {
  e.preventDefault();
  const main = document.getElementById("main");
  if (main) main.focus();
}

function Clock() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return html`<time class="clock" aria-label=${t("now")}>${fmtTime(now, { seconds: true })}</time>`;
}

setLang(lang());
render(html`<${App} />`, document.getElementById("app"));
