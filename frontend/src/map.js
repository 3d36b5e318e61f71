// The district map: our own vector layers (grids, devices, events) drawn by Leaflet on canvas,
// with no basemap unless the city configures its own tile server (isolated networks have none).
import L from "leaflet";
import { useEffect, useRef } from "preact/hooks";
import { html } from "./html.js";
import { SEVERITY_COLORS } from "./charts.js";
import { eventTitle, nameOf, t } from "./i18n.js";

const STATUS_COLORS = { online: "#3ddc84", offline: "#9aa5b1", never_seen: "#5b6673" };
const LOAD_COLORS = ["rgba(64,128,255,0.08)", "#f5c40055", "#ff7a0066", "#e0202077"];

/** A grid's shade by its worst open event: none, yellow-ish, orange, red. */
function gridFill(worst) {
  return { blue: LOAD_COLORS[0], yellow: LOAD_COLORS[1], orange: LOAD_COLORS[2], red: LOAD_COLORS[3] }[worst] || LOAD_COLORS[0];
}

const RANK = { blue: 1, yellow: 2, orange: 3, red: 4 };

/** Offline share → colour of a grid's aggregate circle (green all online … grey all offline). */
function shareColor(stats) {
  const share = stats.total ? stats.online / stats.total : 0;
  return share >= 0.95 ? STATUS_COLORS.online : share >= 0.8 ? "#f5c400" : "#ff7a00";
}

