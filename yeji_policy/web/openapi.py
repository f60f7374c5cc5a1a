"""The API's OpenAPI 3.1 document, generated from the checked model.

Request bodies are the form schemas themselves (backends/schema.py: JSON
Schema 2020-12, OpenAPI 3.1's own dialect), one path per programme for
POST /evaluate so that each body has its exact schema; errors are RFC 9457
problem details.
"""

from __future__ import annotations

from .. import model as M
from ..backends import schema as forms

PREFIX = "/api/v1"
PROBLEM = "application/problem+json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict:
    return {"description": description, "content": {PROBLEM: {"schema": _ref("Problem")}}}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 问题详情；申请无效时 errors 列出每一处问题（路径与中文说明）",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["path", "message"],
            "properties": {"path": {"type": "string"}, "message": {"type": "string"}}}},
        "error_count": {"type": "integer"},
    },
    "required": ["type", "title", "status"],
}

RESULT_SCHEMA = {
    "type": "object",
    "description": "一份申请的结果：状态、金额（两位小数的字符串，单位：元）、每一步的说明及其条款、适用的解释",
    "required": ["programme", "programme_name", "status", "amount", "article", "steps", "reasons", "interpretations"],
    "properties": {
        "programme": {"type": "string"},
        "programme_name": {"type": "string"},
        "status": {"enum": ["eligible", "ineligible", "review"]},
        "amount": {"type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$"},
        "amount_if_approved": {"type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$"},
        "article": {"type": "integer"},
        "funding_source": {"type": "string"},
        "payment_condition": {"type": "string"},
        "steps": {"type": "array", "items": {"type": "string"}},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "interpretations": {"type": "array", "items": {"type": "object"}},
        "trace": {"type": "array", "description": "每一步的结构化记录（README“The trace record”），steps 即由其生成",
                  "items": {"type": "object", "required": ["id", "kind", "article", "clause", "inputs", "value",
                                                           "interpretations", "explanation"]}},
    },
}

MATCH_SCHEMA = {
    "type": "object",
    "required": ["programmes", "next_questions"],
    "properties": {
        "programmes": {"type": "array", "items": {"type": "object", "required": ["programme", "status", "possible"],
                                                  "properties": {
                                                      "programme": {"type": "string"},
                                                      "status": {"enum": ["eligible", "ineligible", "review",
                                                                          "incomplete", "invalid"]},
                                                      "possible": {"type": "array", "items": {"type": "string"}},
                                                      "least": {"type": "string"},
                                                      "most": {"type": ["string", "null"]},
                                                      # the rules across programmes naming it (#22)
                                                      "cross": {"type": "array", "items": {
                                                          "type": "object", "required": ["id", "text"],
                                                          "properties": {"id": {"type": "string"},
                                                                         "text": {"type": "string"}}}},
                                                  }}},
        "next_questions": {"type": "array", "items": {"type": "object"}},
    },
}


def document(policy: M.Policy) -> dict:
    ids = list(policy.programme_ids)
    components = {"Problem": PROBLEM_SCHEMA, "Result": RESULT_SCHEMA, "Match": MATCH_SCHEMA,
                  "Profile": forms.profile_schema(policy)}
    paths: dict = {
        f"{PREFIX}/programmes": {"get": {
            "summary": "全部补助项目及其申请表字段", "operationId": "programmes",
            "responses": {"200": _json("项目列表", {"type": "array", "items": {"type": "object"}})}}},
        f"{PREFIX}/forms/{{programme}}": {"get": {
            "summary": "一个项目的申请表：JSON Schema（2020-12）与 uiSchema", "operationId": "form",
            "parameters": [{"name": "programme", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": ids}}],
            "responses": {"200": _json("申请表", {"type": "object", "required": ["schema", "uischema"]}),
                          "404": _problem("没有这个项目")}}},
        f"{PREFIX}/match": {"post": {
            "summary": "政策计算器：据已知情况列出已确定和仍可能的项目，以及接下来最值得回答的问题",
            "operationId": "match",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Profile")}}},
            "responses": {"200": _json("计算结果", _ref("Match")), "400": _problem("JSON 格式错误"),
                          "413": _problem("请求体过大"), "415": _problem("不是 JSON"),
                          "422": _problem("输入无效")}}},
        f"{PREFIX}/openapi.json": {"get": {
            "summary": "本文档", "operationId": "openapi",
            "responses": {"200": _json("OpenAPI 3.1 文档", {"type": "object"})}}},
    }
    for p in policy.programmes:
        components[p.id] = forms.programme_schema(policy, p)
        paths[f"{PREFIX}/evaluate/{p.id}"] = {"post": {
            "summary": f"第{p.article}条 {p.name}：对一份申请作出决定",
            "operationId": f"evaluate_{p.id}",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(p.id)}}},
            "responses": {"200": _json("结果", _ref("Result")), "400": _problem("JSON 格式错误"),
                          "413": _problem("请求体过大"), "415": _problem("不是 JSON"),
                          "422": _problem("申请无效：列出每一处问题")}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{policy.document.title}（{policy.document.issuer}）", "version": policy.document.version,
                 "description": forms.provenance(policy)},
        "jsonSchemaDialect": forms.DIALECT,
        "paths": paths,
        "components": {"schemas": components},
    }
