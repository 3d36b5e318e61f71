// zh-CN first, English too. Labels live here; names of classes, units and states come from the
// server with both languages (name_zh / name_en).

const LANG_KEY = "cityops.lang";

const zh = {
  app: "城市运行管理平台",
  appShort: "城运平台",
  district: "辖区",
  login: "登录",
  logout: "退出登录",
  username: "用户名",
  password: "密码",
  loginFailed: "登录失败",
  loggingIn: "正在登录…",
  language: "English",
  languageLabel: "切换语言",
  navScreen: "运行大屏",
  navWorkbench: "案卷工作台",
  navMobile: "我的任务",
  navDevices: "设备管理",
  navRules: "规则管理",
  navRouting: "派遣规则",
  navUsers: "用户管理",
  mainNav: "主导航",
  devicesOnline: "设备在线率",
  online: "在线",
  offline: "离线",
  never_seen: "未上线",
  readingsPerMinute: "每分钟数据量",
  lastHour: "近一小时",
  activeEvents: "活动事件",
  casesByState: "案卷状态",
  onTimeRate: "今日按期结案率",
  closedToday: "今日结案",
  reportedToday: "今日上报",
  openCases: "在办案卷",
  overdue: "超期",
  eventFeed: "实时事件",
  eventsByClass: "事件分类统计",
  live: "实时",
  reconnecting: "重连中",
  map: "辖区地图",
  grids: "网格",
  devices: "设备",
  events: "事件",
  layers: "图层",
  noEvents: "暂无活动事件",
  telemetry: "设备监测曲线",
  pickDevice: "在地图上点击设备查看监测曲线",
  threshold: "阈值",
  property: "监测项",
  device: "设备",
  model: "型号",
  status: "状态",
  grid: "网格",
  battery: "电量",
  lastSeen: "最后上报",
  severity: "等级",
  class: "类别",
  source: "来源",
  firstSeen: "首次发生",
  count: "次数",
  acknowledge: "确认",
  acknowledged: "已确认",
  details: "详情",
  close: "关闭",
  cancel: "取消",
  save: "保存",
  submit: "提交",
  confirm: "确定",
  loading: "加载中…",
  refresh: "刷新",
  none: "无",
  all: "全部",
  search: "搜索",
  queueIntake: "待受理",
  queueDispatch: "待派遣",
  queueHandling: "处置中",
  queueVerify: "待核查",
  queueExtension: "延期申请",
  queueAll: "全部案卷",
  queue: "案卷队列",
  caseNo: "案卷号",
  title: "标题",
  state: "状态",
  unit: "处置单位",
  deadline: "时限",
  dueAt: "应结时间",
  lightGreen: "正常",
  lightYellow: "临期",
  lightRed: "超期",
  timeline: "办理过程",
  evidence: "证据照片",
  externalEvidence: "厂商平台上的证据",
  actions: "操作",
  note: "意见说明",
  noteRequired: "请填写意见说明",
  suggestion: "派遣建议",
  dispatchTo: "派遣至",
  chooseUnit: "选择处置单位",
  selectCase: "请从左侧选择案卷",
  noCases: "暂无案卷",
  myTasks: "我的任务",
  patrolReport: "巡查上报",
  accept: "签收",
  reportHandled: "处置反馈",
  photo: "现场照片",
  takePhoto: "拍照/选择照片",
  location: "位置",
  locating: "正在定位…",
  locationUnavailable: "无法获取定位，使用辖区中心",
  description: "问题描述",
  reported: "已上报",
  handledSent: "已提交处置反馈",
  back: "返回",
  extension: "延期",
  score: "评分",
  saved: "已保存",
  register: "注册设备",
  rotateToken: "重置令牌",
  rotateConfirm: "确认重置（旧令牌立即失效）",
  tokenOnce: "设备令牌（仅显示一次，请妥善保存）",
  deviceId: "设备编号",
  name: "名称",
  lon: "经度",
  lat: "纬度",
  tags: "标签",
  rules: "规则",
  enabled: "启用",
  disabled: "停用",
  newRule: "新建规则",
  validate: "校验",
  valid: "校验通过",
  editRule: "编辑规则",
  ruleJson: "规则定义（JSON）",
  routingTable: "派遣规则表",
  channel: "渠道",
  area: "区域",
  users: "用户",
  newUser: "新建用户",
  role: "角色",
  displayName: "姓名",
  areas: "负责区域",
  enable: "启用",
  disable: "停用",
  setPassword: "重置密码",
  forbidden: "无权访问此页面",
  notFound: "页面不存在",
  page: "页",
  next: "下一页",
  kpis: "运行指标",
  filter: "筛选",
  sourceRule: "物联感知",
  sourceDetection: "视频智能",
  sourceCitizen: "市民上报",
  sourcePatrol: "巡查上报",
  sourceHotline: "热线",
  sourceManual: "人工",
  eventActive: "未确认",
  zoomIn: "设备较多，按网格汇总显示；放大地图查看单台设备",
  eventCleared: "已解除",
  now: "当前时间",
  chartEmpty: "暂无数据",
  evidenceFor: "案卷证据",
  openCase: "打开案卷",
  case: "案卷",
  dispatchDone: "已派遣",
  done: "已完成",
  errors: "错误",
  skip: "跳到正文",
  units: "处置单位",
  gridCode: "网格编码",
  code: "编码",
  kind: "类型",
  prev: "上一页",
  territorial: "属地（案发社区/街道）",
  channelCogovernance: "社区共治",
  channelService: "市场化服务",
  channelProfessional: "专业处置",
  kindDistrict: "区政府",
  kindStreet: "街道",
  kindCommunity: "社区",
  kindCentre: "中心",
  kindDepartment: "职能部门",
  kindCompany: "服务企业",
  kindVolunteers: "志愿者队伍",
  kindGridStation: "网格工作站",
  extensionHint: "时长，如 4h（小时）或 2d（天）",
  mergeTarget: "并入案卷",
  chooseCase: "选择案卷",
  attachEvent: "关联事件",
  chooseEvent: "选择事件",
  newPassword: "新密码",
  passwordSet: "密码已重置",
  ownerUnit: "权属单位",
  wrongLogin: "用户名或密码错误",
  loadFailed: "加载失败",
  ruleId: "规则编号",
  moreActions: "其他操作",
  sourceFile: "配置文件",
  defaultRoute: "默认",
};