export function DistrictMap({
  config,
  grids,
  devices,
  events,
  gridStats,
  aggregate = false,
  onDevice,
  onEvent,
  onGrid,
  onView,
  className = "map",
}) {
  const box = useRef(null);
  const state = useRef({});

  useEffect(() => {
    const map = L.map(box.current, { preferCanvas: true, zoomSnap: 0.25, attributionControl: false });
    map.getContainer().setAttribute("aria-label", t("map"));
    const basemap = config && config.basemap;
    if (basemap && basemap.url) {
      L.tileLayer(basemap.url, { maxZoom: basemap.max_zoom || 18, attribution: basemap.attribution || "" }).addTo(map);
      L.control.attribution({ prefix: false }).addTo(map);
    }
    const renderer = L.canvas({ padding: 0.2 });
    const layers = {
      grids: L.geoJSON(null, { renderer }).addTo(map),
      devices: L.layerGroup().addTo(map),
      events: L.layerGroup().addTo(map),
    };
    let viewTimer = null;
    const reportView = () => {
      clearTimeout(viewTimer);
      viewTimer = setTimeout(() => {
        const b = map.getBounds().pad(0.1);
        onView && onView([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6)).join(","));
      }, 300);
    };
    map.on("moveend", reportView);
    L.control
      .layers(null, { [t("grids")]: layers.grids, [t("devices")]: layers.devices, [t("events")]: layers.events }, { collapsed: false })
      .addTo(map);
    // The whole district in view until the person moves or zooms the map themselves.
    let fitting = false;
    let auto = true;
    const fit = (bounds) => {
      state.current.bounds = bounds;
      fitting = true;
      map.fitBounds(bounds, { animate: false });
      fitting = false;
    };
    map.on("zoomstart dragstart", () => {
      if (!fitting) auto = false;
    });
    const bbox = config && config.district && config.district.bbox;
    state.current = { map, layers, renderer, fitted: !!bbox, centres: {}, fit, bounds: null };
    if (bbox) fit([[bbox[1], bbox[0]], [bbox[3], bbox[2]]]);
    else map.setView([30.0, 120.0], 12);
    reportView();
    // The box changes size as panels around it open and close (the picked event, the
    // telemetry chart): Leaflet must be told, or it draws for the old size and cuts the map.
    let gone = false;
    const resized = new ResizeObserver(() => {
      if (gone) return;
      map.invalidateSize({ pan: false });
      if (auto && state.current.bounds) fit(state.current.bounds);
    });
    resized.observe(box.current);
    return () => {
      gone = true;
      resized.disconnect();
      clearTimeout(viewTimer);
      map.remove();
    };
  }, []);

  // Grids, shaded by the worst open event in each.
  useEffect(() => {
    const { layers, fitted, fit } = state.current;
    if (!grids) return;
    const worst = {};
    for (const e of events || []) {
      if (!e.grid_code) continue;
      if ((RANK[e.severity] || 0) > (RANK[worst[e.grid_code]] || 0)) worst[e.grid_code] = e.severity;
    }
    layers.grids.clearLayers();
    layers.grids.options.style = (f) => ({
      color: "#4fa3ff",
      weight: 1,
      fillColor: gridFill(worst[f.properties.code]),
      fillOpacity: 1,
    });
    const centres = {};
    layers.grids.options.onEachFeature = (f, layer) => {
      const stats = gridStats && gridStats[f.properties.code];
      const counts = stats ? ` · ${t("devices")} ${stats.total} (${t("offline")} ${stats.offline})` : "";
      layer.bindTooltip(`${nameOf(f.properties)} ${f.properties.code}${counts}`, { sticky: true });
      layer.on("click", () => onGrid && onGrid(f.properties));
      centres[f.properties.code] = layer.getBounds().getCenter();
    };
    layers.grids.addData(grids);
    state.current.centres = centres;
    layers.grids.bringToBack();
    if (!fitted && grids.features.length) {
      fit(layers.grids.getBounds());
      state.current.fitted = true;
    }
  }, [grids, events, gridStats]);

  useEffect(() => {
    const { layers, renderer, centres } = state.current;
    layers.devices.clearLayers();
    if (aggregate && gridStats) {
      // Too many devices to draw one by one: a circle per grid, sized by its devices and
      // coloured by the share online; zooming in brings the points back.
      for (const [code, stats] of Object.entries(gridStats)) {
        const at = centres[code];
        if (!at || !stats.total) continue;
        const circle = L.circleMarker(at, {
          renderer,
          radius: Math.min(18, 4 + Math.sqrt(stats.total) / 4),
          weight: 1,
          color: "#0b1a2e",
          fillColor: shareColor(stats),
          fillOpacity: 0.85,
        });
        circle.bindTooltip(`${t("devices")} ${stats.total} · ${t("online")} ${stats.online} · ${t("offline")} ${stats.offline}`);
        layers.devices.addLayer(circle);
      }
      return;
    }
    for (const d of devices || []) {
      if (d.lon == null || d.lat == null) continue;
      const marker = L.circleMarker([d.lat, d.lon], {
        renderer,
        radius: 3.5,
        weight: 1,
        color: "#0b1a2e",
        fillColor: STATUS_COLORS[d.status] || "#999",
        fillOpacity: 0.95,
      });
      marker.bindTooltip(`${d.name || d.id} · ${t(d.status)}`);
      marker.on("click", () => onDevice && onDevice(d));
      layers.devices.addLayer(marker);
    }
  }, [devices, aggregate, gridStats, grids]);

  useEffect(() => {
    const { layers, renderer } = state.current;
    layers.events.clearLayers();
    for (const e of events || []) {
      if (e.lon == null || e.lat == null) continue;
      const marker = L.circleMarker([e.lat, e.lon], {
        renderer,
        radius: 9,
        weight: 3,
        color: SEVERITY_COLORS[e.severity] || "#fff",
        fillColor: SEVERITY_COLORS[e.severity] || "#fff",
        fillOpacity: 0.45,
        className: `event-marker sev-${e.severity}`,
      });
      marker.bindTooltip(`${nameOf(e, "class_name")} · ${eventTitle(e)}`);
      marker.on("click", () => onEvent && onEvent(e));
      layers.events.addLayer(marker);
    }
  }, [events]);

  return html`<div class=${className} ref=${box} role="region" aria-label=${t("map")}
    data-grids=${grids ? grids.features.length : 0}
    data-devices=${devices ? devices.length : 0}
    data-aggregate=${aggregate ? "true" : "false"}
    data-events=${events ? events.length : 0}></div>`;
}
