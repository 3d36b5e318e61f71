// Login: a browser session (httpOnly cookie) plus the CSRF token the app sends on changes.
import { useState } from "preact/hooks";
import { api, ApiError, messageOf, setCsrf } from "../api.js";
import { html } from "../html.js";
import { t } from "../i18n.js";
import { LangButton } from "../components/lang.js";

export function LoginPage({ onLogin, onLang }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const answer = await api.post("/api/v1/auth/login", { username, password, session: true });
      setCsrf(answer.csrf_token);
      onLogin(answer.user);
    } catch (err) {
      // 401 is the one answer a person needs in their own words; others as the server says.
      setError(err instanceof ApiError && err.status === 401 ? t("wrongLogin") : `${t("loginFailed")}: ${messageOf(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <main class="login">
      <form class="card login-card" onSubmit=${submit} aria-labelledby="login-title">
        <h1 id="login-title">CityOps ${t("app")}</h1>
        <label for="login-username">${t("username")}</label>
        <input id="login-username" name="username" autocomplete="username" required autofocus
          value=${username} onInput=${(e) => setUsername(e.currentTarget.value)} />
        <label for="login-password">${t("password")}</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required
          value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} />
        ${error ? html`<p class="error" role="alert">${error}</p>` : null}
        <button type="submit" class="primary" disabled=${busy}>${busy ? t("loggingIn") : t("login")}</button>
        <${LangButton} onLang=${onLang} />
      </form>
    </main>
  `;
}
