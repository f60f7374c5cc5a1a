"""The web app of `yeji-policy serve`: pages and an HTTP API over one checked policy.

Everything shown comes from the checked model (pipeline.load), the forms
backend (labels, schemas, uiSchema) and the generated engine
(pipeline.engine); nothing here names a programme.  No state is kept between
requests: a form carries everything typed, the calculator carries its answers
in the query string.

Pages (Chinese, server-rendered, no JavaScript): / (the policy and its
programmes), /calculator (政策计算器), /apply/{programme} (the application
form and its result), /sheet (the HTML rule sheet).  API under /api/v1:
GET programmes, GET forms/{programme}, POST evaluate/{programme}, POST match,
GET openapi.json.  JSON bodies are read exactly (batch.loads_exact: Decimal,
NaN/Infinity and repeated keys refused) and at most MAX_BODY bytes; errors are
RFC 9457 problem details.  POST evaluate, the one call made in bulk, is answered
in plain ASGI in front of Starlette (`_fast_evaluate`), with the same checks and
bytes as its route.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import re
from decimal import Decimal

import jinja2
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from .. import batch, catalogue, pipeline, ranges, runtime
from .. import model as M
from ..backends import form_ui, sheets
from ..backends import schema as forms
from . import forms as html_forms
from . import openapi

log = logging.getLogger("yeji_policy.web")

MAX_BODY = batch.MAX_LINE  # the same limit as one application on the command line
NEXT_QUESTIONS = 3
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")

HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store"}
STATUS_LABELS = dict(M.STATUS_LABELS, incomplete="信息不全")
DECIDED = {"eligible": "符合条件", "ineligible": "不符合条件", "review": "需要人工审核"}

_CSS = (__import__("pathlib").Path(__file__).parent / "static" / "app.css").read_bytes()


class Problem(Exception):
    """An RFC 9457 problem: the response an API error gets."""

    def __init__(self, status: int, title: str, detail: str | None = None, errors=None, count: int | None = None):
        self.status, self.title, self.detail, self.errors, self.count = status, title, detail, errors, count

    def response(self, instance: str) -> Response:
        body: dict = {"type": "about:blank" if self.errors is None else "/api/v1/problems/invalid",
                      "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        body["instance"] = instance
        if self.errors is not None:
            body["errors"] = self.errors
            body["error_count"] = self.count
        return Response(_json_bytes(body), status_code=self.status, media_type=openapi.PROBLEM, headers=HEADERS)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # built once: json.dumps with options builds one a call


def _json_bytes(value) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def _json(value, status: int = 200) -> Response:
    return Response(_json_bytes(value), status_code=status, media_type="application/json", headers=HEADERS)


def _exact_json(value) -> Response:
    """Schemas hold exact Decimals (maximum 9999999999.99, multipleOf 0.01): written as exact numbers."""
    return Response(forms.dumps(value), media_type="application/json", headers=HEADERS)


def _too_large() -> Problem:
    return Problem(413, "请求体过大", f"请求体最多 {MAX_BODY:,} 字节")


async def _read(declared: str | None, chunks) -> bytes:
    """A request body of at most MAX_BODY bytes: refused on its declared length before
    reading, or as soon as what arrives passes the limit (chunks: an async iterator)."""
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    parts, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        parts.append(chunk)
    return b"".join(parts)


async def _body(request: Request) -> bytes:
    return await _read(request.headers.get("content-length"), request.stream())


def _require_json(content_type: str) -> None:
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise Problem(415, "请求体应为 JSON", "请以 Content-Type: application/json 发送")


def _exact(data: bytes):
    """A JSON request body read exactly (batch.loads_exact), or the problem it has."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, "请求体不是 UTF-8 编码", f"第{exc.start + 1}个字节无法按 UTF-8 读取") from None
    if text.startswith("\ufeff"):  # a BOM is ignored, as `evaluate` ignores it in a file (RFC 8259 §8.1)
        text = text[1:]
    try:
        return batch.loads_exact(text)
    except json.JSONDecodeError as exc:
        raise Problem(400, "JSON 格式错误", batch.describe_json_error(exc)) from None
    except batch.JSONValueError as exc:
        raise Problem(400, "JSON 中有不接受的内容", str(exc)) from None
    except RecursionError:
        raise Problem(400, "JSON 嵌套层数过深") from None


