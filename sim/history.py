"""The historical record of the 2021/22 crisis: load it, check it, replay it, plot it.

Three data files ship with the package (``sim/data``):

- ``record.yaml``: the crisis from March 2021 to the invasion of 24 February
  2022 as directed events in the vocabulary of the action catalog
  (``sim.model.actions``) plus ``negotiate`` for a round of talks held. It is
  the project's own coding of public reporting, one source per event; the
  header of the file states the coding rules.
- ``troops.csv``: published estimates of the Russian forces near Ukraine.
- ``ceasefire.csv``: OSCE counts of ceasefire violations in Donbas, February 2022.

``load_record`` validates every event (pydantic): the action must be in the
catalog (or be ``negotiate``), the CAMEO code must belong to the action's CAMEO
root, and the Goldstein value must be GDELT's value for that code
(``sim/data/cameo_goldstein.tsv``; code 176 has none there and takes -7.0, as in
the catalog). ``replay_plan`` turns the record into the acts a model run
replays for chosen actors (``CrisisModel(history=...)``). The plot functions
return matplotlib Figures, in the palette and style of ``sim.plots``.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sim.model.actions import ACTIONS

#: Brink's four flagship actors, in the order the plots list them.
FLAGSHIP: tuple[str, ...] = ("RUS", "USA", "NATO", "UKR")

#: The record's one action outside the catalog: a round of talks held.
NEGOTIATE = "negotiate"
NEGOTIATE_CAMEO = "046"

#: Codes the GDELT table lacks, with the value the catalog uses for them.
EXTRA_GOLDSTEIN: dict[str, float] = {"176": -7.0}

#: The span the shipped record covers.
RECORD_START = dt.date(2021, 3, 1)
RECORD_END = dt.date(2022, 2, 24)

COLUMNS = ["date", "actor", "target", "action", "cameo", "goldstein", "note", "source"]

_PACKAGE = "sim.data"
_ACTOR = r"^[A-Z][A-Z0-9]{1,5}$"

DateLike = dt.date | str | pd.Timestamp


class RecordError(ValueError):
    """The record cannot be loaded; ``problems`` lists every reason, one line each."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(f"{source}: {p}" for p in self.problems))


# --------------------------------------------------------------------------- reference tables


@cache
def goldstein_table() -> dict[str, float]:
    """GDELT's CAMEO -> Goldstein table, as shipped in ``sim/data/cameo_goldstein.tsv``.

    Returns:
        Goldstein value by CAMEO code (codes are strings; leading zeros kept).
    """
    text = resources.files(_PACKAGE).joinpath("cameo_goldstein.tsv").read_text(encoding="utf-8")
    table: dict[str, float] = {}
    for line in text.splitlines()[1:]:
        if line.strip():
            code, value = line.split("\t")
            table[code.strip()] = float(value)
    return table


def expected_goldstein(cameo: str) -> float | None:
    """The Goldstein value a record event with this CAMEO code must carry.

    Args:
        cameo: a CAMEO event code such as ``"1312"``.

    Returns:
        GDELT's value, the catalog's value for codes GDELT lacks (176), or None
        for an unknown code.
    """
    table = goldstein_table()
    if cameo in table:
        return table[cameo]
    return EXTRA_GOLDSTEIN.get(cameo)


def catalog_code(action: str) -> str:
    """The CAMEO code the catalog gives an action (``046`` for ``negotiate``).

    Args:
        action: a catalog action name or ``"negotiate"``.

    Returns:
        The CAMEO code.
    """
    return NEGOTIATE_CAMEO if action == NEGOTIATE else ACTIONS[action].cameo


# --------------------------------------------------------------------------- one event


