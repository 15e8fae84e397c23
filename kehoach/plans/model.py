"""The plan model: what one KẾ HOẠCH says, as validated values.

A plan references units and unit groups by id; both live in the shared unit directory
(``kehoach.plans.directory``), so one deployment can hold the plans of many offices.
Dates a plan repeats every year are written ``dd/mm`` (``DayMonth``); a date that happens
once is written ``dd/mm/yyyy``, accepted wherever a date is. Report deadlines are due rules
(``kehoach.plans.due_rules``). A plan has a span (``year``, ``years: 2026–2030`` or
``span: {from, to}``) outside which nothing is expanded.
"""

from __future__ import annotations

import calendar as _calendar
import re
from datetime import date, time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, model_validator

from kehoach.calendar import DueOnDayOff
from kehoach.plans.dates import DayMonth, VnDate, _parse_vn_date
from kehoach.plans.due_rules import DueRule
from kehoach.plans.formulas import valid_formula

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]


def _parse_time(value: Any) -> Any:
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if not m or int(m[1]) > 23 or int(m[2]) > 59:
            raise ValueError(f"'{value}' không phải giờ hợp lệ (HH:MM)")
        return time(int(m[1]), int(m[2]))
    return value


LocalTime = Annotated[time, BeforeValidator(_parse_time)]


def _parse_years(value: Any) -> tuple[int, int]:
    """``2026–2030``, ``2026-2030`` or ``2026`` → (first, last)."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        first, last = int(value[0]), int(value[1])
    elif isinstance(value, int):
        first = last = value
    else:
        m = re.fullmatch(r"\s*(\d{4})\s*(?:[-–—]\s*(\d{4})\s*)?", str(value))
        if not m:
            raise ValueError(f"'{value}' không đúng dạng năm đầu–năm cuối (ví dụ 2026–2030)")
        first, last = int(m[1]), int(m[2] or m[1])
    if not 2000 <= first <= last <= 2100:
        raise ValueError(f"giai đoạn {first}–{last} không hợp lệ")
    return first, last


YearRange = Annotated[tuple[int, int], BeforeValidator(_parse_years)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cadence(StrEnum):
    """How often a task recurs, as plans write it."""

    CONTINUOUS = "thuong_xuyen"  # "Thường xuyên": reminded every ReminderPolicy.continuous_every
    MONTHLY = "hang_thang"
    QUARTERLY = "hang_quy"
    BY_DATE = "theo_thoi_han"  # done by ``Task.due``
    CAMPAIGN = "theo_dot"  # done within a campaign; the campaign's messages remind it


class Every(StrEnum):
    MONTH = "thang"
    QUARTER = "quy"


class PeriodKind(StrEnum):
    """Reporting periods; windows follow Nghị định 09/2019/NĐ-CP, Điều 12."""

    MONTHLY = "thang"  # 15th of the previous month to the 14th
    QUARTERLY = "quy"  # 15th of the month before the quarter to the 14th of its last month
    SEMIANNUAL = "6_thang"  # 15/12 of the previous year to 14/06
    ANNUAL = "nam"  # 15/12 of the previous year to 14/12
    ONE_OFF = "chuyen_de"  # a thematic report: its own window (``Report.window``), once
    CAMPAIGN = "thang_hanh_dong"  # the Action Month: the campaign's own dates
    ROUND = "theo_dot"  # any other campaign (``Report.campaign``): the campaign's own dates


CAMPAIGN_KINDS = frozenset({PeriodKind.CAMPAIGN, PeriodKind.ROUND})


def _quarter(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 4:
        raise ValueError(f"quý {value} không tồn tại (chỉ có quý 1 đến quý 4)")
    return value


def _month(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 12:
        raise ValueError(f"tháng {value} không tồn tại")
    return value


Quarter = Annotated[int | None, AfterValidator(_quarter)]
Month = Annotated[int | None, AfterValidator(_month)]


class IndicatorKind(StrEnum):
    FLOW = "flow"  # happened during the period: summed
    STOCK = "stock"  # a headcount at the end of the window
    FLAG = "flag"  # có/không
    TEXT = "text"  # narrative
    MONEY = "money"  # an amount in its unit_of_measure ("đồng", "triệu đồng"): the funds section


class Signer(_Model):
    authority: str = Field(description="TM. / KT. / TL. line, e.g. 'KT. GIÁM ĐỐC'")
    title: str
    position: str | None = None
    name: str


class ParentPlan(_Model):
    number: str
    date: VnDate
    issuer: str
    title: str | None = None


class Recipient(_Model):
    """One line of "Nơi nhận"."""

    name: str
    units: list[str] = Field(default_factory=list, description="unit or group ids it stands for")
    note: str | None = None


class Span(_Model):
    """Two dates, ``from`` and ``to``, both included."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    start: VnDate = Field(alias="from")
    end: VnDate = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"ngày kết thúc {self.end:%d/%m/%Y} trước ngày bắt đầu {self.start:%d/%m/%Y}")
        return self


