// The README's rjsf recipe, part 2: the form component, from recipe.mjs.
// page.jsx (the test page) renders exactly this.
import React from "react";
import Form from "@rjsf/core";
import { TranslatableString } from "@rjsf/utils";
import { validator, transformErrorsWith, translateString, defaultFormStateBehavior } from "./recipe.mjs";

// rjsf's core theme draws add/remove as Bootstrap 3 glyph icons; without
// Bootstrap's CSS they are blank, so these show their words.
function TextButton({ id, className, onClick, disabled, registry, label }) {
  return (
    <button type="button" id={id} className={className} onClick={onClick} disabled={disabled}>
      {registry.translateString(label)}
    </button>
  );
}

export const templates = {
  ButtonTemplates: {
    AddButton: (props) => <TextButton {...props} label={TranslatableString.AddItemButton} />,
    RemoveButton: (props) => <TextButton {...props} label={TranslatableString.RemoveButton} />,
  },
};

export function ApplicationForm({ schema, uiSchema, messages, formData, onSubmit, onError }) {
  return (
    <Form
      schema={schema}
      uiSchema={uiSchema}
      formData={formData}
      validator={validator}
      transformErrors={transformErrorsWith(messages)}
      translateString={translateString}
      templates={templates}
      experimental_defaultFormStateBehavior={defaultFormStateBehavior}
      noHtml5Validate // every message comes from the messages file, in Chinese, not the browser's bubbles
      showErrorList="top"
      onSubmit={onSubmit}
      onError={onError}
    />
  );
}
