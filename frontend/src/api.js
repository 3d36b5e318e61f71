// One way to talk to the server: same-origin fetch with the session cookie, the CSRF token on
// every change, and errors turned into messages a person can read.

const CSRF_KEY = "cityops.csrf";

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
    this.body = body;
  }
}

let onUnauthorized = () => {};

/** Called when the session has ended, so the app can show the login page. */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export const hasCsrf = () => !!localStorage.getItem(CSRF_KEY);

export function setCsrf(token) {
  if (token) localStorage.setItem(CSRF_KEY, token);
  else localStorage.removeItem(CSRF_KEY);
}

async function request(method, path, body, { form = false, extra = {} } = {}) {
  const headers = { Accept: "application/json", ...extra };
  if (method !== "GET") headers["X-CSRF-Token"] = localStorage.getItem(CSRF_KEY) || "";
  let payload;
  if (form) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  const data = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) {
    if (res.status === 401 && !path.endsWith("/auth/login")) {
      setCsrf(null);
      onUnauthorized();
    }
    throw new ApiError(res.status, data && data.detail !== undefined ? data.detail : data, data);
  }
  return data;
}

export const api = {
  get: (path, params) => request("GET", params ? `${path}?${query(params)}` : path),
  post: (path, body, extra) => request("POST", path, body, { extra }),
  put: (path, body) => request("PUT", path, body),
  patch: (path, body) => request("PATCH", path, body),
  del: (path) => request("DELETE", path),
  upload: (path, file) => {
    const data = new FormData();
    data.append("file", file);
    return request("POST", path, data, { form: true });
  },
};

/** Query strings with repeated keys for arrays (`state=a&state=b`), empty values left out. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) q.append(key, String(v));
  }
  return q.toString();
}

/** A readable message from an API error (FastAPI's 422 lists point at fields). */
export function messageOf(err) {
  if (!(err instanceof ApiError)) return String(err && err.message ? err.message : err);
  const d = err.detail;
  if (Array.isArray(d)) {
    return d.map((e) => `${(e.loc || []).filter((x) => x !== "body").join(".")}: ${e.msg}`).join("; ");
  }
  if (d && typeof d === "object" && Array.isArray(d.errors)) {
    return d.errors.map((e) => (typeof e === "string" ? e : `${e.path || e.loc || ""}: ${e.message || e.msg}`)).join("; ");
  }
  return typeof d === "string" ? d : JSON.stringify(d);
}

/** Live events over SSE; EventSource reconnects by itself and resends Last-Event-ID. */
export function subscribeEvents(onEvent, onState) {
  const source = new EventSource("/api/v1/events/stream", { withCredentials: true });
  source.addEventListener("event", (msg) => onEvent(JSON.parse(msg.data)));
  source.onopen = () => onState && onState(true);
  source.onerror = () => onState && onState(false);
  return () => source.close();
}
