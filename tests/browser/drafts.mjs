// The draft-07 copies under ajv's draft-07 class (what rjsf's default validator
// uses) against the 2020-12 forms under Ajv2020: the same verdict on every
// application of CASES.json (valid, embedded invalid, every invalid kind) and
// on every example of every form.
//
//   node drafts.mjs CASES.json     -> JSON report on stdout
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const read = (name) => JSON.parse(readFileSync(join(cases.forms_dir, name), "utf8"));
const options = { multipleOfPrecision: 3, allErrors: true };
const ajv07 = addFormats(new Ajv(options));
const ajv2020 = addFormats(new Ajv2020(options));
const validators = {};
for (const entry of [...read("index.json").forms, { ...read("index.json").profile, programme: "profile" }]) {
  validators[entry.programme] = {
    v2020: ajv2020.compile(read(entry.file)),
    v07: ajv07.compile(read(`draft-07/${entry.file}`)),
    examples: read(entry.file).examples || [],
  };
}
const applications = [...cases.valid, ...cases.invalid, ...cases.typed_invalid];
for (const [programme, v] of Object.entries(validators)) {
  for (const application of v.examples) applications.push({ programme, application });
  for (const application of v.examples) applications.push({ programme: "profile", application });
}
const report = { tried: applications.length, accepted: 0, different: [] };
for (const { programme, application } of applications) {
  const { v2020, v07 } = validators[programme];
  const verdict = v2020(application);
  report.accepted += verdict;
  if (verdict !== v07(application)) report.different.push({ programme, application });
}
process.stdout.write(JSON.stringify(report));
