// Builds the widget into one file the web service serves: bot/web/static/widget/widget.js.
// Called by scripts/build-widget.sh (which runs `npm ci` first when the lock changed).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "..", "bot", "web", "static", "widget");

await build({
  entryPoints: [path.join(here, "src", "index.js")],
  outfile: path.join(outdir, "widget.js"),
  bundle: true,
  format: "iife",
  platform: "browser",
  target: "es2020",
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  loader: { ".css": "text" },
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "warning",
});
console.log(`widget built into ${path.relative(process.cwd(), outdir)}/widget.js`);
