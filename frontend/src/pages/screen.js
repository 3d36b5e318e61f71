// 一屏观天下: the operations screen for the wall (1920×1080) and the desk. The map, the live
// tiles and the event feed update from the SSE stream within seconds; figures refresh on a
// short poll so a missed message never leaves a tile stale for long.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, messageOf, subscribeEvents } from "../api.js";
import { Chart, SEVERITIES, SEVERITY_COLORS } from "../charts.js";
import { html } from "../html.js";
import { eventStatusName, eventTitle, fmtNumber, fmtPercent, fmtTime, nameOf, sourceName, t } from "../i18n.js";
import { useAreaNames } from "../areas.js";
import { DistrictMap } from "../map.js";
import { SeverityBadge, severityName } from "../components/badges.js";
import { TelemetryPanel } from "../components/telemetry.js";

const OVERVIEW_EVERY_MS = 5000;
const DEVICES_EVERY_MS = 30000;
const FEED_MAX = 200;
const DEVICE_POINTS = 20000; // more in view: per-grid counts (CITYOPS_MAP_DEVICE_POINTS)

const toObjects = ({ fields, rows }) =>
  rows.map((row) => Object.fromEntries(fields.map((f, i) => [f, row[i]])));

const byGrid = ({ rows }) =>
  Object.fromEntries(rows.map(([grid, total, online, offline, never]) => [grid, { total, online, offline, never_seen: never }]));

const ACKNOWLEDGERS = ["admin", "duty_chief", "intake_operator", "dispatcher"];

export function ScreenPage({ me, config }) {
  const [overview, setOverview] = useState(null);
  const [grids, setGrids] = useState(null);
  const [devices, setDevices] = useState([]);
  const [devicesTotal, setDevicesTotal] = useState(null); // set when too many to draw
  const [gridStats, setGridStats] = useState(null);
  const view = useRef(null);
  const loadDevicesRef = useRef(() => {});
  const [events, setEvents] = useState([]);
  const [feed, setFeed] = useState([]);
  const [liveOk, setLiveOk] = useState(false);
  const [device, setDevice] = useState(null);
  const [picked, setPicked] = useState(null);
  const refreshSoon = useRef(null);

  const loadOverview = () => api.get("/api/v1/screen/overview").then(setOverview, () => {});

  useEffect(() => {
    loadOverview();
    api.get("/api/v1/grids", { level: "grid" }).then(setGrids, () => {});
    let asked = 0; // the map moves faster than answers come: only the latest answer counts
    const loadDevices = () => {
      const mine = ++asked;
      return api.get("/api/v1/screen/devices", { bbox: view.current, limit: config.map_device_points || DEVICE_POINTS }).then((d) => {
        if (mine !== asked) return;
        setDevices(d.truncated ? [] : toObjects(d));
        setDevicesTotal(d.truncated ? d.total : null);
      }, () => {});
    };
    const loadGrids = () => api.get("/api/v1/screen/grids").then((g) => setGridStats(byGrid(g)), () => {});
    loadDevicesRef.current = loadDevices;
    loadDevices();
    loadGrids();
    const loadEvents = () =>
      api.get("/api/v1/events", { status: ["active", "acknowledged"], limit: 1000 }).then(
        (page) => {
          setEvents(page.items);
          setFeed((feed) => (feed.length ? feed : page.items.slice(0, 30)));
        },
        () => {},
      );
    loadEvents();
    let wasDown = false;
    const timers = [
      setInterval(loadOverview, OVERVIEW_EVERY_MS),
      setInterval(loadDevices, DEVICES_EVERY_MS),
      setInterval(loadGrids, DEVICES_EVERY_MS),
    ];
    const stop = subscribeEvents((e) => {
      setEvents((list) => {
        const rest = list.filter((x) => x.id !== e.id);
        return e.status === "cleared" ? rest : [e, ...rest];
      });
      setFeed((list) => [e, ...list.filter((x) => x.id !== e.id)].slice(0, FEED_MAX));
      clearTimeout(refreshSoon.current);
      refreshSoon.current = setTimeout(loadOverview, 500);
    }, (up) => {
      setLiveOk(up);
      // Back after a drop: what changed meanwhile never reached us; read the list again.
      if (up && wasDown) loadEvents();
      wasDown = !up;
    });
    return () => {
      timers.forEach(clearInterval);
      clearTimeout(refreshSoon.current);
      stop();
    };
  }, []);

  return html`
    <div class="screen">
      <section class="screen-left" aria-label=${t("kpis")}>
        <${Tiles} overview=${overview} />
        <${CaseStates} overview=${overview} config=${config} />
      </section>
      <section class="screen-centre">
        <${DistrictMap}
          config=${config}
          grids=${grids}
          devices=${devices}
          events=${events}
          gridStats=${gridStats}
          aggregate=${devicesTotal !== null}
          onView=${(bbox) => {
            view.current = bbox;
            loadDevicesRef.current();
          }}
          onDevice=${(d) => {
            setDevice(d);
            setPicked(null);
          }}
          onEvent=${(e) => {
            setPicked(e);
            if (e.device_id) setDevice({ id: e.device_id });
          }}
          onGrid=${(g) => setPicked({ grid: g })}
        />
        ${devicesTotal !== null
          ? html`<p class="map-note" role="status">${t("devices")} ${fmtNumber(devicesTotal)} · ${t("zoomIn")}</p>`
          : null}
        <div class="screen-bottom">
          ${picked
            ? html`<${Picked} key=${picked.grid ? `grid-${picked.grid.code}` : picked.id} picked=${picked} devices=${devices} events=${events}
                canAck=${ACKNOWLEDGERS.includes(me.role)} onClose=${() => setPicked(null)}
                onAcked=${(e) => setPicked(e)} />`
            : null}
          <${TelemetryPanel} device=${device} />
        </div>
      </section>
      <section class="screen-right">
        <${EventFeed} feed=${feed} live=${liveOk} onPick=${(e) => {
          setPicked(e);
          if (e.device_id) setDevice({ id: e.device_id });
        }} />
        <${EventsByClass} overview=${overview} />
      </section>
    </div>
  `;
}

