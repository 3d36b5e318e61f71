// The district's areas (street, community, grid) by code, so a page can show an area's name
// where the server gives only its code (a case's grid, a person's areas, a routing entry).
import { useEffect, useState } from "preact/hooks";
import { api } from "./api.js";
import { nameOf } from "./i18n.js";

const LEVELS = ["district", "street", "community", "grid"];
let pending = null;

/** Every area's properties by code, fetched once per page load. */
export function loadAreas() {
  pending =
    pending ||
    Promise.all(LEVELS.map((level) => api.get("/api/v1/grids", { level }))).then(
      (layers) => {
        const byCode = {};
        for (const layer of layers) for (const f of layer.features || []) byCode[f.properties.code] = f.properties;
        return byCode;
      },
      () => {
        pending = null; // asked again next time (e.g. after logging in once more)
        return {};
      },
    );
  return pending;
}

/** `areaName(code)`: the area's name in the current language, or the code while unknown. */
export function useAreaNames() {
  const [areas, setAreas] = useState({});
  useEffect(() => {
    let gone = false;
    loadAreas().then((a) => gone || setAreas(a));
    return () => {
      gone = true;
    };
  }, []);
  return (code) => (code && areas[code] ? nameOf(areas[code]) : code || "");
}
