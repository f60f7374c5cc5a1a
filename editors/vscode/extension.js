// The yeji-policy extension: starts `yeji-policy lsp` (stdio) for .policy files.
// Highlighting comes from the TextMate grammar; everything else (diagnostics,
// hover, definition, references, outline, completion, formatting) from the server.
"use strict";

const path = require("path");
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("yejiPolicy");
  const args = config.get("server.args", ["lsp"]);
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  let command = config.get("server.command", "yeji-policy");
  // A relative path such as .venv/bin/yeji-policy means the workspace's own environment.
  if (folder && command.includes("/") && !path.isAbsolute(command)) {
    command = path.join(folder.uri.fsPath, command);
  }
  const server = { command, args, options: folder ? { cwd: folder.uri.fsPath } : {} };
  client = new LanguageClient("yejiPolicy", "yeji-policy", { run: server, debug: server }, {
    documentSelector: [{ language: "yeji-policy" }],
  });
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("yejiPolicy.server")) {
        vscode.window.showInformationMessage("yeji-policy：语言服务器的设置已更改，请重新加载窗口后生效。");
      }
    })
  );
  return client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `yeji-policy：无法启动语言服务器（${command} ${args.join(" ")}）：${error.message}。` +
        "请在设置 yejiPolicy.server.command 中填写 yeji-policy 的路径。"
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
