// ECharts, only the parts we draw (tree-shaken), rendered on canvas. One hook owns a chart's
// life: created on mount, resized with its box, disposed on unmount.
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "preact/hooks";
import { html } from "./html.js";

echarts.use([
  BarChart,
  LineChart,
  PieChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  MarkAreaComponent,
  DataZoomComponent,
  CanvasRenderer,
]);

/** GB/T warning colours (blue IV … red I), as the screen draws them. */
export const SEVERITY_COLORS = { blue: "#1e6fd9", yellow: "#f5c400", orange: "#ff7a00", red: "#e02020" };
export const SEVERITIES = ["red", "orange", "yellow", "blue"];

export function Chart({ option, label, className = "chart" }) {
  const box = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = echarts.init(box.current, "dark", { renderer: "canvas" });
    const observer = new ResizeObserver(() => chart.current && chart.current.resize());
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      chart.current.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    if (chart.current && option) chart.current.setOption(option, { notMerge: true });
  }, [option]);
  return html`<div class=${className} ref=${box} role="img" aria-label=${label}></div>`;
}
