"""Callback scripts (回访脚本): versioned question flows with branching.

Pure rules: standard library plus :mod:`weixi.errors`. A script is a small directed acyclic
graph of questions. Each answer picks the next question through ``Question.next`` (answer →
question id) or falls through to ``default_next``; ``END`` finishes the call. Answers are
plain JSON values keyed by question id:

============  ============================  =====================================
type          answer                        branch key in ``next``
============  ============================  =====================================
``yes_no``    ``True`` / ``False``          ``"yes"`` / ``"no"``
``score``     ``int`` 1–5 (P.800 ACR-like)  ``"1"`` … ``"5"``
``choice``    one choice ``value``          that value
``text``      ``str``                       none: text never branches
============  ============================  =====================================

``None`` records a question the customer declined; only optional questions may be declined.
Satisfaction is the mean of the answered satisfaction scores, reported both on the 1–5 scale
(``mean_score``, MOS-like) and mapped linearly to 0–100 (``satisfaction``: 1 → 0, 5 → 100) so
it sits beside percentage KPIs on the dashboards.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from statistics import fmean
from typing import Any

from weixi.errors import ValidationFailed

END = "end"
SCORE_MIN, SCORE_MAX = 1, 5

Answer = bool | int | str | None
Answers = Mapping[str, Answer]


class QuestionType(StrEnum):
    YES_NO = "yes_no"
    SCORE = "score"  # 1 (bad) … 5 (excellent), as the ITU-T P.800 ACR scale
    CHOICE = "choice"
    TEXT = "text"


@dataclass(frozen=True)
class Choice:
    """One option of a choice question; ``value`` is what gets stored."""

    value: str
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class Question:
    """One question; ``default_next=None`` means the question listed after it (or END)."""

    id: str
    type: QuestionType
    text_zh: str
    text_en: str
    choices: tuple[Choice, ...] = ()
    required: bool = True
    next: Mapping[str, str] = field(default_factory=dict, hash=False)
    default_next: str | None = None


@dataclass(frozen=True)
class CallbackScript:
    """A versioned question flow; ``(code, version)`` identifies it in callback records."""

    code: str
    version: int
    name_zh: str
    name_en: str
    questions: tuple[Question, ...]
    first: str | None = None  # None: the first question listed
    #: The yes/no question in which the customer confirms resolution (closed loop, 闭环).
    confirmation: str | None = None
    #: Score questions whose answers make up the satisfaction score.
    satisfaction: tuple[str, ...] = ()

    @property
    def start(self) -> str:
        """Id of the question the call opens with."""
        return self.first if self.first is not None else self.questions[0].id

    def question(self, question_id: str) -> Question:
        """The question with that id (KeyError if none)."""
        for candidate in self.questions:
            if candidate.id == question_id:
                return candidate
        raise KeyError(question_id)

    def successor(self, question: Question, answer: Answer) -> str:
        """Id of the question that follows ``answer`` to ``question`` (or END)."""
        key = branch_key(question, answer)
        if key is not None and key in question.next:
            return question.next[key]
        return self.default_successor(question)

    def default_successor(self, question: Question) -> str:
        """Where ``question`` leads when no branch applies: ``default_next`` or the next listed."""
        if question.default_next is not None:
            return question.default_next
        position = self.questions.index(question)
        return self.questions[position + 1].id if position + 1 < len(self.questions) else END


class ScriptInvalid(ValidationFailed):
    """A callback script that cannot be used; ``detail["problems"]`` lists every reason."""

    code = "callback_script_invalid"


@dataclass(frozen=True)
class CallbackOutcome:
    """What a callback's answers amount to."""

    resolved: bool | None  # the confirmation answer; None if not asked or not answered
    satisfaction: float | None  # 0–100, None without any satisfaction score
    mean_score: float | None  # the same on the 1–5 scale
    path: tuple[str, ...]  # answered questions, in the order asked
    complete: bool  # the walk reached END


def branch_key(question: Question, answer: Answer) -> str | None:
    """The key an answer looks up in ``question.next``; None for text and declined answers."""
    if answer is None or question.type is QuestionType.TEXT:
        return None
    if question.type is QuestionType.YES_NO:
        return "yes" if answer is True else "no" if answer is False else None
    return str(answer)


def walk(script: CallbackScript, answers: Answers) -> Question | None:
    """The next question to ask given the answers so far; None when the call is finished."""
    return _trace(script, answers)[1]


def answered_path(script: CallbackScript, answers: Answers) -> tuple[str, ...]:
    """Ids of the answered questions on the path the answers take, in order."""
    return tuple(q.id for q in _trace(script, answers)[0])