class TaskWindow(_Model):
    """When a task is to be done: "trong Quý III/2026", "trong tháng 11/2026", or from/to."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    quarter: Quarter = None
    month: Month = None
    year: int | None = Field(default=None, ge=2000, le=2100, description="blank: every year of the plan")
    start: VnDate | None = Field(default=None, alias="from")
    end: VnDate | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _one_form(self) -> TaskWindow:
        forms = [self.quarter is not None, self.month is not None, self.start is not None or self.end is not None]
        if sum(forms) != 1 or (forms[2] and (self.start is None or self.end is None)):
            raise ValueError("thời hạn cần đúng một trong: 'quarter', 'month', hoặc cả 'from' và 'to'")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"ngày kết thúc {self.end:%d/%m/%Y} trước ngày bắt đầu {self.start:%d/%m/%Y}")
        return self

    def occurs_in(self, year: int) -> bool:
        if self.start is not None:
            return self.start.year == year
        return self.year is None or self.year == year

    def bounds(self, year: int) -> tuple[date, date]:
        """First and last day of the window in ``year``."""
        if self.start is not None and self.end is not None:
            return self.start, self.end
        y = self.year or year
        first, months = ((self.quarter - 1) * 3 + 1, 3) if self.quarter else (self.month or 1, 1)
        last = first + months - 1
        return date(y, first, 1), date(y, last, _calendar.monthrange(y, last)[1])

    def __str__(self) -> str:
        if self.start is not None and self.end is not None:
            return f"từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y}"
        year = f"/{self.year}" if self.year else ""
        if self.quarter:
            return f"trong Quý {('I', 'II', 'III', 'IV')[self.quarter - 1]}{year}"
        return f"trong tháng {self.month}{year}"


class Milestone(_Model):
    """One dated step of a task ("hoàn thành dự thảo trước ngày 15/9/2026")."""

    title: str
    due: DayMonth


class Task(_Model):
    id: Id
    section: str
    title: str
    content: list[str] = Field(min_length=1)
    lead: list[str] = Field(min_length=1)
    coordinating: list[str] = Field(default_factory=list)
    cadence: Cadence
    due: DayMonth | None = Field(default=None, description="dd/mm every year, or dd/mm/yyyy once")
    window: TaskWindow | None = Field(default=None, description="done within a quarter, a month or from/to")
    milestones: list[Milestone] = Field(default_factory=list)
    report: str | None = Field(default=None, description="report id of the task's own report")

    @model_validator(mode="after")
    def _due_matches_cadence(self) -> Task:
        if self.cadence is Cadence.BY_DATE and self.due is None and self.window is None and not self.milestones:
            raise ValueError("nhiệm vụ 'theo_thoi_han' cần 'due' (dd/mm hoặc dd/mm/yyyy), 'window' hoặc 'milestones'")
        return self

    @property
    def dated(self) -> bool:
        """A task with a deadline of its own: announced, laddered, chased when overdue."""
        return self.cadence is Cadence.BY_DATE

    @property
    def when(self) -> str:
        """Its deadlines as the plan would write them: "trước ngày 31/03/2026; trong Quý III/2026"."""
        parts = [f"trước ngày {self.due}"] if self.due else []
        parts += [str(self.window)] if self.window else []
        parts += [f"{m.title}: trước ngày {m.due}" for m in self.milestones]
        return "; ".join(parts)


class Upward(_Model):
    """The office's own report to the body above (the compile-and-send deadline)."""

    to: str = Field(description="name of the receiving body, e.g. Sở Nội vụ")
    unit: str | None = Field(default=None, description="its id in the directory, when it has one")
    due: DueRule


