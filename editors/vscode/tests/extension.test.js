// The extension's activation with VS Code and the language client replaced by
// recording stand-ins: which command it starts, with which arguments, for which files.
// Run: node --test tests/
"use strict";

const assert = require("node:assert/strict");
const Module = require("node:module");
const path = require("node:path");
const test = require("node:test");

function load(settings, folder) {
  const started = [];
  const messages = [];
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { id, name, serverOptions, clientOptions });
      started.push(this);
    }
    start() {
      return Promise.resolve();
    }
    stop() {
      return Promise.resolve();
    }
  }
  const vscode = {
    workspace: {
      workspaceFolders: folder ? [{ uri: { fsPath: folder } }] : undefined,
      getConfiguration: () => ({ get: (key, fallback) => (key in settings ? settings[key] : fallback) }),
      onDidChangeConfiguration: () => ({ dispose() {} }),
    },
    window: {
      showErrorMessage: (text) => messages.push(text),
      showInformationMessage: (text) => messages.push(text),
    },
  };
  const original = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "vscode") return vscode;
    if (request === "vscode-languageclient/node") return { LanguageClient };
    return original.call(this, request, ...rest);
  };
  const file = path.join(__dirname, "..", "extension.js");
  try {
    delete require.cache[require.resolve(file)];
    return { extension: require(file), started, messages };
  } finally {
    Module._load = original;
  }
}

test("starts `yeji-policy lsp` for yeji-policy documents by default", async () => {
  const { extension, started } = load({}, "/work/project");
  await extension.activate({ subscriptions: [] });
  assert.equal(started.length, 1);
  const client = started[0];
  assert.deepEqual(client.serverOptions.run, { command: "yeji-policy", args: ["lsp"], options: { cwd: "/work/project" } });
  assert.deepEqual(client.clientOptions.documentSelector, [{ language: "yeji-policy" }]);
});

test("a relative command path is read from the workspace folder", async () => {
  const { extension, started } = load({ "server.command": ".venv/bin/yeji-policy" }, "/work/project");
  await extension.activate({ subscriptions: [] });
  assert.equal(started[0].serverOptions.run.command, "/work/project/.venv/bin/yeji-policy");
});

test("an absolute command path and custom arguments are kept", async () => {
  const { extension, started } = load({ "server.command": "/opt/bin/yeji-policy", "server.args": ["lsp", "--stdio"] });
  await extension.activate({ subscriptions: [] });
  assert.equal(started[0].serverOptions.run.command, "/opt/bin/yeji-policy");
  assert.deepEqual(started[0].serverOptions.run.args, ["lsp", "--stdio"]);
  assert.deepEqual(started[0].serverOptions.run.options, {});
});
