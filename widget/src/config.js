// The embedder's configuration: one small object, validated, with safe defaults.
import { readableTextOn, contrastRatio } from "./colors.js";

export const DEFAULTS = {
  serverUrl: "", // the Rasa server (socket.io), e.g. "https://chat.firm.example"
  socketPath: "/socket.io",
  title: "Questions about an IRS notice?",
  subtitle: "Confidential. We answer right away.",
  launcherLabel: "Chat with us",
  initialMessage:
    "Hi! Did you get a letter from the IRS? Tell me which notice it is (for example LT11 or Letter 1058) and the date printed on it, and I'll tell you your deadline.",
  firmName: "",
  colors: {
    primary: "#1d4f7c",
    primaryText: "", // picked for contrast when empty
    background: "#ffffff",
    text: "#1b1f24",
  },
  storage: "local", // "local": survives closing the tab; "session": this tab only
  historyHours: 24, // a conversation idle longer than this starts fresh on this device
  open: false,
  container: null, // an element to render inside instead of the floating corner
};

const HEX = /^#(?:[0-9a-f]{3}){1,2}$/i;

function cleanColor(value, fallback, name, warnings) {
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value === "string" && HEX.test(value.trim())) return value.trim();
  warnings.push(`colors.${name} must be a hex colour like #1d4f7c; using ${fallback}`);
  return fallback;
}

function cleanText(value, fallback) {
  return typeof value === "string" && value.trim() ? value.trim() : fallback;
}

export function resolveConfig(raw = {}, pageLocation = window.location) {
  const warnings = [];
  const input = raw && typeof raw === "object" ? raw : {};
  const colorsIn = input.colors && typeof input.colors === "object" ? input.colors : {};
  const colors = {
    primary: cleanColor(colorsIn.primary, DEFAULTS.colors.primary, "primary", warnings),
    background: cleanColor(colorsIn.background, DEFAULTS.colors.background, "background", warnings),
    text: cleanColor(colorsIn.text, DEFAULTS.colors.text, "text", warnings),
    primaryText: "",
  };
  colors.primaryText = cleanColor(colorsIn.primaryText, readableTextOn(colors.primary), "primaryText", warnings);
  if (contrastRatio(colors.primaryText, colors.primary) < 4.5) {
    warnings.push("colors.primaryText on colors.primary is below the 4.5:1 contrast WCAG asks for; picking one that passes");
    colors.primaryText = readableTextOn(colors.primary);
  }
  if (contrastRatio(colors.text, colors.background) < 4.5) {
    warnings.push("colors.text on colors.background is below 4.5:1; using the defaults");
    colors.text = DEFAULTS.colors.text;
    colors.background = DEFAULTS.colors.background;
  }

  let serverUrl = cleanText(input.serverUrl, "");
  if (!serverUrl) {
    // The Rasa server on the page's own host, default port (the demo page sets it explicitly).
    serverUrl = `${pageLocation.protocol}//${pageLocation.hostname}:5005`;
    warnings.push(`serverUrl not set; using ${serverUrl}`);
  }
  const storage = input.storage === "session" ? "session" : "local";
  const hours = Number(input.historyHours);
  return {
    config: {
      serverUrl: serverUrl.replace(/\/+$/, ""),
      socketPath: cleanText(input.socketPath, DEFAULTS.socketPath),
      title: cleanText(input.title, DEFAULTS.title),
      subtitle: typeof input.subtitle === "string" ? input.subtitle.trim() : DEFAULTS.subtitle,
      launcherLabel: cleanText(input.launcherLabel, DEFAULTS.launcherLabel),
      initialMessage: typeof input.initialMessage === "string" ? input.initialMessage.trim() : DEFAULTS.initialMessage,
      firmName: cleanText(input.firmName, ""),
      colors,
      storage,
      historyHours: Number.isFinite(hours) && hours > 0 ? hours : DEFAULTS.historyHours,
      open: input.open === true,
      container: input.container instanceof Element ? input.container : null,
    },
    warnings,
  };
}

// data-* attributes on the script tag: the CSP-friendly way to configure without inline script.
export function configFromScript(script) {
  if (!script || !script.dataset) return {};
  const d = script.dataset;
  const out = {};
  if (d.config) {
    try {
      Object.assign(out, JSON.parse(d.config));
    } catch (error) {
      console.warn("IntakeChat: data-config is not valid JSON; ignoring it");
    }
  }
  const map = {
    serverUrl: "serverUrl",
    title: "title",
    subtitle: "subtitle",
    initialMessage: "initialMessage",
    launcherLabel: "launcherLabel",
    firmName: "firmName",
    storage: "storage",
  };
  for (const [attr, key] of Object.entries(map)) if (d[attr] !== undefined) out[key] = d[attr];
  if (d.primaryColor) out.colors = { ...(out.colors || {}), primary: d.primaryColor };
  if (d.open !== undefined) out.open = d.open === "true";
  return out;
}
