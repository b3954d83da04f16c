"""How the field writes dates, numbers and money (British English, NHS.UK content style)."""

from datetime import date, datetime


def long_date(value: date | datetime | None) -> str:
    """22 November 2026 (no leading zero, full month name)."""
    if value is None:
        return ""
    return f"{value.day} {value.strftime('%B %Y')}"


def time_of_day(value: datetime | None) -> str:
    """2pm, 9:30am (NHS.UK content style: no leading zero, no ":00")."""
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def number(value: int | float | None) -> str:
    if value is None:
        return "not known"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def pounds(pence: int | None, thousands: bool = False) -> str:
    """Money is held as integer pence; show £1,234 or £'000 figures for finance tables."""
    if pence is None:
        return ""
    if thousands:
        return f"{round(pence / 100_000):,}"
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) / 100:,.2f}".removesuffix(".00")


LEVEL_LABELS = {
    "region": "Region",
    "system": "System",
    "local_authority": "Local authority",
    "place": "Place",
    "neighbourhood": "Neighbourhood / primary care network",
    "local_community": "Local community",
}


def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


STATUTORY_ROLE_LABELS = {
    "accountable_officer": "Accountable Officer",
    "dass": "DASS",
    "dcs": "DCS",
    "dph": "DPH",
    "director_of_finance": "Director of Finance",
    "chief_nurse": "Chief Nurse",
    "director_of_commissioning": "Director of Commissioning",
    "clinical_chair": "Clinical Chair",
    "lay_member": "Lay member",
    "chief_executive": "Chief Executive",
    "section_151_officer": "Section 151 officer",
    "monitoring_officer": "Monitoring officer",
    "council_leader": "Council leader",
}


def role_label(role: str) -> str:
    """A statutory role as the field writes it: DASS, DPH, Accountable Officer."""
    return STATUTORY_ROLE_LABELS.get(role, role.replace("_", " "))


# A spreadsheet runs a cell starting with one of these as a formula (CSV or formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows rather than runs: a leading apostrophe before a formula-like
    start ("=HYPERLINK(...)" becomes "'=HYPERLINK(...)"); any other text as it is. For text
    cells only: a number such as -1.5 is written as a number, not through this."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