def validate_answers(
    script: CallbackScript, answers: Answers, *, partial: bool = False
) -> list[str]:
    """Problems with a set of answers, empty if none.

    Checks answers on the path only (types, ranges, choices, declined required questions),
    flags answers to questions off the path, and, unless ``partial``, an unfinished call.
    """
    path, pending = _trace(script, answers)
    problems = [problem for q in path for problem in _answer_problems(q, answers[q.id])]
    on_path = {q.id for q in path}
    problems += [f"{qid}: answered but not on the path" for qid in answers if qid not in on_path]
    if pending is not None and not partial:
        problems.append(f"{pending.id}: not answered yet")
    return problems


def outcome(script: CallbackScript, answers: Answers) -> CallbackOutcome:
    """Resolution confirmation and satisfaction derived from the answers on the path."""
    path, pending = _trace(script, answers)
    on_path = {q.id: answers[q.id] for q in path}
    confirmation = on_path.get(script.confirmation) if script.confirmation else None
    scores = [
        value
        for qid in script.satisfaction
        if isinstance(value := on_path.get(qid), int) and not isinstance(value, bool)
    ]
    mean = fmean(scores) if scores else None
    return CallbackOutcome(
        resolved=confirmation if isinstance(confirmation, bool) else None,
        satisfaction=None if mean is None else (mean - SCORE_MIN) / (SCORE_MAX - SCORE_MIN) * 100,
        mean_score=mean,
        path=tuple(on_path),
        complete=pending is None,
    )


def validate_script(script: CallbackScript, *, closed_loop: bool = False) -> None:
    """Raise :class:`ScriptInvalid` listing every problem of the script.

    ``closed_loop=True`` (complaint and fault callbacks) also demands a confirmation question
    that every complete call passes through.
    """
    problems = _structure_problems(script)
    if not problems:  # graph checks need ids that resolve
        problems += _cycle_problems(script)
        problems += _reachability_problems(script)
        problems += _role_problems(script, closed_loop=closed_loop)
    if problems:
        raise ScriptInvalid(
            f"callback script {script.code} v{script.version} is invalid: {'; '.join(problems)}",
            problems=problems,
        )


def script_to_dict(script: CallbackScript) -> dict[str, Any]:
    """A plain, JSON- and TOML-ready dict (TOML has no null: unset fields are left out)."""
    return _drop_none(
        {
            "code": script.code,
            "version": script.version,
            "name_zh": script.name_zh,
            "name_en": script.name_en,
            "first": script.first,
            "confirmation": script.confirmation,
            "satisfaction": list(script.satisfaction),
            "questions": [_question_to_dict(q) for q in script.questions],
        }
    )


def script_from_dict(data: Mapping[str, Any]) -> CallbackScript:
    """Rebuild and validate a script from :func:`script_to_dict`'s shape."""
    script = CallbackScript(
        code=str(data["code"]),
        version=int(data["version"]),
        name_zh=str(data["name_zh"]),
        name_en=str(data["name_en"]),
        questions=tuple(_question_from_dict(q) for q in data["questions"]),
        first=data.get("first"),
        confirmation=data.get("confirmation"),
        satisfaction=tuple(data.get("satisfaction", ())),
    )
    validate_script(script)
    return script


# --- walking -------------------------------------------------------------------------------


def _trace(script: CallbackScript, answers: Answers) -> tuple[list[Question], Question | None]:
    """Answered questions along the path, and the first unanswered one (None at END)."""
    path: list[Question] = []
    current = script.start
    while current != END:
        question = script.question(current)
        if question.id not in answers:
            return path, question
        if question in path:  # only an unvalidated script can loop
            raise ScriptInvalid(f"callback script {script.code} loops at {question.id}")
        path.append(question)
        current = script.successor(question, answers[question.id])
    return path, None


def _answer_problems(question: Question, answer: Answer) -> Iterator[str]:
    if answer is None:
        if question.required:
            yield f"{question.id}: required but declined"
        return
    kind = question.type
    if kind is QuestionType.YES_NO and not isinstance(answer, bool):
        yield f"{question.id}: expects yes or no (true/false), got {answer!r}"
    elif kind is QuestionType.SCORE and not _is_score(answer):
        yield f"{question.id}: expects a whole score {SCORE_MIN}–{SCORE_MAX}, got {answer!r}"
    elif kind is QuestionType.CHOICE and answer not in {c.value for c in question.choices}:
        yield f"{question.id}: {answer!r} is not one of the choices"
    elif kind is QuestionType.TEXT and not (isinstance(answer, str) and answer.strip()):
        yield f"{question.id}: expects some text, got {answer!r}"


def _is_score(answer: Answer) -> bool:
    if isinstance(answer, bool) or not isinstance(answer, int):
        return False
    return SCORE_MIN <= answer <= SCORE_MAX


# --- script checks -------------------------------------------------------------------------


def _edges(script: CallbackScript, question: Question) -> set[str]:
    return {*question.next.values(), script.default_successor(question)}


