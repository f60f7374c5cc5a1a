// The README's rjsf recipe, part 1 (plain JavaScript): the validator, the
// messages, rjsf's own words in Chinese and the default-state settings.
// recipe.jsx (part 2) builds the form from these; amounts.mjs validates with
// the same validator in node.
import { customizeValidator } from "@rjsf/validator-ajv8";
import { TranslatableString, englishStringTranslator, replaceStringParameters } from "@rjsf/utils";
import Ajv2020 from "ajv/dist/2020.js";
import localizeZh from "ajv-i18n/localize/zh/index.js";

// The forms are JSON Schema 2020-12: rjsf's default validator speaks draft-07.
// multipleOfPrecision 3 (rjsf's default is 8): every amount of two decimals up to
// the forms' maximum passes `multipleOf: 0.01` (README, "Money in a browser").
// The zh localizer is only a fallback: transformErrors below replaces every message.
export const validator = customizeValidator(
  { AjvClass: Ajv2020, ajvOptionsOverrides: { multipleOfPrecision: 3 } },
  localizeZh,
);

// Each validator error -> the form's own Chinese message, looked up by the JSON
// pointer of the failing subschema and the keyword (<name>.messages.json).
export function transformErrorsWith(messages) {
  return (errors) => {
    const seen = new Set();
    const out = [];
    for (const error of errors) {
      let path = error.schemaPath || "";
      let keyword = error.name;
      const option = path.match(/^(.*)\/oneOf\/\d+\/const$/); // one of the options' const: report the field once
      if (option) {
        path = `${option[1]}/oneOf`;
        keyword = "oneOf";
      }
      let pointer = path.slice(0, path.lastIndexOf("/"));
      if (keyword === "required") pointer += `/properties/${error.params.missingProperty}`;
      const message = (messages[pointer] || {})[keyword] || "此项填写有误，请检查";
      const key = `${error.property}\u0000${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...error, message, stack: message });
    }
    return out;
  };
}

// rjsf's own words (buttons, the error list's heading) in Chinese.
const ZH = {
  [TranslatableString.AddButton]: "添加",
  [TranslatableString.AddItemButton]: "添加",
  [TranslatableString.RemoveButton]: "删除",
  [TranslatableString.CopyButton]: "复制",
  [TranslatableString.MoveUpButton]: "上移",
  [TranslatableString.MoveDownButton]: "下移",
  [TranslatableString.ErrorsLabel]: "请修改以下问题",
  [TranslatableString.YesLabel]: "是",
  [TranslatableString.NoLabel]: "否",
  [TranslatableString.EmptyArray]: "尚未添加任何一项，请点“添加”。",
  [TranslatableString.ClearLabel]: "清除",
  [TranslatableString.NowLabel]: "今天",
  [TranslatableString.ArrayItemTitle]: "一项",
};

export function translateString(text, params) {
  return ZH[text] !== undefined ? replaceStringParameters(ZH[text], params) : englishStringTranslator(text, params);
}

// Defaults: nothing is chosen for the applicant. constAsDefaults "never": an
// untouched drop-down stays empty (a `oneOf` of consts is otherwise defaulted to
// its first option); requiredBooleanDefault "skip": a yes/no stays unanswered
// (otherwise 否); arrayMinItems "requiredOnly": an optional list starts empty
// (the calculator's stations), a required one with one item to fill in.
export const defaultFormStateBehavior = {
  constAsDefaults: "never",
  requiredBooleanDefault: "skip",
  arrayMinItems: { populate: "requiredOnly" },
};