class RecordEvent(BaseModel):
    """One coded event of the historical record (one directed dyad, one act)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date = Field(description="day of the act")
    actor: str = Field(pattern=_ACTOR, description="who acts (RUS, USA, NATO, UKR, or other)")
    target: str | None = Field(default=None, pattern=_ACTOR, description="at whom, or null")
    action: str = Field(description="catalog action name, or 'negotiate'")
    cameo: str = Field(pattern=r"^[0-9]{2,4}$", description="CAMEO code (a quoted string)")
    goldstein: float = Field(ge=-10.0, le=10.0, description="Goldstein value of the code")
    note: str = Field(min_length=3, max_length=240, description="one line in our own words")
    source: str = Field(pattern=r"^https?://\S+$", description="one URL")

    @field_validator("date", mode="before")
    @classmethod
    def _plain_date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError("give a date (YYYY-MM-DD), not a date and time")
        return value

    @field_validator("cameo", mode="before")
    @classmethod
    def _quoted_code(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"quote the CAMEO code ({value!r}): unquoted, leading zeros are lost")
        return value

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str) -> str:
        if value == NEGOTIATE or (value in ACTIONS and value != "hold"):
            return value
        known = ", ".join(sorted(n for n in ACTIONS if n != "hold"))
        raise ValueError(f"unknown action {value!r}; expected one of: {known}, {NEGOTIATE}")

    @field_validator("note")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value.strip():
            raise ValueError("the note must be one line")
        return value.strip()

    @model_validator(mode="after")
    def _coded_consistently(self) -> RecordEvent:
        if self.target == self.actor:
            raise ValueError(f"actor and target are both {self.actor}")
        base = catalog_code(self.action)
        if self.cameo[:2] != base[:2]:
            raise ValueError(f"CAMEO {self.cameo} is outside the root of {self.action} "
                             f"({base}); use {base} or a code starting with {base[:2]}")
        want = expected_goldstein(self.cameo)
        if want is None:
            raise ValueError(f"CAMEO {self.cameo} is not in GDELT's table")
        if abs(self.goldstein - want) > 1e-9:
            raise ValueError(f"Goldstein of CAMEO {self.cameo} is {want}, not {self.goldstein}")
        return self


# --------------------------------------------------------------------------- loading


def _read_text(name: str, path: str | Path | None) -> tuple[str, str]:
    """The text of a data file: the packaged one, or ``path`` when given."""
    if path is None:
        return resources.files(_PACKAGE).joinpath(name).read_text(encoding="utf-8"), name
    p = Path(path)
    return p.read_text(encoding="utf-8"), str(p)


def parse_record(text: str, source: str = "record.yaml") -> list[RecordEvent]:
    """Parse and validate the text of a record file.

    Args:
        text: YAML 1.2 text: a list of events.
        source: name used in error messages.

    Returns:
        The events, in file order.

    Raises:
        RecordError: with every problem found (bad YAML, invalid events, events
            out of date order).
    """
    yaml = YAML(typ="safe", pure=True)
    try:
        data = yaml.load(io.StringIO(text))
    except YAMLError as exc:
        raise RecordError(source, [f"not valid YAML: {exc}"]) from None
    if not isinstance(data, list):
        raise RecordError(source, ["the record must be a list of events"])
    events: list[RecordEvent] = []
    problems: list[str] = []
    for k, item in enumerate(data):
        where = f"event {k + 1}"
        if isinstance(item, dict) and "date" in item:
            where += f" ({item['date']}, {item.get('actor')} -> {item.get('target')})"
        if not isinstance(item, dict):
            problems.append(f"{where}: an event must be a mapping")
            continue
        try:
            events.append(RecordEvent.model_validate(item))
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(x) for x in err["loc"]) or "event"
                problems.append(f"{where}: {loc}: {err['msg']}")
    for a, b in itertools.pairwise(events):
        if b.date < a.date:
            problems.append(f"events out of date order: {b.date} ({b.actor} {b.action}) "
                            f"comes after {a.date}")
            break
    if problems:
        raise RecordError(source, problems)
    return events


@cache
def _packaged_record() -> tuple[RecordEvent, ...]:
    text, source = _read_text("record.yaml", None)
    return tuple(parse_record(text, source))


def load_record(path: str | Path | None = None) -> pd.DataFrame:
    """The historical record as a DataFrame, one row per coded event.

    Args:
        path: a record file; default: the one shipped in ``sim/data``.

    Returns:
        Columns ``date`` (datetime64), ``actor``, ``target`` ('' when none),
        ``action``, ``cameo``, ``goldstein``, ``note``, ``source``, in date order.

    Raises:
        RecordError: if the file is invalid (every problem listed).
    """
    if path is None:
        events: Sequence[RecordEvent] = _packaged_record()
        source = "sim/data/record.yaml"
    else:
        text, source = _read_text("record.yaml", path)
        events = parse_record(text, source)
    frame = pd.DataFrame([e.model_dump() for e in events], columns=COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["target"] = frame["target"].fillna("")
    frame["goldstein"] = frame["goldstein"].astype(float)
    frame.attrs["source"] = source
    return frame


def troop_estimates(path: str | Path | None = None) -> pd.DataFrame:
    """Published estimates of the Russian forces near Ukraine, April 2021 to February 2022.

    Counting rules differ between sources (land forces only or all services,
    with or without Rosgvardia, Crimea, Belarus and the separatist forces), so
    read the series as an ordinal indicator. ``low == high`` for a single figure.

    Args:
        path: a CSV with the same columns; default: ``sim/data/troops.csv``.

    Returns:
        Columns ``date`` (datetime64), ``low``, ``high`` (persons), ``source_org``,
        ``url``, and ``mid`` (the middle of the range).

    Raises:
        ValueError: if a range is inverted or not positive.
    """
    text, source = _read_text("troops.csv", path)
    frame = pd.read_csv(io.StringIO(text), parse_dates=["date"])
    frame["date"] = frame["date"].astype("datetime64[ns]")
    bad = frame[(frame["low"] <= 0) | (frame["low"] > frame["high"])]
    if not bad.empty:
        raise ValueError(f"{source}: bad ranges on {', '.join(map(str, bad['date'].dt.date))}")
    frame["mid"] = (frame["low"] + frame["high"]) / 2.0
    return frame


def ceasefire_violations(path: str | Path | None = None) -> pd.DataFrame:
    """Ceasefire violations counted by the OSCE monitoring mission in Donbas, February 2022.

    Each row is a reporting period ending on ``date`` (19:30 local time). The
    row of 20 February covers two evenings (18 to 20 February) and gives only
    the Donetsk region; the row of 19 February is a press summary of the total.
    Values not retrieved are missing (``<NA>``).

    Args:
        path: a CSV with the same columns; default: ``sim/data/ceasefire.csv``.

    Returns:
        Columns ``date`` (datetime64), ``donetsk``, ``luhansk``, ``total``
        (nullable integers) and ``url``.
    """
    text, _ = _read_text("ceasefire.csv", path)
    frame = pd.read_csv(io.StringIO(text), parse_dates=["date"])
    frame["date"] = frame["date"].astype("datetime64[ns]")
    for col in ("donetsk", "luhansk", "total"):
        frame[col] = frame[col].astype("Int64")
    return frame


# --------------------------------------------------------------------------- replay


def _as_date(value: DateLike) -> dt.date:
    return pd.Timestamp(value).date()


def replay_plan(actors: Iterable[str], start: DateLike, end: DateLike,
                known: set[str] | None = None, record: pd.DataFrame | None = None,
                ) -> dict[str, list[tuple[dt.date, str, str | None, str]]]:
    """The recorded acts of some actors, for a model run that replays them.

    Talks held (``negotiate``) are left out: a run has its own talk rounds.
    Acts aimed at an actor the run does not have are left out too; untargeted
    acts are kept (target None).

    Args:
        actors: ids of the actors that replay the record (e.g. ``["RUS"]``).
        start: first day, inclusive.
        end: last day, inclusive.
        known: ids of the actors in the run; acts aimed at anyone else are
            dropped. Default: the four flagship actors plus ``actors``.
        record: the record to read; default: ``load_record()``.

    Returns:
        For each requested actor (even one with no act), its acts in date
        order as (date, action, target or None, note), ready for
        ``CrisisModel(history=...)``.
    """
    wanted = list(dict.fromkeys(actors))
    known = (set(FLAGSHIP) | set(wanted)) if known is None else set(known)
    rec = load_record() if record is None else record
    first, last = _as_date(start), _as_date(end)
    days = rec["date"].dt.date
    keep = (rec["actor"].isin(wanted) & (days >= first) & (days <= last)
            & (rec["action"] != NEGOTIATE)
            & ((rec["target"] == "") | rec["target"].isin(known)))
    plan: dict[str, list[tuple[dt.date, str, str | None, str]]] = {a: [] for a in wanted}
    for row in rec[keep].itertuples(index=False):
        plan[row.actor].append((row.date.date(), row.action, row.target or None, row.note))
    return plan


# --------------------------------------------------------------------------- plots


def _style() -> tuple[list[str], list[str], dict[str, Any], dict[str, tuple[str, set[str]]]]:
    """Palette, line styles, rc settings and glyphs of ``sim.plots`` (imported when plotting)."""
    from sim.plots import GLYPHS, OKABE_ITO, RC, STYLES

    return OKABE_ITO, STYLES, RC, GLYPHS


def _actor_colour(actor: str, palette: Sequence[str]) -> str:
    """Flagship actors keep the colours of the flagship scenario's plots (its actor order)."""
    if actor in FLAGSHIP:
        return palette[FLAGSHIP.index(actor)]
    return "#777777"