class Report(_Model):
    id: Id
    title: str
    period: PeriodKind
    units: list[str] = Field(min_length=1, description="unit or group ids that report")
    to: str = Field(description="unit id that receives and compiles, usually the office")
    due: DueRule = Field(description="units' deadline to the office: a date or a rule")
    upward: Upward | None = None
    campaign: str | None = Field(default=None, description="campaign id: its results report")
    window: Span | None = Field(default=None, description="data window of a one-off (chuyen_de) report")

    @model_validator(mode="after")
    def _window_for_one_off(self) -> Report:
        if self.period is PeriodKind.ONE_OFF and self.window is None:
            raise ValueError("báo cáo chuyên đề cần trường 'window' (from, to: dd/mm/yyyy)")
        if self.period in CAMPAIGN_KINDS and self.campaign is None:
            raise ValueError(f"báo cáo kỳ '{self.period.value}' cần trường 'campaign'")
        return self


class Campaign(_Model):
    id: Id
    title: str
    start: DayMonth
    end: DayMonth
    units: list[str] = Field(min_length=1)
    activities: list[str] = Field(default_factory=list)
    notice_working_days_before: int = Field(default=5, ge=1, le=30)
    report: str | None = Field(default=None, description="report id whose results the closing asks for")


class Occasion(_Model):
    id: Id
    title: str
    date: DayMonth
    units: list[str] = Field(min_length=1)
    activities: list[str] = Field(default_factory=list, description="what the plan asks units to hold that day")
    notice_working_days_before: int = Field(default=5, ge=0, le=30)


class RollupSection(StrEnum):
    """Where a narrative data element goes in the báo cáo, other than under its task."""

    STRENGTHS = "uu_diem"  # ĐÁNH GIÁ CHUNG, 1. Ưu điểm
    WEAKNESSES = "han_che"  # ĐÁNH GIÁ CHUNG, 2. Tồn tại, hạn chế
    NEXT = "phuong_huong"  # PHƯƠNG HƯỚNG, NHIỆM VỤ
    RECOMMENDATIONS = "kien_nghi"  # KIẾN NGHỊ, ĐỀ XUẤT


