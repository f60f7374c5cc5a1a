// Client-side validation of money at every magnitude, in node:
//
//   node amounts.mjs FORMS_DIR COUNT SEED
//
// COUNT random two-decimal amounts (spread evenly over every number of digits,
// 0.01 … the schema's maximum, plus the edges) are read as a browser reads JSON
// (JSON.parse: binary doubles) and checked against every field with
// `multipleOf: 0.01` of every form, with ajv as the README sets it up and with
// rjsf's validator as recipe.jsx builds it.  Three-decimal amounts are the
// control: every one must be refused.  Prints a JSON report on stdout.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { validator as rjsf } from "./recipe.mjs";

const [formsDir, countText, seedText] = process.argv.slice(2);
const count = Number(countText);
let seed = Number(seedText) >>> 0;
function random() { // mulberry32: a small seeded generator, so a failure can be replayed
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randomInt = (low, high) => low + Math.floor(random() * (high - low + 1)); // high - low < 2^53

// The README's set-up.
const ajv = new Ajv2020({ multipleOfPrecision: 3, allErrors: true });
addFormats(ajv);

const fields = [];
for (const file of readdirSync(formsDir).filter((f) => f.endsWith(".schema.json")).sort()) {
  const schema = JSON.parse(readFileSync(join(formsDir, file), "utf8"));
  const walk = (node, where) => {
    for (const [name, field] of Object.entries(node.properties || {})) {
      if (field.multipleOf === 0.01) fields.push({ where: `${file}:${where}${name}`, field, schema });
      if (field.items) walk(field.items, `${where}${name}[].`);
    }
  };
  walk(schema, "");
}
const maximum = fields[0].field.maximum;
const maxCents = Math.round(maximum * 100);
const maxDigits = String(maxCents).length;

// An exact decimal text of a whole number of cents: 7 -> "0.07", 123456 -> "1234.56".
const text = (cents) => { const s = String(cents).padStart(3, "0"); return `${s.slice(0, -2)}.${s.slice(-2)}`; };

const amounts = [0, 1, 7, 29, 99, 100, 101, maxCents - 1, maxCents].map(text);
while (amounts.length < count) {
  const digits = 1 + (amounts.length % maxDigits); // every magnitude equally often
  const low = digits === 1 ? 0 : 10 ** (digits - 1);
  amounts.push(text(randomInt(low, Math.min(10 ** digits - 1, maxCents))));
}
const thirdDecimals = [];
for (let i = 0; thirdDecimals.length < 1000; i += 1) {
  const digits = 1 + (i % maxDigits);
  const cents = randomInt(digits === 1 ? 0 : 10 ** (digits - 1), Math.min(10 ** digits - 1, maxCents - 1));
  thirdDecimals.push(`${text(cents)}${randomInt(1, 9)}`);
}

const report = { maximum, fields: fields.length, tried: amounts.length, magnitudes: maxDigits, refused: [],
  rjsf_refused: [], controls: thirdDecimals.length, controls_accepted: [], over_maximum_accepted: [] };
for (const { where, field } of fields) {
  const validate = ajv.compile({ ...field });
  for (const amount of amounts) {
    if (!validate(JSON.parse(amount))) report.refused.push(`${where} ${amount}`);
  }
  for (const amount of thirdDecimals) {
    if (validate(JSON.parse(amount))) report.controls_accepted.push(`${where} ${amount}`);
  }
  for (const amount of [text(maxCents + 1), "10000000000", "1000000000000000"]) {
    if (validate(JSON.parse(amount))) report.over_maximum_accepted.push(`${where} ${amount}`);
  }
}
// Through rjsf's validator, as the page validates a whole form: the first money form.
const { where, schema } = fields[0];
const name = where.split(":")[1];
const base = schema.examples[0];
for (const amount of amounts) {
  const formData = { ...base, [name]: JSON.parse(amount) };
  if (rjsf.validateFormData(formData, schema).errors.length) report.rjsf_refused.push(amount);
}
report.rjsf_form = where;
report.sample = amounts.slice(0, 30);
process.stdout.write(JSON.stringify(report));