async def _json_body(request: Request):
    _require_json(request.headers.get("content-type", ""))
    return _exact(await _body(request))


async def _receive_chunks(receive):
    """The body of a raw ASGI request, chunk by chunk (as Request.stream())."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


def _raw_headers(headers: dict) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def create_app(policy: M.Policy):
    engine = pipeline.engine(policy)
    invalid_kinds = (runtime.InvalidApplication, engine.InvalidApplication)
    metas = [dict(catalogue.programme_meta(p), policy=policy.id) for p in policy.programmes]
    by_id = {p.id: p for p in policy.programmes}
    profile = forms.profile_fields(policy)
    openapi_bytes = forms.dumps(openapi.document(policy))
    sheet_html = sheets.render_html(sheets.build_sheet(policy)).encode("utf-8")
    # The rule sheet is one self-contained file with its own <style> (it is also printed and mailed as is):
    # that one element is allowed by its hash, not every inline style ('unsafe-inline').
    style = re.search(rb"<style>(.*?)</style>", sheet_html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style).digest()).decode("ascii")
    csp_sheet = CSP.replace("style-src 'self'", f"style-src 'sha256-{digest}'")
    env = jinja2.Environment(loader=jinja2.PackageLoader("yeji_policy", "web/templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(doc=policy.document, anchor=html_forms.anchor, labels=STATUS_LABELS,
                       show_yuan=lambda text: runtime.show_yuan(Decimal(text)), unit_help=forms.unit_help)

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status, headers=HEADERS)

    def programme_or_404(pid: str) -> M.Programme:
        if pid not in by_id:
            raise Problem(404, "没有这个项目", f"未知的项目“{pid}”；可选的项目：{'、'.join(by_id)}")
        return by_id[pid]

    # programme id -> JSON application -> result, as `evaluate --json` reads it (built once, not per request)
    evaluators = {p.id: form_ui.json_as_form(p.fields, functools.partial(engine.evaluate, p.id))
                  for p in policy.programmes}

    async def evaluated(pid: str, content_type: str, declared: str | None, chunks) -> bytes:
        """POST evaluate/{programme}: the result's JSON bytes, or a Problem (the route and the fast path below)."""
        programme_or_404(pid)
        _require_json(content_type)
        data = _exact(await _read(declared, chunks))
        try:
            return _json_bytes(evaluators[pid](data))
        except invalid_kinds as exc:
            raise Problem(422, "申请无效", f"共 {exc.count} 处问题", exc.errors, exc.count) from None

    # ------------------------------------------------------------ API
    async def api_programmes(request: Request) -> Response:
        return _json(metas)

    async def api_form(request: Request) -> Response:
        p = programme_or_404(request.path_params["programme"])
        return _exact_json({"programme": p.id, "schema": forms.programme_schema(policy, p),
                            "uischema": form_ui.uischema(p.fields)})

    async def api_evaluate(request: Request) -> Response:
        body = await evaluated(request.path_params["programme"], request.headers.get("content-type", ""),
                               request.headers.get("content-length"), request.stream())
        return Response(body, media_type="application/json", headers=HEADERS)

    def calculate(profile_data: dict, values: dict) -> dict:
        entries = engine.match(profile_data)
        outlooks = {o.programme: o for o in ranges.outlooks(policy, values)}
        for e in entries:
            o = outlooks[e["programme"]]
            if e["status"] == "incomplete" and o.decided is not None:
                e["status"] = o.decided
                e["decided_by_range"] = True
                e["reasons"] = [f"按已回答的情况，无论其余各项如何填写，本项目都{DECIDED[o.decided]}"]
            elif e["status"] in DECIDED and o.decided is None:
                # match filled an unanswered input with its default (e.g. awards received 默认 0元);
                # the applicant has not said so, and another answer changes the result.
                for key in ("amount", "amount_if_approved"):
                    e.pop(key, None)
                answered = set(profile_data)
                e.update(status="incomplete", reasons=[], missing=[
                    {"field": f.name, "label": f.label} for f in by_id[e["programme"]].fields
                    if f.name not in answered])
            e["possible"] = sorted(o.statuses) if e["status"] not in ("invalid",) else []
            e["least"] = runtime.cents_string(o.low)
            e["most"] = None if o.high is None else runtime.cents_string(o.high)
            if "cross" in e:  # a rule across programmes (#22) changed or bounds it: the range is the programme's alone
                cross_range(e)
        questions = [{"field": f.name, "label": f.label, "kind": f.kind, "decides": n}
                     for f, n in ranges.next_questions(policy, values, NEXT_QUESTIONS)]
        return {"programmes": entries, "next_questions": questions}

    def cross_range(e: dict) -> None:
        if e["status"] not in ("incomplete", "invalid") and e["status"] not in e["possible"]:
            e["possible"] = sorted(set(e["possible"]) | {e["status"]})
            e["least"] = "0.00"
        bound = e.get("max_amount") if e["status"] == "incomplete" else e.get("amount_if_approved", e.get("amount"))
        if bound is not None and (e["most"] is None or Decimal(e["most"]) > Decimal(bound)):
            e["most"] = bound
            e["least"] = min(e["least"], bound, key=Decimal)

    def profile_values(data: dict) -> dict:
        specs = [catalogue.field_spec(f) for f in profile if f.name in data]
        errors: list = []
        values = runtime.validate_object(specs, data, "", errors)
        return {} if errors else values

    async def api_match(request: Request) -> Response:
        data = await _json_body(request)
        try:
            form_ui.json_as_form(profile, engine.match)(data)
        except invalid_kinds as exc:
            raise Problem(422, "输入无效", f"共 {exc.count} 处问题", exc.errors, exc.count) from None
        return _json(calculate(data, profile_values(data)))

    async def api_openapi(request: Request) -> Response:
        return Response(openapi_bytes, media_type="application/json", headers=HEADERS)

    # ------------------------------------------------------------ pages
    async def index(request: Request) -> Response:
        return page("index.html.j2", metas=metas, programmes=policy.programmes)

    async def sheet(request: Request) -> Response:
        return HTMLResponse(sheet_html, headers=dict(HEADERS, **{"Content-Security-Policy": csp_sheet}))

    async def favicon(request: Request) -> Response:
        return Response(status_code=204, headers=HEADERS)  # no icon; said plainly, not as a 404

    async def css(request: Request) -> Response:
        return Response(_CSS, media_type="text/css", headers=HEADERS)

    async def calculator(request: Request) -> Response:
        typed = {k: v for k, v in request.query_params.items() if any(f.name == k for f in profile)}
        answers = html_forms.answered(profile, typed)
        errors: list = []
        try:
            engine.match(answers)
        except invalid_kinds as exc:
            errors = exc.errors
        bad = {e["path"] for e in errors}
        good = {k: v for k, v in answers.items() if k not in bad}
        values = profile_values(good)
        result = calculate(good, values)
        fields = {f.name: f for f in profile}
        asked = [fields[q["field"]] for q in result["next_questions"]]
        for path in bad:  # a wrong answer is asked again, with its message
            if path in fields and fields[path] not in asked:
                asked.insert(0, fields[path])
        kept = [(fields[k], v) for k, v in typed.items() if k in good]
        shown = {f.name: runtime.show_value(values[f.name], f.kind, f.unit, f.options) for f, _ in kept}
        by_path: dict = {}
        for e in errors:
            by_path.setdefault(e["path"], []).append(e["message"])
        return page("calculator.html.j2", result=result, asked=asked, kept=kept,
                    shown=shown, form=html_forms.FormState(typed, {}), errors=errors, by_path=by_path)

    async def apply_get(request: Request) -> Response:
        try:
            p = programme_or_404(request.path_params["programme"])
        except Problem as exc:
            return page("not_found.html.j2", 404, detail=exc.detail)
        return page("apply.html.j2", p=p, form=html_forms.state(p.fields, {}), errors=[], by_path={})

    async def apply_post(request: Request) -> Response:
        try:
            p = programme_or_404(request.path_params["programme"])
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/x-www-form-urlencoded":
                raise Problem(415, "请通过申请表提交")
            body = (await _body(request)).decode("utf-8", errors="replace")
        except Problem as exc:
            return page("not_found.html.j2", exc.status, detail=exc.detail or exc.title)
        try:
            typed = html_forms.parse(body)
        except ValueError:  # more fields than any form of this policy has
            return page("not_found.html.j2", 413, detail=f"提交的项目过多（最多 {html_forms.MAX_FIELDS:,} 项）")
        form = html_forms.state(p.fields, typed)
        action = typed.pop("_action", "")
        if action:
            form = html_forms.apply_action(p.fields, form, action)
            return page("apply.html.j2", p=p, form=form, errors=[], by_path={})
        try:
            result = engine.evaluate(p.id, html_forms.application(p.fields, form))
        except invalid_kinds as exc:
            by_path: dict = {}
            for e in exc.errors:
                by_path.setdefault(e["path"], []).append(e["message"])
            return page("apply.html.j2", p=p, form=form, errors=exc.errors, by_path=by_path)
        log.info("申请 %s：%s %s", p.id, result["status"], result["amount"])
        return page("result.html.j2", p=p, r=result, article=policy.article(p.article))

    async def not_found(request: Request, exc) -> Response:
        if request.url.path.startswith(openapi.PREFIX):
            return Problem(404, "没有这个地址").response(request.url.path)
        return page("not_found.html.j2", 404, detail=f"没有这个页面：{request.url.path}")

    async def method_not_allowed(request: Request, exc) -> Response:
        return Problem(405, "不支持这个请求方法").response(request.url.path)

    async def problem(request: Request, exc: Problem) -> Response:
        if exc.status >= 500:  # pragma: no cover - no route raises one
            log.error("%s %s", request.url.path, exc.title)
        return exc.response(request.url.path)

    routes = [
        Route("/", index),
        Route("/calculator", calculator),
        Route("/apply/{programme}", apply_get, methods=["GET"]),
        Route("/apply/{programme}", apply_post, methods=["POST"]),
        Route("/sheet", sheet),
        Route("/static/app.css", css),
        Route("/favicon.ico", favicon),
        Route(f"{openapi.PREFIX}/programmes", api_programmes),
        Route(f"{openapi.PREFIX}/forms/{{programme}}", api_form),
        Route(f"{openapi.PREFIX}/evaluate/{{programme}}", api_evaluate, methods=["POST"]),
        Route(f"{openapi.PREFIX}/match", api_match, methods=["POST"]),
        Route(f"{openapi.PREFIX}/openapi.json", api_openapi),
    ]
    app = Starlette(routes=routes, exception_handlers={Problem: problem, 404: not_found, 405: method_not_allowed})
    return _fast_evaluate(app, evaluated, frozenset(by_id))