def _date_axis(ax: Any, lo: pd.Timestamp, hi: pd.Timestamp) -> None:
    loc = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    pad = max(pd.Timedelta(days=2), (hi - lo) * 0.01)
    ax.set_xlim(lo - pad, hi + pad)


def _clip(record: pd.DataFrame, start: DateLike | None, end: DateLike | None) -> pd.DataFrame:
    out = record
    if start is not None:
        out = out[out["date"] >= pd.Timestamp(start)]
    if end is not None:
        out = out[out["date"] <= pd.Timestamp(end)]
    return out


def _force_line(ax: Any, record: pd.DataFrame, label: bool = True) -> None:
    """A solid black line on the day(s) a flagship actor used force."""
    war = record[(record["action"] == "use_force") & record["actor"].isin(FLAGSHIP)]
    for when, grp in war.groupby("date"):
        ax.axvline(when, color="black", lw=1.4, zorder=1)
        if label:
            who = ", ".join(f"{a}\u2192{t}" for a, t in zip(grp["actor"], grp["target"]))
            ax.annotate(f"{when:%d %b}: force {who}", (mdates.date2num(when), 1.0),
                        xycoords=("data", "axes fraction"), fontsize=10, fontweight="bold",
                        ha="right", va="bottom", xytext=(0, 2), textcoords="offset points")