const en = {
  app: "City Operations Platform",
  appShort: "CityOps",
  district: "District",
  login: "Log in",
  logout: "Log out",
  username: "Username",
  password: "Password",
  loginFailed: "Login failed",
  loggingIn: "Logging in…",
  language: "中文",
  languageLabel: "Switch language",
  navScreen: "Operations screen",
  navWorkbench: "Case workbench",
  navMobile: "My tasks",
  navDevices: "Devices",
  navRules: "Rules",
  navRouting: "Routing",
  navUsers: "Users",
  mainNav: "Main navigation",
  devicesOnline: "Devices online",
  online: "Online",
  offline: "Offline",
  never_seen: "Never seen",
  readingsPerMinute: "Readings per minute",
  lastHour: "last hour",
  activeEvents: "Active events",
  casesByState: "Cases by state",
  onTimeRate: "Closed on time today",
  closedToday: "Closed today",
  reportedToday: "Reported today",
  openCases: "Open cases",
  overdue: "Overdue",
  eventFeed: "Live events",
  eventsByClass: "Events by class",
  live: "Live",
  reconnecting: "Reconnecting",
  map: "District map",
  grids: "Grids",
  devices: "Devices",
  events: "Events",
  layers: "Layers",
  noEvents: "No active events",
  telemetry: "Device telemetry",
  pickDevice: "Click a device on the map to see its telemetry",
  threshold: "Threshold",
  property: "Property",
  device: "Device",
  model: "Model",
  status: "Status",
  grid: "Grid",
  battery: "Battery",
  lastSeen: "Last seen",
  severity: "Severity",
  class: "Class",
  source: "Source",
  firstSeen: "First seen",
  count: "Count",
  acknowledge: "Acknowledge",
  acknowledged: "Acknowledged",
  details: "Details",
  close: "Close",
  cancel: "Cancel",
  save: "Save",
  submit: "Submit",
  confirm: "Confirm",
  loading: "Loading…",
  refresh: "Refresh",
  none: "None",
  all: "All",
  search: "Search",
  queueIntake: "To review",
  queueDispatch: "To dispatch",
  queueHandling: "Being handled",
  queueVerify: "To verify",
  queueExtension: "Extension requests",
  queueAll: "All cases",
  queue: "Case queue",
  caseNo: "Case no.",
  title: "Title",
  state: "State",
  unit: "Unit",
  deadline: "Deadline",
  dueAt: "Due",
  lightGreen: "On time",
  lightYellow: "Due soon",
  lightRed: "Overdue",
  timeline: "Timeline",
  evidence: "Evidence photos",
  externalEvidence: "Evidence on the vendor's platform",
  actions: "Actions",
  note: "Note",
  noteRequired: "Please write a note",
  suggestion: "Routing suggestion",
  dispatchTo: "Dispatch to",
  chooseUnit: "Choose a unit",
  selectCase: "Select a case on the left",
  noCases: "No cases",
  myTasks: "My tasks",
  patrolReport: "Report a problem",
  accept: "Accept",
  reportHandled: "Report handled",
  photo: "Photo",
  takePhoto: "Take or choose a photo",
  location: "Location",
  locating: "Locating…",
  locationUnavailable: "No location; using the district centre",
  description: "Description",
  reported: "Reported",
  handledSent: "Handling reported",
  back: "Back",
  extension: "Extension",
  score: "Score",
  saved: "Saved",
  register: "Register device",
  rotateToken: "Rotate token",
  rotateConfirm: "Confirm: the old token stops working now",
  tokenOnce: "Device token (shown once; keep it safe)",
  deviceId: "Device ID",
  name: "Name",
  lon: "Longitude",
  lat: "Latitude",
  tags: "Tags",
  rules: "Rules",
  enabled: "Enabled",
  disabled: "Disabled",
  newRule: "New rule",
  validate: "Validate",
  valid: "Valid",
  editRule: "Edit rule",
  ruleJson: "Rule definition (JSON)",
  routingTable: "Routing table",
  channel: "Channel",
  area: "Area",
  users: "Users",
  newUser: "New user",
  role: "Role",
  displayName: "Display name",
  areas: "Areas",
  enable: "Enable",
  disable: "Disable",
  setPassword: "Set password",
  forbidden: "You may not open this page",
  notFound: "No such page",
  page: "Page",
  next: "Next page",
  kpis: "Key figures",
  filter: "Filter",
  sourceRule: "IoT sensing",
  sourceDetection: "Camera AI",
  sourceCitizen: "Citizen",
  sourcePatrol: "Patrol",
  sourceHotline: "Hotline",
  sourceManual: "Manual",
  eventActive: "Unacknowledged",
  zoomIn: "too many to draw one by one: counts per grid; zoom in for single devices",
  eventCleared: "Cleared",
  now: "Now",
  chartEmpty: "No data",
  evidenceFor: "Case evidence",
  openCase: "Open case",
  case: "Case",
  dispatchDone: "Dispatched",
  done: "Done",
  errors: "Errors",
  skip: "Skip to content",
  units: "Units",
  gridCode: "Grid code",
  code: "Code",
  kind: "Kind",
  prev: "Previous page",
  territorial: "Territorial (the case's community or street)",
  channelCogovernance: "Community co-governance",
  channelService: "Market service",
  channelProfessional: "Professional handling",
  kindDistrict: "District government",
  kindStreet: "Subdistrict",
  kindCommunity: "Community",
  kindCentre: "Centre",
  kindDepartment: "Department",
  kindCompany: "Service company",
  kindVolunteers: "Volunteer team",
  kindGridStation: "Grid station",
  extensionHint: "duration, e.g. 4h (hours) or 2d (days)",
  mergeTarget: "Merge into case",
  chooseCase: "Choose a case",
  attachEvent: "Event to attach",
  chooseEvent: "Choose an event",
  newPassword: "New password",
  passwordSet: "Password set",
  ownerUnit: "Owner unit",
  wrongLogin: "Wrong username or password",
  loadFailed: "Could not load",
  ruleId: "Rule ID",
  moreActions: "More actions",
  sourceFile: "Configured in",
  defaultRoute: "Default",
};

