// Renders every generated form with react-jsonschema-form 6 in the system's
// headless Chromium and records what an applicant would see and submit.
//
//   node run.mjs CASES.json OUT_DIR
//
// CASES.json (written by tests/shipped/test_forms_browser.py): the forms directory, and
// the applications to try — the policy's embedded tests (typed in through the
// page when valid) and one application per invalid kind (set as formData).
// OUT_DIR/results.json gets the facts; the pytest side judges them (and sends
// each submitted application to `yeji-policy evaluate --json`).
// OUT_DIR/*.png: screenshots of two filled-in forms.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const [casesFile, outDir] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
mkdirSync(outDir, { recursive: true });
const read = (name) => JSON.parse(readFileSync(join(cases.forms_dir, name), "utf8")); // as fetch().json() would
const index = read("index.json");
const forms = {};
for (const entry of [...index.forms, { ...index.profile, programme: "profile" }]) {
  forms[entry.programme] = {
    title: entry.name,
    fields: entry.fields,
    schema: read(entry.file),
    uiSchema: read(entry.uischema),
    messages: read(entry.messages),
  };
}

const bundle = await esbuild.build({
  entryPoints: [join(here, "page.jsx")],
  bundle: true,
  write: false,
  format: "iife",
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  minify: true,
  logLevel: "error",
});
const script = bundle.outputFiles[0].text;
const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
  body { font-family: "Noto Sans CJK SC", sans-serif; margin: 16px; max-width: 900px; font-size: 14px; }
  .form-group { margin: 6px 0; } label.control-label { font-weight: bold; display: block; }
  .field-description, .help-block { color: #555; font-size: 12px; margin: 2px 0; }
  .error-detail, .panel-danger { color: #b00; } input, select { font-size: 14px; }
  .radio-inline { margin-right: 12px; } button[type=submit] { margin-top: 12px; font-size: 16px; }
</style></head><body><div id="root"></div></body></html>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 960, height: 900 }, locale: "zh-CN" });
const consoleErrors = [];
page.on("pageerror", (e) => consoleErrors.push(String(e)));
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
await page.setContent(html);
await page.addScriptTag({ content: script });
await page.waitForFunction(() => window.pageReady === true);

async function show(pid, formData) {
  const f = forms[pid];
  await page.evaluate((args) => window.showForm(args),
    { title: f.title, schema: f.schema, uiSchema: f.uiSchema, messages: f.messages, formData });
  await page.waitForSelector("button[type=submit]");
}

async function submit() {
  await page.click("button[type=submit]");
  await page.waitForFunction(() => window.outcome !== null);
  const outcome = await page.evaluate(() => window.outcome);
  // What the applicant reads: the error list and the messages under the fields.
  outcome.shown = await page.$$eval(".errors li, .error-detail li", (els) => els.map((e) => e.textContent.trim()));
  return outcome;
}

// The order in which fields first appear on the page (ids root_<name>…).
async function fieldOrder(prefix, names) {
  const ids = await page.$$eval("[id]", (els) => els.map((e) => e.id));
  const order = [];
  for (const id of ids) {
    if (!id.startsWith(prefix)) continue;
    const rest = id.slice(prefix.length).replace(/-\d+$/, "");
    const name = names.find((n) => rest === n || rest.startsWith(`${n}_`) || rest.startsWith(`${n}__`));
    if (name && !order.includes(name)) order.push(name);
  }
  return order;
}

function properties(schema) {
  return schema.properties || {};
}

// Types one application in through the page, field by field, as a person would.
async function typeObject(prefix, schema, uiSchema, values) {
  for (const name of uiSchema["ui:order"]) {
    if (!(name in values)) continue;
    const field = properties(schema)[name];
    const value = values[name];
    const id = `${prefix}${name}`;
    if (field.type === "boolean") {
      await page.check(`#${id}-${value ? 0 : 1}`); // the radio buttons 是 (0) and 否 (1)
    } else if (field.oneOf) {
      const option = field.oneOf.find((o) => o.const === value);
      await page.selectOption(`#${id}`, { label: option.title });
    } else if (field.type === "array") {
      const present = async () => (await page.$$(`[id^="${id}_"][id$="_${Object.keys(properties(field.items))[0]}"]`)).length;
      while ((await present()) < value.length) await page.click(`#${id}__add`);
      for (let i = 0; i < value.length; i += 1) {
        await typeObject(`${id}_${i}_`, field.items, uiSchema[name].items, value[i]);
      }
    } else {
      await page.fill(`#${id}`, String(value));
    }
  }
}