def plot_record_timeline(record: pd.DataFrame | None = None, start: DateLike | None = None,
                         end: DateLike | None = None) -> Figure:
    """The record as an event timeline: one lane per actor, one glyph per act.

    The glyph shows the family of the act (as in ``sim.plots.timeline``), the
    colour its Goldstein value (red: conflict, blue: cooperation). Acts on
    the same day by the same actor are spread vertically within the lane.
    Lanes: the four flagship actors first, then the others by number of acts.

    Args:
        record: the record (default: ``load_record()``).
        start: first day shown (default: the record's first).
        end: last day shown (default: the record's last).

    Returns:
        The Figure.
    """
    _, _, rc, glyphs = _style()
    rec = _clip(load_record() if record is None else record, start, end)
    others = rec.loc[~rec["actor"].isin(FLAGSHIP), "actor"].value_counts()
    others = others.reset_index().sort_values(["count", "actor"], ascending=[False, True])
    lanes_order = list(FLAGSHIP) + list(others["actor"])
    lanes = {a: i for i, a in enumerate(lanes_order)}
    rank = rec.groupby(["actor", "date"]).cumcount().to_numpy()
    size = rec.groupby(["actor", "date"])["action"].transform("size").to_numpy()
    y = rec["actor"].map(lanes).to_numpy(float) + 0.17 * (rank - (size - 1) / 2.0)
    family_of = {act: fam for fam, (_, acts) in glyphs.items() for act in acts}
    fams = rec["action"].map(family_of).fillna("other")
    markers = {fam: m for fam, (m, _) in glyphs.items()} | {"other": "P"}
    cmap = matplotlib.colormaps["RdBu"]
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(13, 0.62 * len(lanes_order) + 2.6), layout="constrained")
        ax = fig.subplots()
        for i in range(len(lanes_order)):
            if i % 2 == 0:
                ax.axhspan(i - 0.5, i + 0.5, color="0.95", zorder=0, lw=0)
        for fam, marker in markers.items():
            sel = (fams == fam).to_numpy()
            if sel.any():
                ax.scatter(rec["date"].to_numpy()[sel], y[sel], c=rec["goldstein"].to_numpy()[sel],
                           cmap=cmap, vmin=-10, vmax=10, marker=marker, s=58,
                           edgecolors="black", linewidths=0.5, zorder=3)
        _force_line(ax, rec)
        ax.set_yticks(range(len(lanes_order)))
        ax.set_yticklabels(lanes_order)
        for tick, a in zip(ax.get_yticklabels(), lanes_order):
            if a in FLAGSHIP:
                tick.set_fontweight("bold")
        ax.set_ylim(len(lanes_order) - 0.5, -0.5)
        if not rec.empty:
            _date_axis(ax, rec["date"].min(), rec["date"].max())
        ax.set_title("The historical record, coded: who did what to whom")
        handles = [Line2D([], [], marker=m, ls="", color="0.6", markeredgecolor="black",
                          markersize=8, label=f) for f, m in markers.items() if (fams == f).any()]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6),
                   frameon=False)
        sm = matplotlib.cm.ScalarMappable(cmap=cmap, norm=matplotlib.colors.Normalize(-10, 10))
        fig.colorbar(sm, ax=ax, label="Goldstein (conflict \u2212 / cooperation +)", shrink=0.8,
                     pad=0.01)
        return fig


