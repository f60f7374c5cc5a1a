"""The language's keywords, by what they mean.

The grammar (grammar/policy.lark) spells each keyword where its rule stands;
the passes that write or name keywords — the formatter, the checker's
messages, the Python backend's comments, the editor — take the spelling from
here, never from a literal of their own.  tests/test_keywords.py checks that
this table and the grammar agree both ways: every spelling here is a keyword
of the grammar, and every Chinese keyword of the grammar is here.
"""

from __future__ import annotations

# the type of an input (输入 { name: 金额 "…" })
TYPES = {"money": "金额", "number": "数值", "int": "整数", "bool": "是否", "date": "日期", "text": "文本",
         "enum": "选项", "list": "列表"}

# options after an input's type
FIELD_OPTIONS = {"help": "说明", "default": "默认", "min": "最小", "step": "步长", "interpretation": "解释"}

# the rules of a programme
RULES = {"let": "令", "require": "要求", "review": "审核", "unique": "唯一", "check": "校验", "amount": "金额"}

# the words inside rules and amounts
OPERATORS = {"and": "且", "or": "或", "not": "非", "member": "属于", "if": "若", "then": "则", "else": "否则",
             "cases": "情形", "when": "当", "other": "其他", "tiers": "分档", "reaches": "达到", "lookup": "按",
             "per_item": "逐项", "as": "为", "cap": "最高不超过", "total_cap": "合计最高不超过", "at": "于", "because": "因",
             "ineligible": "不符合"}

# --- 除法、比例与累进 (#22 ratio): a progressive table and its bands
BANDS = {"bands": "累进", "upto": "不超过", "above": "超过"}

# built-in functions: spelling -> what the engines call
FUNCTIONS = {"最小": "min", "最大": "max", "月数": "months", "重叠月数": "overlap_months",
             "天数": "days", "年份": "year", "满": "full"}

# the document block
DOCUMENT = {"document": "文件", "issuer": "发文机关", "title": "标题", "version": "版本", "basis": "依据",
            "addressees": "主送", "preamble": "引言", "amends": "修订", "since": "自"}
# optional entries, each one string (the checker, the formatter and diff read these)
DOC_DETAILS = {"doc_number": "文号", "date_written": "成文日期", "date_effective": "施行日期", "validity": "有效期",
               "expires": "有效期至", "repealed": "废止日期"}
# the document's entries that are dates (policy_dates.py reads them)
DOC_DATES = ("date_written", "date_effective", "expires", "repealed")

# chapters, articles and their measures
STRUCTURE = {"chapter": "章", "article": "条", "programme": "项目", "test": "测试", "figure_note": "非规范数字",
             "clause_note": "非规范条文"}
MEASURES = {"goal": "目标", "task": "任务", "responsible": "责任单位", "indicator": "指标", "target_group": "对象",
            "funding": "资金承诺", "organisation": "组织"}
# the block of a traced measure (its clauses, units, deadline; 资金来源 for a funding commitment)
TRACED = {"clause": "条文", "lead": "牵头", "support": "配合", "deadline": "时限", "funding_source": "资金来源"}

# the entries of a programme
PROGRAMME = {"article": "条款", "excerpt": "摘录", "applicant": "申请主体", "funding_source": "资金来源",
             "payment_condition": "兑现条件", "inputs": "输入"}
PROGRAMME_DETAILS = {
    "payment_method": "兑现方式", "duration": "补助期限", "precondition": "兑现前提", "office": "受理部门",
    "materials": "申报材料", "combination": "重复享受", "money_wording": "资金表述",
    "starts": "起始日期", "ends": "截止日期",
}

# test cases: expectations and their details
STATUSES = {"eligible": "符合", "ineligible": "不符合", "review": "需审核", "invalid": "无效"}
EXPECT = {"inputs": "输入", "expect": "预期", "amount": "金额", "amount_if_approved": "批准后", "reason": "原因",
          "path": "路径"}
BOOLEANS = {True: "是", False: "否"}

# --- rules across programmes (#22): the declarations and their entries
CROSS = {"exclusion": "不得重复享受", "aggregate_cap": "合计上限", "elsewhere": "其他同类政策", "on_repeat": "重复时",
         "highest": "就高", "period": "期间", "received": "已获补助", "on_excess": "超出时", "in_order": "按项目顺序"}

# dates in rules (#22, #16): the application's date, the policy's 施行日期, per-year schedules
# (逐年 自 … 至 … { 第1年: … }) and rule-level periods (期间 自 … 至 … 按 … { … })
DATES = {"application_date": "申请日期", "effective_date": "施行日期", "per_year": "逐年", "from": "自", "to": "至",
         "period": "期间", "by": "按"}

TABLES = (TYPES, FIELD_OPTIONS, RULES, OPERATORS, DOCUMENT, DOC_DETAILS, STRUCTURE, MEASURES, TRACED, PROGRAMME,
          PROGRAMME_DETAILS, STATUSES, EXPECT, BOOLEANS, CROSS, BANDS, DATES)


def spellings() -> set[str]:
    """Every keyword as the grammar spells it (functions included)."""
    return {word for table in TABLES for word in table.values()} | set(FUNCTIONS)
