"""Callback scripts: validation, branching walks, answer checks and satisfaction."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace

import pytest

from weixi.callbacks.default_scripts import (
    CLOSED_LOOP_SCRIPTS,
    DEFAULT_SCRIPTS,
    EXIT_CALLBACK,
    EXIT_REASON_MIIT_CLASS,
    ONBOARDING_CALLBACK,
    RESOLUTION_CALLBACK,
    RETENTION_CALLBACK,
)
from weixi.callbacks.script import (
    END,
    Answers,
    CallbackScript,
    Choice,
    Question,
    QuestionType,
    ScriptInvalid,
    answered_path,
    outcome,
    script_from_dict,
    script_to_dict,
    validate_answers,
    validate_script,
    walk,
)

YES_NO, SCORE, CHOICE, TEXT = (
    QuestionType.YES_NO,
    QuestionType.SCORE,
    QuestionType.CHOICE,
    QuestionType.TEXT,
)


def q(
    qid: str,
    kind: QuestionType = YES_NO,
    *,
    choices: tuple[Choice, ...] = (),
    required: bool = True,
    next: dict[str, str] | None = None,
    default_next: str | None = None,
) -> Question:
    return Question(qid, kind, f"{qid}？", f"{qid}?", choices, required, next or {}, default_next)


def script(
    *questions: Question,
    first: str | None = None,
    confirmation: str | None = None,
    satisfaction: tuple[str, ...] = (),
) -> CallbackScript:
    return CallbackScript("t", 1, "测试", "test", questions, first, confirmation, satisfaction)


def problems_of(s: CallbackScript, *, closed_loop: bool = False) -> list[str]:
    with pytest.raises(ScriptInvalid) as caught:
        validate_script(s, closed_loop=closed_loop)
    problems = caught.value.detail["problems"]
    assert isinstance(problems, list)
    return problems


# --- the shipped scripts -------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(DEFAULT_SCRIPTS))
def test_default_scripts_are_valid(code: str) -> None:
    validate_script(DEFAULT_SCRIPTS[code], closed_loop=code in CLOSED_LOOP_SCRIPTS)


@pytest.mark.parametrize("code", sorted(DEFAULT_SCRIPTS))
def test_default_scripts_survive_json_and_toml_round_trips(code: str) -> None:
    original = DEFAULT_SCRIPTS[code]
    as_dict = script_to_dict(original)
    assert script_from_dict(json.loads(json.dumps(as_dict, ensure_ascii=False))) == original
    toml_text = _to_toml(as_dict)
    assert script_from_dict(tomllib.loads(toml_text)) == original


def test_every_question_speaks_chinese_and_english() -> None:
    for s in DEFAULT_SCRIPTS.values():
        for question in s.questions:
            assert question.text_zh and question.text_en
            assert any("\u4e00" <= ch <= "\u9fff" for ch in question.text_zh)


def test_resolved_customer_skips_the_what_remains_question() -> None:
    answers = {"resolved": True}
    next_question = walk(RESOLUTION_CALLBACK, answers)
    assert next_question is not None and next_question.id == "handling"


def test_unresolved_customer_is_asked_what_remains() -> None:
    next_question = walk(RESOLUTION_CALLBACK, {"resolved": False})
    assert next_question is not None and next_question.id == "remaining"


def test_resolution_callback_outcome_carries_confirmation_and_satisfaction() -> None:
    answers: Answers = {
        "resolved": False,
        "remaining": "宽带仍然掉线",
        "handling": 2,
        "attitude": 5,
    }
    result = outcome(RESOLUTION_CALLBACK, answers)
    assert result.resolved is False
    assert result.mean_score == pytest.approx(3.5)
    assert result.satisfaction == pytest.approx(62.5)
    assert result.path == ("resolved", "remaining", "handling", "attitude")
    assert result.complete
    assert validate_answers(RESOLUTION_CALLBACK, answers) == []


def test_satisfaction_maps_one_to_zero_and_five_to_a_hundred() -> None:
    low = outcome(RESOLUTION_CALLBACK, {"resolved": True, "handling": 1, "attitude": 1})
    high = outcome(RESOLUTION_CALLBACK, {"resolved": True, "handling": 5, "attitude": 5})
    assert (low.satisfaction, high.satisfaction) == (0.0, 100.0)


def test_no_scores_means_no_satisfaction_and_an_unfinished_call_is_not_complete() -> None:
    result = outcome(RESOLUTION_CALLBACK, {"resolved": True})
    assert result.satisfaction is None and result.mean_score is None
    assert not result.complete
    assert result.resolved is True


def test_retention_other_reason_asks_for_details() -> None:
    assert walk(RETENTION_CALLBACK, {"reason": "other"}) == RETENTION_CALLBACK.question(
        "reason_other"
    )
    assert walk(RETENTION_CALLBACK, {"reason": "price"}) == RETENTION_CALLBACK.question(
        "offer_accepted"
    )
    done: Answers = {"reason": "price", "offer_accepted": True, "score": 4}
    assert walk(RETENTION_CALLBACK, done) is None
    assert outcome(RETENTION_CALLBACK, done).resolved is True  # retained


def test_onboarding_care_scores_the_service() -> None:
    answers: Answers = {"manual": True, "demo": False, "score": 3}
    assert outcome(ONBOARDING_CALLBACK, answers).satisfaction == pytest.approx(50.0)


def test_exit_reasons_follow_the_churn_taxonomy() -> None:
    reason = EXIT_CALLBACK.question("reason")
    values = {c.value for c in reason.choices}
    assert values == {
        "network_coverage",
        "network_quality",
        "price_tariff",
        "billing_dispute",
        "customer_service",
        "competitor_offer",
        "device_handset",
        "relocation",
        "contract_end",
        "involuntary_nonpayment",
        "other",
    }
    assert set(EXIT_REASON_MIIT_CLASS) <= values


def test_exit_callback_may_end_without_a_come_back_answer() -> None:
    answers: Answers = {"reason": "relocation", "come_back": None}
    assert walk(EXIT_CALLBACK, answers) is None
    assert validate_answers(EXIT_CALLBACK, answers) == []


# --- answer checks -------------------------------------------------------------------------


def test_answers_of_the_wrong_type_or_range_are_reported() -> None:
    answers: Answers = {"resolved": "yes", "remaining": "  ", "handling": 6, "attitude": True}
    problems = validate_answers(RESOLUTION_CALLBACK, answers)
    assert len(problems) == 4
    assert problems[0].startswith("resolved:")


def test_answers_off_the_path_are_reported() -> None:
    answers: Answers = {"resolved": True, "remaining": "nothing", "handling": 4, "attitude": 4}
    assert validate_answers(RESOLUTION_CALLBACK, answers) == [
        "remaining: answered but not on the path"
    ]


def test_unknown_choices_and_declined_required_questions_are_reported() -> None:
    answers: Answers = {"reason": "weather", "offer_accepted": None, "score": 3}
    problems = validate_answers(RETENTION_CALLBACK, answers)
    assert problems == [
        "reason: 'weather' is not one of the choices",
        "offer_accepted: required but declined",
    ]


def test_an_unfinished_call_is_a_problem_unless_partial() -> None:
    assert validate_answers(RESOLUTION_CALLBACK, {"resolved": True}) == [
        "handling: not answered yet"
    ]
    assert validate_answers(RESOLUTION_CALLBACK, {"resolved": True}, partial=True) == []


def test_path_lists_answered_questions_in_order() -> None:
    assert answered_path(RESOLUTION_CALLBACK, {"resolved": True, "handling": 3}) == (
        "resolved",
        "handling",
    )


def test_score_answers_can_branch() -> None:
    s = script(q("score", SCORE, next={"1": "why"}, default_next=END), q("why", TEXT))
    validate_script(s)
    assert walk(s, {"score": 1}) == s.question("why")
    assert walk(s, {"score": 4}) is None


# --- script validation ---------------------------------------------------------------------


def test_unknown_next_question_is_refused() -> None:
    assert problems_of(script(q("a", next={"no": "ghost"}))) == [
        "a: next question 'ghost' does not exist"
    ]


def test_cycles_are_refused() -> None:
    s = script(q("a", default_next="b"), q("b", default_next="a"))
    assert problems_of(s) == ["the flow loops back to 'a'"]


def test_unreachable_questions_are_refused() -> None:
    s = script(q("a", default_next=END), q("orphan"))
    assert problems_of(s) == ["orphan: unreachable"]


def test_closed_loop_script_needs_a_confirmation_question() -> None:
    assert problems_of(script(q("a")), closed_loop=True) == [
        "a closed-loop script needs a confirmation question"
    ]


def test_confirmation_must_be_a_required_yes_no_question_on_every_path() -> None:
    s = script(
        q(
            "kind",
            CHOICE,
            choices=(Choice("x", "甲", "x"), Choice("y", "乙", "y")),
            next={"x": END},
        ),
        q("ok", YES_NO, required=False),
        confirmation="ok",
    )
    assert problems_of(s) == [
        "ok: confirmation must be a required yes/no question",
        "ok: some paths finish without asking it",
    ]


def test_missing_confirmation_and_non_score_satisfaction_questions_are_refused() -> None:
    s = script(q("a"), confirmation="ghost", satisfaction=("a",))
    assert problems_of(s) == [
        "confirmation question 'ghost' does not exist",
        "satisfaction question 'a' is not a score question",
    ]


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        ((q("a"), q("a")), "question id 'a' is used twice"),
        ((q(END),), f"{END!r} is reserved"),
        ((q("a", CHOICE),), "a choice question needs choices"),
        ((q("a", choices=(Choice("x", "甲", "x"),)),), "only choice questions take choices"),
        ((q("a", next={"maybe": END}),), "cannot branch on 'maybe'"),
        ((q("a", TEXT, next={"x": END}),), "cannot branch on 'x'"),
        ((q("a", SCORE, next={"6": END}),), "cannot branch on '6'"),
        ((), "it has no questions"),
    ],
)
def test_malformed_questions_are_refused(questions: tuple[Question, ...], expected: str) -> None:
    s = CallbackScript("t", 1, "测试", "test", questions)
    assert any(expected in problem for problem in problems_of(s))


def test_unknown_first_question_is_refused() -> None:
    assert "first question 'zz' does not exist" in problems_of(script(q("a"), first="zz"))


def test_a_new_version_of_a_script_is_a_separate_value() -> None:
    v2 = replace(RESOLUTION_CALLBACK, version=2)
    validate_script(v2, closed_loop=True)
    assert v2 != RESOLUTION_CALLBACK
    assert script_to_dict(v2)["version"] == 2


def _to_toml(data: object, prefix: str = "") -> str:
    """A tiny TOML writer for the test: the stdlib reads TOML but cannot write it."""
    assert isinstance(data, dict)
    scalars = {k: v for k, v in data.items() if not isinstance(v, list | dict) or _plain(v)}
    lines = [f"{json.dumps(k)} = {_inline(v)}" for k, v in scalars.items()]
    for key, value in data.items():
        if isinstance(value, dict) and key not in scalars:
            lines.append(f"[{prefix}{key}]\n" + _to_toml(value, f"{prefix}{key}."))
        elif isinstance(value, list) and key not in scalars:
            for item in value:
                lines.append(f"[[{prefix}{key}]]\n" + _to_toml(item, f"{prefix}{key}."))
    return "\n".join(lines) + "\n"


def _inline(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_inline(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


def _plain(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(v, str) for v in value.values())
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