def weekly_goldstein(record: pd.DataFrame | None = None, freq: str = "W-MON",
                     actors: Sequence[str] = FLAGSHIP) -> pd.DataFrame:
    """Goldstein sum per period and directed dyad among ``actors``.

    Args:
        record: the record (default: ``load_record()``).
        freq: pandas period alias (default: weeks ending on Monday).
        actors: the actors whose mutual dyads are summed.

    Returns:
        One row per period, labelled by the period's first day (with the
        default, the Monday that starts the week), covering the record's span
        with zeros where nothing happened; one column per directed dyad
        ``"A->B"`` that has events.
    """
    rec = load_record() if record is None else record
    sub = rec[rec["actor"].isin(actors) & rec["target"].isin(actors)]
    full = (rec.set_index("date")["goldstein"]
            .resample(freq, label="left", closed="left").sum().index)
    if sub.empty:
        return pd.DataFrame(index=full)
    dyad = sub["actor"] + "->" + sub["target"]
    period = pd.Grouper(key="date", freq=freq, label="left", closed="left")
    table = (sub.assign(dyad=dyad).groupby([period, "dyad"])
             ["goldstein"].sum().unstack(fill_value=0.0))
    return table.reindex(full, fill_value=0.0).fillna(0.0)


def plot_record_goldstein(record: pd.DataFrame | None = None, freq: str = "W-MON",
                          start: DateLike | None = None, end: DateLike | None = None) -> Figure:
    """Weekly Goldstein sum per directed dyad among RUS, USA, NATO and UKR.

    One panel per pair of actors, with a line for each direction (coloured by
    the acting side), so a panel reads as "what A did to B, what B did to A".
    Negative sums are conflict, positive ones cooperation.

    Args:
        record: the record (default: ``load_record()``).
        freq: pandas period alias for the sums (default ``"W-MON"``).
        start: first day shown (default: the record's first).
        end: last day shown (default: the record's last).

    Returns:
        The Figure.
    """
    palette, styles, rc, _ = _style()
    rec = load_record() if record is None else record
    table = weekly_goldstein(rec, freq)
    if start is not None:
        table = table[table.index >= pd.Timestamp(start)]
    if end is not None:
        table = table[table.index <= pd.Timestamp(end) + pd.Timedelta(days=7)]
    pairs = [(a, b) for i, a in enumerate(FLAGSHIP) for b in FLAGSHIP[i + 1:]
             if f"{a}->{b}" in table or f"{b}->{a}" in table]
    ncols = 2 if len(pairs) > 1 else 1
    nrows = max(1, int(np.ceil(len(pairs) / ncols)))
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(13, 2.9 * nrows + 1.0), layout="constrained")
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True,
                                          squeeze=False)).ravel()
        for ax, (a, b) in zip(axes, pairs):
            for k, (src, dst) in enumerate(((a, b), (b, a))):
                col = f"{src}->{dst}"
                if col in table:
                    ax.plot(table.index, table[col], color=_actor_colour(src, palette),
                            ls=styles[k % len(styles)], lw=2.0, marker="o", markersize=3,
                            label=f"{src} \u2192 {dst}")
            ax.axhline(0.0, color="0.4", lw=0.8, zorder=1)
            _force_line(ax, _clip(rec, start, end), label=False)
            ax.set_title(f"{a} and {b}", fontsize=12)
            ax.legend(loc="lower left", frameon=False, fontsize=10)
            ax.grid(axis="y", alpha=0.3)
            if not table.empty:
                shown = _clip(rec, start, end)["date"]
                last = max(table.index.max(), shown.max()) if not shown.empty else table.index.max()
                _date_axis(ax, table.index.min(), last)
        for ax in axes[len(pairs):]:
            ax.set_visible(False)
        for k in range(max(0, len(pairs) - ncols), len(pairs)):
            axes[k].xaxis.set_tick_params(labelbottom=True)
        period = {"W-MON": "week (Monday to Sunday)", "D": "day", "MS": "month"}.get(freq, freq)
        fig.supylabel(f"Goldstein sum per {period}, dated by its first day")
        fig.suptitle("The historical record: conflict and cooperation per directed dyad")
        return fig


def _source_side(source_org: str) -> str:
    """Who published an estimate: the first word of ``source_org`` (USA, UKR, EU, ...)."""
    head = source_org.split("(")[0].strip()
    return head.split()[0] if head else "other"