const DICTS = { "zh-CN": zh, en };

let current = localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh-CN";
let zone = "Asia/Shanghai";

export const lang = () => current;
export const isZh = () => current === "zh-CN";

export function setLang(next) {
  current = next === "en" ? "en" : "zh-CN";
  localStorage.setItem(LANG_KEY, current);
  document.documentElement.lang = current;
}

export function setZone(tz) {
  if (tz) zone = tz;
}

/** A label in the current language; a missing key shows itself so it is noticed. */
export function t(key) {
  return DICTS[current][key] ?? zh[key] ?? key;
}

/** The name of a thing that carries both languages (`name_zh`/`name_en`, or a prefix). */
export function nameOf(obj, prefix = "name") {
  if (!obj) return "";
  const zhName = obj[`${prefix}_zh`];
  const enName = obj[`${prefix}_en`];
  return (isZh() ? zhName || enName : enName || zhName) || obj.code || obj.id || "";
}

const SOURCES = { rule: "sourceRule", detection: "sourceDetection", citizen: "sourceCitizen", patrol: "sourcePatrol", hotline: "sourceHotline", manual: "sourceManual" };
const EVENT_STATUS = { active: "eventActive", acknowledged: "acknowledged", cleared: "eventCleared" };

let caseStates = {};

/** The case states' names in both languages, from the server's config. */
export function setCaseStates(states) {
  caseStates = Object.fromEntries((states || []).map((s) => [s.code, s]));
}