function Tile({ label, value, sub, testid, tone }) {
  return html`<div class=${`tile ${tone || ""}`} data-testid=${testid}>
    <span class="tile-label">${label}</span>
    <span class="tile-value" aria-live="polite">${value}</span>
    ${sub ? html`<span class="tile-sub">${sub}</span>` : null}
  </div>`;
}

function Tiles({ overview: o }) {
  if (!o) return html`<div class="tiles"><p>${t("loading")}</p></div>`;
  const sev = o.events.by_severity || {};
  return html`<div class="tiles">
    <${Tile} testid="kpi-online" label=${t("devicesOnline")} value=${fmtPercent(o.devices.online_rate)}
      sub=${`${t("online")} ${fmtNumber(o.devices.online)} / ${fmtNumber(o.devices.total)}`} />
    <${Tile} testid="kpi-readings" label=${t("readingsPerMinute")} value=${fmtNumber(o.readings.last_minute)}
      sub=${`${t("lastHour")} ${fmtNumber(o.readings.last_hour)}`} />
    <${Tile} testid="kpi-events" label=${t("activeEvents")} value=${fmtNumber(o.events.active)}
      tone=${sev.red ? "alert" : ""}
      sub=${html`<span class="sev-row">${SEVERITIES.map(
        (s) => html`<span class=${`sev-chip sev-${s}`} title=${severityName(s)}><span class="visually-hidden">${severityName(s)} </span>${fmtNumber(sev[s] || 0)}</span>`,
      )}</span>`} />
    <${Tile} testid="kpi-cases" label=${t("openCases")} value=${fmtNumber(o.cases.open)}
      sub=${`${t("overdue")} ${fmtNumber(o.cases.overdue)}`} tone=${o.cases.overdue ? "warn" : ""} />
    <${Tile} testid="kpi-ontime" label=${t("onTimeRate")} value=${fmtPercent(o.today.on_time_rate)}
      sub=${`${t("closedToday")} ${fmtNumber(o.today.closed)} · ${t("reportedToday")} ${fmtNumber(o.today.reported)}`} />
  </div>`;
}

function CaseStates({ overview, config }) {
  const states = (config && config.case_states) || [];
  const counts = (overview && overview.cases.by_state) || {};
  const max = Math.max(1, ...Object.values(counts));
  return html`<div class="card">
    <h2>${t("casesByState")}</h2>
    <ul class="bars" data-testid="cases-by-state">
      ${states.map(
        (s) => html`<li>
          <span class="bar-label">${nameOf(s)}</span>
          <span class="bar"><span class="bar-fill" style=${{ width: `${(100 * (counts[s.code] || 0)) / max}%` }}></span></span>
          <span class="bar-value" data-state=${s.code}>${fmtNumber(counts[s.code] || 0)}</span>
        </li>`,
      )}
    </ul>
  </div>`;
}