def _structure_problems(script: CallbackScript) -> list[str]:
    if not script.questions:
        return ["it has no questions"]
    ids = [q.id for q in script.questions]
    problems = [f"question id {i!r} is used twice" for i in sorted(set(ids)) if ids.count(i) > 1]
    problems += [f"{END!r} is reserved and cannot be a question id" for i in ids if i == END]
    known = {*ids, END}
    if script.start not in ids:
        problems.append(f"first question {script.start!r} does not exist")
    for question in script.questions:
        problems += _question_problems(question)
        problems += [
            f"{question.id}: next question {target!r} does not exist"
            for target in sorted(_edges(script, question) - known)
        ]
    return problems


def _question_problems(question: Question) -> list[str]:
    values = [c.value for c in question.choices]
    problems: list[str] = []
    if question.type is QuestionType.CHOICE:
        if not values:
            problems.append(f"{question.id}: a choice question needs choices")
        if len(set(values)) != len(values):
            problems.append(f"{question.id}: choice values repeat")
    elif values:
        problems.append(f"{question.id}: only choice questions take choices")
    allowed = _branch_keys(question, values)
    problems += [
        f"{question.id}: cannot branch on {key!r}" for key in sorted(set(question.next) - allowed)
    ]
    return problems


def _branch_keys(question: Question, values: list[str]) -> set[str]:
    return {
        QuestionType.YES_NO: {"yes", "no"},
        QuestionType.SCORE: {str(n) for n in range(SCORE_MIN, SCORE_MAX + 1)},
        QuestionType.CHOICE: set(values),
        QuestionType.TEXT: set(),
    }[question.type]


def _cycle_problems(script: CallbackScript) -> list[str]:
    state: dict[str, str] = {}  # id → "open" while on the DFS stack, "done" after

    def visit(question_id: str) -> str | None:
        if question_id == END or state.get(question_id) == "done":
            return None
        if state.get(question_id) == "open":
            return question_id
        state[question_id] = "open"
        for target in sorted(_edges(script, script.question(question_id))):
            if (looped := visit(target)) is not None:
                return looped
        state[question_id] = "done"
        return None

    looped = next((hit for q in script.questions if (hit := visit(q.id)) is not None), None)
    return [] if looped is None else [f"the flow loops back to {looped!r}"]


def _reachable(script: CallbackScript, *, avoiding: str | None = None) -> set[str]:
    seen: set[str] = set()
    stack = [script.start]
    while stack:
        current = stack.pop()
        if current in seen or current == avoiding:
            continue
        seen.add(current)
        if current != END:
            stack += _edges(script, script.question(current))
    return seen


def _reachability_problems(script: CallbackScript) -> list[str]:
    reachable = _reachable(script)
    return [f"{q.id}: unreachable" for q in script.questions if q.id not in reachable]


def _role_problems(script: CallbackScript, *, closed_loop: bool) -> list[str]:
    problems: list[str] = []
    confirmation = script.confirmation
    if confirmation is None:
        if closed_loop:
            problems.append("a closed-loop script needs a confirmation question")
    elif confirmation not in {q.id for q in script.questions}:
        problems.append(f"confirmation question {confirmation!r} does not exist")
    else:
        question = script.question(confirmation)
        if question.type is not QuestionType.YES_NO or not question.required:
            problems.append(f"{confirmation}: confirmation must be a required yes/no question")
        if END in _reachable(script, avoiding=confirmation):
            problems.append(f"{confirmation}: some paths finish without asking it")
    for qid in script.satisfaction:
        if qid not in {q.id for q in script.questions if q.type is QuestionType.SCORE}:
            problems.append(f"satisfaction question {qid!r} is not a score question")
    return problems


# --- serialisation -------------------------------------------------------------------------


def _question_to_dict(question: Question) -> dict[str, Any]:
    return _drop_none(
        {
            "id": question.id,
            "type": question.type.value,
            "text_zh": question.text_zh,
            "text_en": question.text_en,
            "choices": [
                {"value": c.value, "text_zh": c.text_zh, "text_en": c.text_en}
                for c in question.choices
            ],
            "required": question.required,
            "next": dict(question.next),
            "default_next": question.default_next,
        }
    )


def _question_from_dict(data: Mapping[str, Any]) -> Question:
    return Question(
        id=str(data["id"]),
        type=QuestionType(data["type"]),
        text_zh=str(data["text_zh"]),
        text_en=str(data["text_en"]),
        choices=tuple(
            Choice(str(c["value"]), str(c["text_zh"]), str(c["text_en"]))
            for c in data.get("choices", ())
        ),
        required=bool(data.get("required", True)),
        next={str(k): str(v) for k, v in data.get("next", {}).items()},
        default_next=data.get("default_next"),
    )


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}