class Indicator(_Model):
    """One data element a report form asks for; computed indicators are formulas over them."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    label: str
    unit_of_measure: str | None = None
    kind: IndicatorKind
    by_sex: bool = False
    reports: list[str] = Field(min_length=1, description="report ids whose form includes it")
    submitted_by: list[str] = Field(default_factory=list, description="empty: every reporting unit")
    task: str | None = Field(default=None, description="task id it gives evidence for")
    disaggregation: str | None = Field(default=None, description="id of a declared disaggregation its figure is split by")
    rollup_section: RollupSection | None = Field(default=None, description="text only: its section in the báo cáo")
    part_of: str | None = Field(default=None, description="'trong đó': id of the figure this one is a part of")
    _options: tuple[Any, ...] = PrivateAttr(default=())  # the declared disaggregation's, set by Plan

    @property
    def parts(self) -> tuple[DisaggregationOption, ...]:
        """The parts its figure is split into (nam/nữ, or a declared disaggregation); () for a total."""
        return SEX_OPTIONS if self.by_sex else self._options

    @model_validator(mode="after")
    def _parts_fit_kind(self) -> Indicator:
        if self.by_sex and self.disaggregation:
            raise ValueError("chỉ dùng một trong hai: 'by_sex' hoặc 'disaggregation'")
        if (self.by_sex or self.disaggregation) and self.kind not in (IndicatorKind.FLOW, IndicatorKind.STOCK):
            raise ValueError(f"chỉ tiêu loại '{self.kind.value}' không chia theo giới tính hay nhóm")
        if self.kind is IndicatorKind.MONEY and not self.unit_of_measure:
            raise ValueError("chỉ tiêu tiền ('money') cần 'unit_of_measure', ví dụ: triệu đồng")
        if self.rollup_section and self.kind is not IndicatorKind.TEXT:
            raise ValueError("'rollup_section' chỉ dùng cho chỉ tiêu văn bản ('text')")
        return self


class ReminderPolicy(_Model):
    """When to remind around a due date, in working days, and whom to escalate to."""

    before: list[Annotated[int, Field(ge=1, le=60)]] = Field(default_factory=lambda: [10, 5, 2, 1])
    on_due: bool = True
    after: list[Annotated[int, Field(ge=1, le=60)]] = Field(default_factory=lambda: [1, 3])
    escalate_to: str | None = Field(default=None, description="unit id; default: the report's 'to'")
    office_before: list[Annotated[int, Field(ge=1, le=60)]] = Field(
        default_factory=lambda: [5, 1], description="the office's own upward deadline, plus the day itself"
    )
    send_time: LocalTime = time(8, 0)
    continuous_every: Every = Every.QUARTER
    due_on_day_off: DueOnDayOff = DueOnDayOff.PREVIOUS_WORKING_DAY


class Plan(_Model):
    id: Id
    title: str
    symbol: str = Field(description="ký hiệu, e.g. KH-STP")
    number: str | None = Field(default=None, description="số; blank until the document is numbered")
    issuer: str = Field(description="unit id of the issuing body")
    issuer_label: str | None = Field(default=None, description="as printed when not the unit name")
    place: str
    issued: str = Field(description="as written, e.g. 'tháng 4 năm 2026'")
    year: int = Field(ge=2000, le=2100, description="the plan's (first) year")
    years: YearRange | None = Field(default=None, description="'2026–2030': obligations repeat each year")
    span: Span | None = Field(default=None, description="from/to: the plan is in force between these dates")
    effective_from: VnDate
    parent_plan: ParentPlan | None = None
    office: str = Field(description="unit id that follows up and compiles")
    units: list[str] = Field(min_length=1, description="every body named in Tổ chức thực hiện")
    tasks: list[Task] = Field(min_length=1)
    reports: list[Report] = Field(default_factory=list)
    campaigns: list[Campaign] = Field(default_factory=list)
    occasions: list[Occasion] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    recipients: list[Recipient] = Field(min_length=1)
    signer: Signer
    reminder_policy: ReminderPolicy = Field(default_factory=ReminderPolicy)
    # Report forms as data (see the section at the end of this module)
    disaggregations: list[Disaggregation] = Field(default_factory=list)
    computed: list[ComputedIndicator] = Field(default_factory=list)
    rules: list[ValidationRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _resolve_disaggregations(self) -> Plan:
        """Each data element learns its parts; an undeclared one is reported by the loader."""
        declared = {d.id: tuple(d.options) for d in self.disaggregations}
        for ind in self.indicators:
            if ind.disaggregation in declared:
                ind._options = declared[ind.disaggregation]
        return self

    @model_validator(mode="before")
    @classmethod
    def _year_from_span(cls, data: Any) -> Any:
        """``year`` may be left out when ``years`` or ``span`` says it."""
        if isinstance(data, dict) and "year" not in data:
            years, span = data.get("years"), data.get("span")
            try:
                if years is not None:
                    return {**data, "year": _parse_years(years)[0]}
                if isinstance(span, dict) and span.get("from") is not None:
                    return {**data, "year": _parse_vn_date(span["from"]).year}
            except (ValueError, AttributeError):
                pass  # the field's own validator reports it
        return data

    @model_validator(mode="after")
    def _span_consistent(self) -> Plan:
        if self.years is not None and self.years[0] != self.year:
            raise ValueError(f"'year: {self.year}' khác năm đầu của 'years: {self.years[0]}–{self.years[1]}'")
        if self.years is not None and self.span is not None:
            raise ValueError("chỉ ghi một trong 'years' hoặc 'span'")
        return self

    @property
    def span_start(self) -> date:
        """The first day the plan can oblige anyone (before ``effective_from`` nothing is sent)."""
        return self.span.start if self.span else date(self.year, 1, 1)

    @property
    def span_end(self) -> date:
        """The last day of the plan's span: obligations after it do not exist."""
        if self.span:
            return self.span.end
        return date(self.years[1] if self.years else self.year, 12, 31)

    @property
    def span_years(self) -> range:
        """The years whose obligations the plan sets."""
        return range(self.span_start.year, self.span_end.year + 1)

    def covers(self, day: date) -> bool:
        return self.span_start <= day <= self.span_end

    @property
    def label(self) -> str:
        """``Kế hoạch số …/KH-STP`` as people cite it."""
        number = self.number or "…"
        return f"Kế hoạch số {number}/{self.symbol}"

    def report(self, report_id: str) -> Report:
        for r in self.reports:
            if r.id == report_id:
                return r
        raise KeyError(report_id)

    def campaign(self, campaign_id: str) -> Campaign:
        for c in self.campaigns:
            if c.id == campaign_id:
                return c
        raise KeyError(campaign_id)

    @property
    def validation_rules(self) -> list[ValidationRule]:
        """The declared rules, then one per "trong đó" figure: never above the figure it is part of,
        nor in any part (nam, nữ…) both are split into. Checked at submission and in the roll-up."""
        elements = {i.id: i for i in self.indicators}
        derived = []
        for child in self.indicators:
            parent = elements.get(child.part_of or "")
            if parent is None:
                continue
            message = f"Số liệu “{child.label}” không được lớn hơn “{parent.label}”"
            derived.append(ValidationRule(left=child.id, operator=Operator.LE, right=parent.id, message=message))
            shared = [o for o in child.parts if o.id in {p.id for p in parent.parts}]
            derived += [ValidationRule(left=f"{child.id}.{o.id}", operator=Operator.LE, right=f"{parent.id}.{o.id}",
                                       message=f"{message} ({o.label[:1].lower()}{o.label[1:]})") for o in shared]
        return [*self.rules, *derived]


