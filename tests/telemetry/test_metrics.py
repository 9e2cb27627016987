"""The exposition is correct for hostile label values, and no metric grows without bound."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from stanchion.telemetry import metrics as metrics_module
from stanchion.telemetry.metrics import OVERFLOW, Metrics

HOSTILE = ['a"b', "back\\slash", "new\nline", '"} evil_total 1e9\n#', "é\u2028\x00z", ""]


def parsed(m: Metrics) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(m.render()):
        for s in family.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def test_hostile_label_values_round_trip_exactly() -> None:
    m = Metrics()
    for i, value in enumerate(HOSTILE):
        m.inc("stanchion_findings_total", (("type", value), ("action", "flag")), i + 1)
    got = {labels["type"]: v for labels, v in parsed(m)["stanchion_findings_total"]}
    assert got == {value: float(i + 1) for i, value in enumerate(HOSTILE)}
    assert "evil_total" not in parsed(m)


def test_histograms_gauges_and_counters_render() -> None:
    m = Metrics()
    m.observe("stanchion_request_seconds", 0.02, (("route", "gpt"),))
    m.observe("stanchion_request_seconds", 3.0, (("route", "gpt"),))
    m.observe("stanchion_groundedness_score", 0.42)
    m.set_gauge("stanchion_trace_queue_depth", 7)
    p = parsed(m)
    buckets = {lb["le"]: v for lb, v in p["stanchion_request_seconds_bucket"]}
    assert buckets["0.025"] == 1 and buckets["5.0"] == 2 and buckets["+Inf"] == 2
    assert p["stanchion_request_seconds_sum"] == [({"route": "gpt"}, 3.02)]
    score = {lb["le"]: v for lb, v in p["stanchion_groundedness_score_bucket"]}
    assert score["0.4"] == 0 and score["0.5"] == 1
    assert p["stanchion_trace_queue_depth"] == [({}, 7.0)]


def test_label_sets_are_capped() -> None:
    m = Metrics()
    cap = metrics_module.MAX_SERIES
    for i in range(cap + 50):
        m.inc("stanchion_findings_total", (("type", f"t{i}"), ("action", "flag")))
    series = parsed(m)["stanchion_findings_total"]
    assert len(series) == cap + 1
    overflow = [v for lb, v in series if lb["type"] == OVERFLOW]
    assert overflow == [50.0]
    assert sum(v for _, v in series) == cap + 50


def _library_twin(values: list[float]) -> dict[str, float]:
    """The same observations through prometheus_client's own ``observe``."""
    from prometheus_client import CollectorRegistry, Histogram, generate_latest

    reg = CollectorRegistry(auto_describe=False)
    h = Histogram("h", "h", ["route"], registry=reg, buckets=metrics_module.LATENCY_BUCKETS)
    for v in values:
        h.labels("gpt").observe(v)
    out = {}
    for family in text_string_to_metric_families(generate_latest(reg).decode()):
        for s in family.samples:
            if not s.name.endswith("_created"):
                out[s.name[1:] + s.labels.get("le", "")] = s.value
    return out


def test_bound_recorders_count_as_the_library_does() -> None:
    """Each bucket's edge, between edges, below the first, past the last, zero, negative,
    infinite and NaN: the bisected bucket and the sum match ``Histogram.observe``'s."""
    edges = list(metrics_module.LATENCY_BUCKETS)
    values = [*edges, *(e * 0.999 for e in edges), *(e * 1.001 for e in edges)]
    values += [0.0, -1.0, 1e-9, 1e9, float("inf"), float("nan")]
    m = Metrics()
    for v in values:
        m.observe("h", v, (("route", "gpt"),))
    ours = {}
    for family in text_string_to_metric_families(m.render()):
        for s in family.samples:
            ours[s.name[1:] + s.labels.get("le", "")] = s.value
    twin = _library_twin(values)
    assert ours.keys() == twin.keys()
    for k, v in twin.items():
        assert (ours[k] == v) or (ours[k] != ours[k] and v != v), k


def test_counter_recorder_refuses_a_negative_amount_as_the_library_does() -> None:
    m = Metrics()
    m.inc("stanchion_refusals_total", (("app", "a"),), 2.5)
    m.inc("stanchion_refusals_total", (("app", "a"),), 0)
    try:
        m.inc("stanchion_refusals_total", (("app", "a"),), -1)
    except ValueError:
        pass
    else:
        raise AssertionError("a negative increment must raise")
    assert parsed(m)["stanchion_refusals_total"] == [({"app": "a"}, 2.5)]


def test_recorders_stay_bounded_past_the_series_cap() -> None:
    m = Metrics()
    cap = metrics_module.MAX_SERIES
    for i in range(cap + 300):
        m.observe("stanchion_stage_seconds", 0.01, (("stage", f"s{i}"),))
    fam = m._families["stanchion_stage_seconds"]
    assert len(fam.recorders) == len(fam.children) == cap + 1
    overflow = [
        v for lb, v in parsed(m)["stanchion_stage_seconds_count"] if lb["stage"] == OVERFLOW
    ]
    assert overflow == [300.0]