const results = { order: {}, preselected: {}, empty_submit: {}, answer_no: {}, valid: [], invalid: [], typed_invalid: [] };

for (const [pid, f] of Object.entries(forms)) {
  await show(pid, undefined);
  // Fields in policy order, also inside the first item of a list.
  const order = { fields: await fieldOrder("root_", f.fields) };
  for (const [name, field] of Object.entries(properties(f.schema))) {
    if (field.type === "array" && (await page.$(`#root_${name}__add`))) {
      if (!(await page.$(`[id^="root_${name}_0_"]`))) await page.click(`#root_${name}__add`);
      order[name] = await fieldOrder(`root_${name}_0_`, Object.keys(properties(field.items)));
    }
  }
  results.order[pid] = order;
  // Nothing chosen: no radio checked, every drop-down on its empty entry.
  await show(pid, undefined);
  results.preselected[pid] = await page.evaluate(() => ({
    checked: [...document.querySelectorAll("input[type=radio]:checked")].map((e) => e.id),
    selected: [...document.querySelectorAll("select")].filter((s) => s.value !== "").map((s) => s.id),
    selects: document.querySelectorAll("select").length,
    radios: document.querySelectorAll("input[type=radio]").length,
  }));
  results.empty_submit[pid] = await submit();
  // Each yes/no can be answered 否.
  await show(pid, undefined);
  const noes = await page.$$eval("input[type=radio]", (els) => els.filter((e) => e.id.endsWith("-1")).map((e) => e.id));
  const answered = [];
  for (const id of noes) {
    await page.check(`#${id}`);
    answered.push({ id, checked: await page.isChecked(`#${id}`), label: await page.$eval(`#${id}`, (e) => e.parentElement.textContent.trim()) });
  }
  results.answer_no[pid] = answered;
}

// The policy's valid test applications, typed in and submitted.
for (const c of cases.valid) {
  const f = forms[c.programme];
  await show(c.programme, undefined);
  await typeObject("root_", f.schema, f.uiSchema, c.application);
  results.valid.push({ name: c.name, programme: c.programme, ...(await submit()) });
}

// Invalid applications: typed in where a person can type them, else set as formData.
for (const c of cases.typed_invalid) {
  const f = forms[c.programme];
  await show(c.programme, undefined);
  await typeObject("root_", f.schema, f.uiSchema, c.application);
  results.typed_invalid.push({ name: c.name, programme: c.programme, ...(await submit()) });
}
for (const c of cases.invalid) {
  await show(c.programme, c.application);
  results.invalid.push({ name: c.name, programme: c.programme, ...(await submit()) });
}

// The browser's own number input: a money field's <input type="number"> holds
// every two-decimal amount up to the maximum without a step or range mismatch.
await show(cases.amounts.programme, undefined);
results.number_input = await page.evaluate(({ id, amounts }) => {
  const input = document.getElementById(id);
  const refused = [];
  for (const text of amounts) {
    input.value = text;
    if (!input.validity.valid) refused.push(text);
  }
  return { step: input.step, min: input.min, max: input.max, type: input.type, tried: amounts.length, refused };
}, { id: `root_${cases.amounts.field}`, amounts: cases.amounts.texts });

// Two filled-in forms, for people to look at.
for (const [shot, c] of cases.screenshots.entries()) {
  const f = forms[c.programme];
  await show(c.programme, undefined);
  await typeObject("root_", f.schema, f.uiSchema, c.application);
  await page.screenshot({ path: join(outDir, `form-${shot + 1}-${c.programme}.png`), fullPage: true });
}

results.console_errors = consoleErrors;
await browser.close();
writeFileSync(join(outDir, "results.json"), JSON.stringify(results, null, 1));
