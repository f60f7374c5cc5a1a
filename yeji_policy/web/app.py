"""The web app of `yeji-policy serve`: pages and an HTTP API over every checked policy.

It serves the policies of a registry (versions.Registry: every file of
policies/, checked across files and linked), or one policy.  A programme is
found by its id; a programme with several versions is decided by the version
in force on the application's date (`application_date`, on every form, in the
API body and in the calculator), and a date that no version covers is an
invalid application like any other.  Everything shown comes from the checked
model (pipeline.load), the forms backend (labels, schemas, uiSchema) and the
generated engine (pipeline.engine); nothing here names a programme.  No state
is kept between requests: a form carries everything typed, the calculator
carries its answers in the query string.

Pages (Chinese, server-rendered, no JavaScript): / (the policies and their
programmes), /calculator (政策计算器), /apply/{programme} (the application
form and its result), /sheet (the HTML rule sheet; with several policies a
list of them) and /sheet/{policy}.  API under /api/v1: GET programmes, GET
forms/{programme}[?application_date=], POST evaluate/{programme}, POST match,
GET openapi.json.  JSON bodies are read exactly (batch.loads_exact: Decimal,
NaN/Infinity and repeated keys refused) and at most MAX_BODY bytes; errors are
RFC 9457 problem details.  POST evaluate, the one call made in bulk, is answered
in plain ASGI in front of Starlette (`_fast_evaluate`), with the same checks and
bytes as its route.
"""

from __future__ import annotations

import base64
import functools
import datetime
import hashlib
import json
import logging
import re
import types
from decimal import Decimal

import jinja2
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from .. import batch, catalogue, pipeline, policy_dates, ranges, runtime, versions
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
SITE_TITLE = "政策与补助项目"  # the masthead when several policies are served

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


def _query_day(request: Request) -> datetime.date | None:
    """?application_date=YYYY-MM-DD picks the version a form is shown for (the newest without it)."""
    return versions.application_day({versions.APPLICATION_DATE: request.query_params.get(versions.APPLICATION_DATE)})


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


class _Site:
    """One policy version as the app serves it: its engine, programmes and rule sheet."""

    def __init__(self, policy: M.Policy):
        self.policy = policy
        self.engine = pipeline.engine(policy)
        self.by_id = {p.id: p for p in policy.programmes}
        self.metas = [dict(catalogue.programme_meta(p), policy=policy.id) for p in policy.programmes]
        self.profile = forms.profile_fields(policy)
        self.sheet_html = sheets.render_html(sheets.build_sheet(policy)).encode("utf-8")
        # The rule sheet is one self-contained file with its own <style> (it is also printed and mailed
        # as is): that one element is allowed by its hash, not every inline style ('unsafe-inline').
        style = re.search(rb"<style>(.*?)</style>", self.sheet_html, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(style).digest()).decode("ascii")
        self.csp_sheet = CSP.replace("style-src 'self'", f"style-src 'sha256-{digest}'")


def _site_document(policies: list[M.Policy]):
    """What the masthead and footer show: the policy itself when there is one, else every policy."""
    if len(policies) == 1:
        return policies[0].document
    issuers = "、".join(dict.fromkeys(p.document.issuer for p in policies))
    versions_shown = "；".join(f"《{p.document.title}》{p.document.version}" for p in policies)
    return types.SimpleNamespace(title=SITE_TITLE, issuer=issuers, version=versions_shown, details=())


def _registry(source) -> versions.Registry:
    if isinstance(source, versions.Registry):
        return source
    return versions.Registry([source] if isinstance(source, M.Policy) else source)


