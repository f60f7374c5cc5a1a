// The test page: renders one generated form at a time with the README recipe
// (recipe.jsx).  run.mjs calls window.showForm(...) and reads window.outcome.
import React from "react";
import { createRoot } from "react-dom/client";
import { flushSync } from "react-dom";
import { ApplicationForm } from "./recipe.jsx";

const root = createRoot(document.getElementById("root"));
let generation = 0;

window.showForm = ({ title, schema, uiSchema, messages, formData }) => {
  generation += 1;
  window.outcome = null;
  const onSubmit = ({ formData: submitted }) => {
    window.outcome = { submitted: JSON.stringify(submitted), errors: [] };
  };
  const onError = (errors) => {
    window.outcome = { submitted: null, errors: errors.map((e) => ({ property: e.property, message: e.message })) };
  };
  flushSync(() => {
    root.render(
      <div key={generation}>
        <h1>{title}</h1>
        <ApplicationForm schema={schema} uiSchema={uiSchema} messages={messages} formData={formData}
                         onSubmit={onSubmit} onError={onError} />
      </div>,
    );
  });
};
window.pageReady = true;