export const stateName = (code) => (caseStates[code] ? nameOf(caseStates[code]) : code);

/** Where an event or case came from, in words. */
export const sourceName = (s) => (SOURCES[s] ? t(SOURCES[s]) : s);
export const eventStatusName = (s) => (EVENT_STATUS[s] ? t(EVENT_STATUS[s]) : s);

const CHANNELS = { cogovernance: "channelCogovernance", service: "channelService", professional: "channelProfessional" };
const UNIT_KINDS = {
  district: "kindDistrict",
  street: "kindStreet",
  community: "kindCommunity",
  centre: "kindCentre",
  department: "kindDepartment",
  company: "kindCompany",
  volunteers: "kindVolunteers",
  grid_station: "kindGridStation",
};

/** A dispatch channel (社区共治, 市场化服务, 专业处置) in words. */
export const channelName = (c) => (CHANNELS[c] ? t(CHANNELS[c]) : c || "");
/** A unit's kind (department, company, …) in words. */
export const unitKindName = (k) => (UNIT_KINDS[k] ? t(UNIT_KINDS[k]) : k || "");

let roles = {};

/** People's roles with both names, from the server's config. */
export function setRoles(list) {
  roles = Object.fromEntries((list || []).map((r) => [r.code, r]));
}

export const roleName = (code) => (roles[code] ? nameOf(roles[code]) : code);

/** An event's title: rule events carry an English one in their evidence (`title_en`). */
export function eventTitle(e) {
  if (!e) return "";
  const en = e.evidence && typeof e.evidence === "object" && !Array.isArray(e.evidence) ? e.evidence.title_en : null;
  return !isZh() && en ? en : e.title;
}

/** Times in the district's time zone, whatever the viewer's machine is set to. */
export function fmtTime(ms, { date = true, seconds = false } = {}) {
  if (ms === null || ms === undefined) return "—";
  const opts = { timeZone: zone, hour: "2-digit", minute: "2-digit", hour12: false };
  if (seconds) opts.second = "2-digit";
  if (date) Object.assign(opts, { month: "2-digit", day: "2-digit" });
  return new Intl.DateTimeFormat(current, opts).format(new Date(ms));
}

export function fmtNumber(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return "—";
  return new Intl.NumberFormat(current, { maximumFractionDigits: digits }).format(n);
}

export function fmtPercent(rate) {
  if (rate === null || rate === undefined) return "—";
  return `${fmtNumber(rate * 100, 1)}%`;
}