def plot_troops(estimates: pd.DataFrame | None = None) -> Figure:
    """Published estimates of the Russian forces near Ukraine over time.

    A marker at the middle of each estimate, the published range as an error
    bar; colour and marker tell who published it (US, Ukraine, others).

    Args:
        estimates: as ``troop_estimates()`` returns (the default).

    Returns:
        The Figure.
    """
    palette, styles, rc, _ = _style()
    est = troop_estimates() if estimates is None else estimates.copy()
    if "mid" not in est:
        est["mid"] = (est["low"] + est["high"]) / 2.0
    side = est["source_org"].map(_source_side)
    names = {"USA": "United States", "UKR": "Ukraine", "EU": "European Union",
             "NATO": "NATO / Western", "Western": "Western media"}
    markers = ["o", "s", "D", "^", "v", "P"]
    order = [s for s in ("USA", "UKR", "NATO", "EU", "Western") if (side == s).any()]
    order += sorted(set(side) - set(order))
    others = {"EU": palette[6], "Western": palette[5]}
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(12, 5.5), layout="constrained")
        ax = fig.subplots()
        for k, s in enumerate(order):
            sub = est[side == s].sort_values("date")
            colour = _actor_colour(s, palette) if s in FLAGSHIP else others.get(s, "#777777")
            yerr = np.vstack([sub["mid"] - sub["low"], sub["high"] - sub["mid"]])
            ax.errorbar(sub["date"], sub["mid"], yerr=yerr, fmt=markers[k % len(markers)],
                        color=colour, ecolor=colour, elinewidth=2.0, capsize=4, markersize=7,
                        markeredgecolor="black", markeredgewidth=0.6, ls="none",
                        label=names.get(s, s), zorder=3)
            # a thin line joins one publisher's estimates, broken across long gaps
            segment = (sub["date"].diff() > pd.Timedelta(days=45)).cumsum()
            for _, part in sub.groupby(segment):
                ax.plot(part["date"], part["mid"], color=colour, ls=styles[k % len(styles)],
                        lw=1.0, alpha=0.6, zorder=2)
        invasion = pd.Timestamp(RECORD_END)
        ax.axvline(invasion, color="black", lw=1.4)
        ax.annotate("invasion", (mdates.date2num(invasion), 0.02),
                    xycoords=("data", "axes fraction"),
                    ha="right", va="bottom", rotation=90, fontsize=10, xytext=(-3, 0),
                    textcoords="offset points")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda v, _: f"{v / 1000:.0f}k"))
        ax.set_ylim(0, max(200_000, float(est["high"].max()) * 1.08))
        ax.set_ylabel("Russian personnel near Ukraine")
        lo, hi = est["date"].min(), max(est["date"].max(), invasion)
        _date_axis(ax, lo, hi)
        ax.grid(axis="y", alpha=0.3)
        ax.set_title("Published estimates of Russian forces near Ukraine (ranges as bars)")
        ax.legend(loc="upper left", frameon=False)
        ax.set_xlabel("date of the estimate (counting rules differ between sources: read the "
                      "series as an ordinal indicator)", fontsize=10, color="dimgray")
        return fig


def plot_ceasefire(counts: pd.DataFrame | None = None) -> Figure:
    """Ceasefire violations recorded by the OSCE monitors in February 2022, by region.

    Only reported figures are drawn (a missing figure is not a zero); the total for
    20 February covers two evenings.

    Args:
        counts: as ``ceasefire_violations()`` returns (the default).

    Returns:
        The Figure.
    """
    palette, _, rc, _ = _style()
    cfv = ceasefire_violations() if counts is None else counts
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(9, 4.5), layout="constrained")
        ax = fig.subplots()
        for col, colour, marker in (("donetsk", palette[0], "o"), ("luhansk", palette[1], "s"),
                                    ("total", "black", "D")):
            known = cfv[col].notna()
            ax.plot(cfv.loc[known, "date"], cfv.loc[known, col], marker=marker, color=colour,
                    lw=2, ms=7, label=col.capitalize() if col != "total" else "total reported")
        ax.set_ylabel("ceasefire violations reported")
        ax.set_title("OSCE-recorded ceasefire violations in Donbas, February 2022")
        ax.legend(frameon=False, loc="upper left")
        ax.grid(axis="y", alpha=0.3)
        ax.set_ylim(bottom=0)
        _date_axis(ax, cfv["date"].min() - pd.Timedelta(days=1),
                   cfv["date"].max() + pd.Timedelta(days=1))
        return fig