function EventFeed({ feed, live, onPick }) {
  return html`<div class="card feed">
    <h2>${t("eventFeed")} <span class=${`live ${live ? "on" : "off"}`}>${live ? t("live") : t("reconnecting")}</span></h2>
    ${feed.length === 0 ? html`<p class="muted">${t("noEvents")}</p>` : null}
    <ol class="feed-list" aria-live="polite" data-testid="event-feed">
      ${feed.map(
        (e) => html`<li key=${e.id} class=${`feed-item sev-${e.severity} status-${e.status}`}>
          <button type="button" class="feed-button" onClick=${() => onPick(e)}>
            <${SeverityBadge} severity=${e.severity} />
            <span class="feed-class">${nameOf(e, "class_name")}</span>
            <span class="feed-title">${eventTitle(e)}</span>
            <time>${fmtTime(e.last_seen, { date: false, seconds: true })}</time>
          </button>
        </li>`,
      )}
    </ol>
  </div>`;
}

function EventsByClass({ overview }) {
  const classes = (overview && overview.events.by_class) || [];
  const option = useMemo(() => {
    const top = classes.slice(0, 10).reverse();
    return {
      backgroundColor: "transparent",
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: top.map((c) => nameOf(c)), axisLabel: { fontSize: 14 } },
      series: SEVERITIES.map((s) => ({
        name: severityName(s),
        type: "bar",
        stack: "sev",
        itemStyle: { color: SEVERITY_COLORS[s] },
        data: top.map((c) => (c.by_severity || {})[s] || 0),
      })),
    };
  }, [overview]);
  return html`<div class="card">
    <h2>${t("eventsByClass")}</h2>
    ${classes.length ? html`<${Chart} option=${option} label=${t("eventsByClass")} className="chart chart-small" />` : html`<p class="muted">${t("noEvents")}</p>`}
  </div>`;
}

function Picked({ picked, devices, events, canAck, onClose, onAcked }) {
  const [error, setError] = useState("");
  const areaName = useAreaNames();
  if (picked.grid) {
    const g = picked.grid;
    const inGrid = (x) => (x.grid || x.grid_code) === g.code;
    const here = devices.filter(inGrid);
    const offline = here.filter((d) => d.status !== "online").length;
    return html`<div class="card picked" role="dialog" aria-label=${t("details")} data-testid="grid-detail">
      <h2>${t("grid")} ${nameOf(g)}</h2>
      <dl>
        <dt>${t("code")}</dt><dd>${g.code}</dd>
        <dt>${t("devices")}</dt><dd>${here.length} (${t("offline")} ${offline})</dd>
        <dt>${t("activeEvents")}</dt><dd>${events.filter(inGrid).length}</dd>
      </dl>
      <button type="button" onClick=${onClose}>${t("close")}</button>
    </div>`;
  }
  const e = events.find((x) => x.id === picked.id) || picked; // kept current by the live feed
  const ack = () =>
    api.post(`/api/v1/events/${encodeURIComponent(e.id)}/ack`, {}).then(
      (acked) => {
        setError("");
        onAcked(acked);
      },
      (err) => setError(messageOf(err)),
    );
  return html`<div class="card picked" role="dialog" aria-label=${t("details")} data-testid="event-detail">
    <h2><${SeverityBadge} severity=${e.severity} /> ${nameOf(e, "class_name")}</h2>
    <p class="picked-title">${eventTitle(e)}</p>
    <dl>
      <dt>${t("source")}</dt><dd>${sourceName(e.source)}</dd>
      <dt>${t("grid")}</dt><dd>${e.grid_code ? areaName(e.grid_code) : "—"}</dd>
      <dt>${t("firstSeen")}</dt><dd>${fmtTime(e.first_seen)}</dd>
      <dt>${t("lastSeen")}</dt><dd>${fmtTime(e.last_seen)}</dd>
      <dt>${t("count")}</dt><dd>${e.count}</dd>
      <dt>${t("status")}</dt><dd>${eventStatusName(e.status)}</dd>
    </dl>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="row">
      ${canAck && e.status === "active" ? html`<button type="button" class="primary" onClick=${ack}>${t("acknowledge")}</button>` : null}
      <button type="button" onClick=${onClose}>${t("close")}</button>
    </div>
  </div>`;
}
