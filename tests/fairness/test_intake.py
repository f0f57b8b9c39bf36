"""``intake`` (check and parse in one pass) agrees with ``validate`` + ``parse_round``."""
import copy

from hypothesis import given, settings, strategies as st

from broker.fairness import allocate, validate
from broker.fairness import engine, explain
from broker.fairness.intake import intake
from broker.fairness.model import parse_round
from tests.fairness.fairness_strategies import rounds

FAIRNESS = settings.get_profile("fairness")

BAD_VALUES = [None, True, 0, -1, 1.5, "", "x" * 201, [], {}, ["o0", "o0"], ["nowhere"], "o0", "ghost",
              "2025-03-01T09:00:00", "2025-13-01T09:00:00Z", "not a time", 7, "over_budget", "nope"]
FIELDS = ["id", "org", "units", "offerings", "submitted_at", "reason_hint", "extra"]


@FAIRNESS
@given(rounds(), st.data())
def test_intake_agrees_with_validate(data, pick):
    d = copy.deepcopy(data)
    if d["requests"] and pick.draw(st.booleans()):
        req = pick.draw(st.sampled_from(d["requests"]))
        field = pick.draw(st.sampled_from(FIELDS))
        if pick.draw(st.booleans()) and field in req:
            del req[field]
        else:
            req[field] = pick.draw(st.sampled_from(BAD_VALUES))
    if d["requests"] and pick.draw(st.integers(0, 5)) == 0:
        d["requests"].append(dict(pick.draw(st.sampled_from(d["requests"]))))     # duplicate id
    if pick.draw(st.integers(0, 5)) == 0:
        d["orgs"].append(dict(d["orgs"][0]))
    problems = validate(d)
    rnd = intake(d)
    assert (rnd is None) == bool(problems), problems
    if rnd is not None:
        assert explain.build(engine.run(rnd)) == explain.build(engine.run(parse_round(d)))
        assert allocate(d) == explain.build(engine.run(parse_round(d)))