# ---------------------------------------------------------------- the fast path (#13: ≥ 2,000 requests/s)
_EVALUATE = f"{openapi.PREFIX}/evaluate/"
_JSON_HEADERS = _raw_headers(dict(HEADERS, **{"Content-Type": "application/json"}))


def _fast_evaluate(app: Starlette, evaluated, programmes: frozenset):
    """app, with POST evaluate/{programme} for a known programme answered in plain ASGI:
    the same checks and bytes as its route (`evaluated`), without Starlette's
    middleware, routing table, Request and Response objects, which cost as much per
    request as the evaluation itself (benchmarks/serve_http.py measures both).
    Every other request, and every problem's response, goes through app."""

    async def asgi(scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "POST" or not path.startswith(_EVALUATE) \
                or path[len(_EVALUATE):] not in programmes:
            await app(scope, receive, send)
            return
        content_type = declared = None
        for name, value in scope["headers"]:
            if name == b"content-type" and content_type is None:  # the first, as Request.headers.get
                content_type = value.decode("latin-1")
            elif name == b"content-length" and declared is None:
                declared = value.decode("latin-1")
        try:
            body = await evaluated(path[len(_EVALUATE):], content_type or "", declared, _receive_chunks(receive))
        except Problem as exc:
            await exc.response(path)(scope, receive, send)
            return
        except ClientDisconnect:
            return  # gone before its body arrived: nobody to answer
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode("ascii")), *_JSON_HEADERS]})
        await send({"type": "http.response.body", "body": body})

    asgi.starlette = app  # the app behind the fast path (tests, and anyone mounting it elsewhere)
    asgi.evaluate_args = (evaluated, programmes)
    return asgi


def load_app(policy_file: str | None = None):
    """The app for the one policy in policies/ (or the one given)."""
    from ..cli import _only_policy

    return create_app(_only_policy(policy_file, "网页服务"))


