async function refresh() {
  try {
    const r = await fetch("/api/v1/health");
    const h = await r.json();
    document.getElementById("status").textContent = h.status === "ok" ? "正常 OK" : "降级 Degraded";
    document.getElementById("devices").textContent = h.devices.toLocaleString("zh-CN");
    document.getElementById("store").textContent = h.store.engine;
    document.getElementById("mqtt").textContent = h.mqtt.configured ? (h.mqtt.connected ? "已连接 Connected" : "断开 Down") : "未启用 Off";
  } catch (e) {
    document.getElementById("status").textContent = "离线 Offline";
  }
}
refresh();
setInterval(refresh, 5000);