def create_app(source) -> Starlette:
    """The app over one policy, or over every policy of a registry (versions.Registry): each
    programme is found by its id, and a programme with several versions is decided by the
    version in force on the application's date (versions.APPLICATION_DATE)."""
    registry = _registry(source)
    sites = {policy.id: _Site(policy) for policy in registry.policies}
    current = registry.current()
    invalid_kinds = (runtime.InvalidApplication, *(s.engine.InvalidApplication for s in sites.values()))
    metas = [m for policy in current for m in sites[policy.id].metas]
    known_ids = [m["id"] for m in metas]
    openapi_bytes = forms.dumps(openapi.document(current))
    site_doc = _site_document(current)
    env = jinja2.Environment(loader=jinja2.PackageLoader("yeji_policy", "web/templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(doc=site_doc, anchor=html_forms.anchor, labels=STATUS_LABELS,
                       show_yuan=lambda text: runtime.show_yuan(Decimal(text)), unit_help=forms.unit_help,
                       several=len(registry.policies) > 1,
                       day=lambda iso: policy_dates.shown(datetime.date.fromisoformat(iso)))

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status, headers=HEADERS)

    def version_for(pid, day: datetime.date | None = None) -> tuple[_Site, M.Programme]:
        """The version that decides programme pid on day (the newest without one); 404 for no programme."""
        policy = registry.policy_for(pid, day)
        if policy is None:
            raise Problem(404, "没有这个项目", f"未知的项目“{pid}”；可选的项目：{'、'.join(known_ids)}")
        site = sites[policy.id]
        return site, site.by_id[pid]

    # (policy, programme id) -> JSON application -> result, as `evaluate --json` reads it (built once, not per request)
    evaluators = {(site.policy.id, pid): form_ui.json_as_form(p.fields, functools.partial(site.engine.evaluate, pid))
                  for site in sites.values() for pid, p in site.by_id.items()}

    def evaluate_json(site: _Site, pid: str, data) -> dict:
        return evaluators[site.policy.id, pid](data)

    async def evaluated(pid: str, content_type: str, declared: str | None, chunks) -> bytes:
        """POST evaluate/{programme}: the result's JSON bytes, or a Problem (the route and the fast path below)."""
        version_for(pid)  # an unknown programme is a 404 before the body is read
        _require_json(content_type)
        data = _exact(await _read(declared, chunks))
        site, _ = version_for(pid, versions.application_day(data))
        try:
            return _json_bytes(evaluate_json(site, pid, data))
        except invalid_kinds as exc:
            raise Problem(422, "申请无效", f"共 {exc.count} 处问题", exc.errors, exc.count) from None

    def parts(data) -> list[tuple[_Site, dict]]:
        """The calculator's profile, shared out among the versions in force on its date."""
        chosen = registry.in_force(versions.application_day(data))
        names = [{f.name for f in sites[p.id].profile} for p in chosen]
        return [(sites[p.id], mine) for p, mine in zip(chosen, versions.share_profile(data, names))]

    # ------------------------------------------------------------ API
    async def api_programmes(request: Request) -> Response:
        return _json(metas)

    async def api_form(request: Request) -> Response:
        day = _query_day(request)
        site, p = version_for(request.path_params["programme"], day)
        return _exact_json({"programme": p.id, "policy": site.policy.id,
                            "schema": forms.programme_schema(site.policy, p),
                            "uischema": form_ui.uischema(forms.form_fields(site.policy, p))})

    async def api_evaluate(request: Request) -> Response:
        body = await evaluated(request.path_params["programme"], request.headers.get("content-type", ""),
                               request.headers.get("content-length"), request.stream())
        return Response(body, media_type="application/json", headers=HEADERS)

    def calculate(site: _Site, profile_data: dict, values: dict) -> tuple[list, list]:
        """One version's calculator entries, and its next questions (field, how many it decides)."""
        entries = site.engine.match(profile_data)
        outlooks = {o.programme: o for o in ranges.outlooks(site.policy, values)}
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
                    {"field": f.name, "label": f.label} for f in site.by_id[e["programme"]].fields
                    if f.name not in answered])
            e["possible"] = sorted(o.statuses) if e["status"] not in ("invalid",) else []
            e["least"] = runtime.cents_string(o.low)
            e["most"] = None if o.high is None else runtime.cents_string(o.high)
            if "cross" in e:  # a rule across programmes (#22) changed or bounds it: the range is the programme's alone
                cross_range(e)
        return entries, ranges.next_questions(site.policy, values, NEXT_QUESTIONS)


    def cross_range(e: dict) -> None:
        if e["status"] not in ("incomplete", "invalid") and e["status"] not in e["possible"]:
            e["possible"] = sorted(set(e["possible"]) | {e["status"]})
            e["least"] = "0.00"
        bound = e.get("max_amount") if e["status"] == "incomplete" else e.get("amount_if_approved", e.get("amount"))
        if bound is not None and e.get("max_amount") is not None:  # a decided amount above what a cap leaves
            bound = min(bound, e["max_amount"], key=Decimal)
        if bound is not None and (e["most"] is None or Decimal(e["most"]) > Decimal(bound)):
            e["most"] = bound
            e["least"] = min(e["least"], bound, key=Decimal)

    def calculate_all(shared: list[tuple[_Site, dict, dict]]) -> dict:
        """Every version's entries; the next questions ranked across them (most decided first)."""
        entries, ranked = [], []
        for order, (site, data, values) in enumerate(shared):
            mine, questions = calculate(site, data, values)
            entries += mine
            ranked += [(-n, order, rank, f, n) for rank, (f, n) in enumerate(questions)]
        asked, questions = set(), []
        for _, _, _, f, n in sorted(ranked, key=lambda r: r[:3]):
            if f.name not in asked and len(questions) < NEXT_QUESTIONS:
                asked.add(f.name)
                questions.append({"field": f.name, "label": f.label, "kind": f.kind, "decides": n})
        return {"programmes": entries, "next_questions": questions}

    def profile_values(site: _Site, data: dict) -> dict:
        specs = [catalogue.field_spec(f) for f in site.profile if f.name in data]
        errors: list = []
        values = runtime.validate_object(specs, {k: v for k, v in data.items() if k != versions.APPLICATION_DATE},
                                         "", errors)
        return {} if errors else values

    async def api_match(request: Request) -> Response:
        data = await _json_body(request)
        shared = []
        try:
            for site, mine in parts(data):
                form_ui.json_as_form(site.profile, site.engine.match)(mine)
                shared.append((site, mine, profile_values(site, mine)))
        except invalid_kinds as exc:
            raise Problem(422, "输入无效", f"共 {exc.count} 处问题", exc.errors, exc.count) from None
        return _json(calculate_all(shared))

    async def api_openapi(request: Request) -> Response:
        return Response(openapi_bytes, media_type="application/json", headers=HEADERS)

    # ------------------------------------------------------------ pages
    async def index(request: Request) -> Response:
        shown = [(policy, sites[policy.id].policy.programmes, sites[policy.id].metas,
                  [v for v in registry.policies if registry.families[v.id] == registry.families[policy.id]])
                 for policy in current]
        return page("index.html.j2", policies=shown, period=versions.period_data)

    def sheet_of(site: _Site) -> Response:
        return HTMLResponse(site.sheet_html, headers=dict(HEADERS, **{"Content-Security-Policy": site.csp_sheet}))

    async def sheet(request: Request) -> Response:
        if len(sites) == 1:
            return sheet_of(next(iter(sites.values())))
        return page("sheets.html.j2", policies=registry.policies, period=versions.period_data)

    async def policy_sheet(request: Request) -> Response:
        site = sites.get(request.path_params["policy"])
        if site is None:
            return page("not_found.html.j2", 404, detail=f"没有这个政策：{request.path_params['policy']}；"
                                                         f"现有：{'、'.join(sites)}")
        return sheet_of(site)

    async def favicon(request: Request) -> Response:
        return Response(status_code=204, headers=HEADERS)  # no icon; said plainly, not as a 404

    async def css(request: Request) -> Response:
        return Response(_CSS, media_type="text/css", headers=HEADERS)

    async def calculator(request: Request) -> Response:
        date_text = request.query_params.get(versions.APPLICATION_DATE, "").strip()
        dated = {versions.APPLICATION_DATE: date_text} if date_text else {}
        chosen = [sites[p.id] for p in registry.in_force(versions.application_day(dated))]
        fields: dict[str, M.Field] = {}
        for site in chosen:  # every input once, the first definition winning (as match reads a profile)
            for f in site.profile:
                if f.name != versions.APPLICATION_DATE:  # asked once, by its own input below
                    fields.setdefault(f.name, f)
        profile = list(fields.values())
        typed = {k: v for k, v in request.query_params.items() if k in fields}
        answers = dict(html_forms.answered(profile, typed), **dated)
        errors: list = []
        shared_answers = parts(answers)
        for site, mine in shared_answers:
            try:
                site.engine.match(mine)
            except invalid_kinds as exc:
                errors += [e for e in exc.errors if e not in errors]
        bad = {e["path"] for e in errors}
        good = {k: v for k, v in answers.items() if k not in bad}
        shared = [(site, mine, profile_values(site, mine)) for site, mine in parts(good)]
        values = {k: v for _, _, vs in shared for k, v in vs.items()}
        result = calculate_all(shared)
        asked = [fields[q["field"]] for q in result["next_questions"]]
        for path in bad:  # a wrong answer is asked again, with its message
            if path in fields and fields[path] not in asked:
                asked.insert(0, fields[path])
        kept = [(fields[k], v) for k, v in typed.items() if k in good]
        shown = {f.name: runtime.show_value(values[f.name], f.kind, f.unit, f.options) for f, _ in kept}
        by_path: dict = {}
        for e in errors:
            by_path.setdefault(e["path"], []).append(e["message"])
        date_field = forms.calculator_date_field([site.policy for site in chosen])
        return page("calculator.html.j2", result=result, asked=asked, kept=kept, date_field=date_field,
                    shown=shown, form=html_forms.FormState(dict(typed, **dated), {}), errors=errors, by_path=by_path)

    def apply_page(site: _Site, p: M.Programme, form, errors=(), status: int = 200) -> HTMLResponse:
        by_path: dict = {}
        for e in errors:
            by_path.setdefault(e["path"], []).append(e["message"])
        return page("apply.html.j2", status, p=p, fields=forms.form_fields(site.policy, p), form=form,
                    errors=list(errors), by_path=by_path, doc=site.policy.document)

    async def apply_get(request: Request) -> Response:
        try:
            site, p = version_for(request.path_params["programme"], _query_day(request))
        except Problem as exc:
            return page("not_found.html.j2", 404, detail=exc.detail)
        typed = {versions.APPLICATION_DATE: request.query_params[versions.APPLICATION_DATE]} \
            if versions.APPLICATION_DATE in request.query_params else {}
        return apply_page(site, p, html_forms.state(p.fields, typed))

    async def apply_post(request: Request) -> Response:
        try:
            site, p = version_for(request.path_params["programme"])
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
        day = versions.application_day({versions.APPLICATION_DATE: typed.get(versions.APPLICATION_DATE, "").strip()})
        site, p = version_for(p.id, day)  # the version in force on the date typed
        form = html_forms.state(p.fields, typed)
        action = typed.pop("_action", "")
        if action:
            return apply_page(site, p, html_forms.apply_action(p.fields, form, action))
        fields = forms.form_fields(site.policy, p)
        try:
            result = site.engine.evaluate(p.id, html_forms.application(fields, form))
        except invalid_kinds as exc:
            return apply_page(site, p, form, exc.errors)
        log.info("申请 %s：%s %s", p.id, result["status"], result["amount"])
        return page("result.html.j2", p=p, r=result, article=site.policy.article(p.article),
                    doc=site.policy.document)

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
        Route("/sheet/{policy}", policy_sheet),
        Route("/static/app.css", css),
        Route("/favicon.ico", favicon),
        Route(f"{openapi.PREFIX}/programmes", api_programmes),
        Route(f"{openapi.PREFIX}/forms/{{programme}}", api_form),
        Route(f"{openapi.PREFIX}/evaluate/{{programme}}", api_evaluate, methods=["POST"]),
        Route(f"{openapi.PREFIX}/match", api_match, methods=["POST"]),
        Route(f"{openapi.PREFIX}/openapi.json", api_openapi),
    ]
    app = Starlette(routes=routes, exception_handlers={Problem: problem, 404: not_found, 405: method_not_allowed})
    return _fast_evaluate(app, evaluated, frozenset(known_ids))


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


def load_app(policy_file: str | tuple[str, ...] | None = None) -> Starlette:
    """The app for every policy in policies/ (or the ones given), checked and linked as every command reads them."""
    from ..cli import _registry as load_registry

    return create_app(load_registry(policy_file))