# --- Report forms as data: disaggregations, computed indicators, validation rules ----------
# The DHIS2 model: data elements (``Indicator``) are what units submit; a disaggregation
# splits a figure into declared parts; a computed indicator is numerator / denominator ×
# factor over data elements; a validation rule compares two formulas and carries the message
# a unit reads. Formulas are read by ``kehoach.plans.formulas``, never evaluated as code.

FormulaText = Annotated[str, BeforeValidator(valid_formula)]
PartId = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=40)]


class DisaggregationOption(_Model):
    id: PartId
    label: str


class Disaggregation(_Model):
    """Parts a figure is split into, which add up to its total (e.g. age groups)."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    label: str
    options: list[DisaggregationOption] = Field(min_length=2)


SEX_OPTIONS = (DisaggregationOption(id="nam", label="Nam"), DisaggregationOption(id="nu", label="Nữ"))


class Operator(StrEnum):
    LE = "<="
    LT = "<"
    GE = ">="
    GT = ">"
    EQ = "=="
    NE = "!="

    def holds(self, left: float, right: float) -> bool:
        return {
            Operator.LE: left <= right, Operator.LT: left < right, Operator.GE: left >= right,
            Operator.GT: left > right, Operator.EQ: left == right, Operator.NE: left != right,
        }[self]


class Comparison(_Model):
    left: FormulaText
    operator: Operator
    right: FormulaText


class ValidationRule(Comparison):
    """Checked when a unit submits (its own figures) and again in the roll-up."""

    message: str = Field(description="what the unit reads, in Vietnamese")


class Caution(Comparison):
    """A note printed beside a computed value when the comparison holds (e.g. a small sample)."""

    note: str


class Display(StrEnum):
    NUMBER = "so"
    YES_NO = "co_khong"  # "Có" when the value is above 0


class ComputedIndicator(_Model):
    """numerator / denominator × factor, rounded; computed only when every input was reported."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    label: str
    numerator: FormulaText
    denominator: FormulaText | None = None
    factor: float = 1
    unit: str = Field(default="", description="printed after the value, e.g. '%'")
    decimals: int = Field(default=1, ge=0, le=4)
    display: Display = Display.NUMBER
    caution: Caution | None = None


Plan.model_rebuild()
