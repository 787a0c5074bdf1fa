"""The multiple-choice quiz of notebook 09 (pooledu.quiz): enough questions on
every notebook, one right answer each, computed answers that agree with an
independent count, and HTML that works without a kernel, JavaScript or network
(the browser check on the built book is in test_browser.py)."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from pooledu import quiz
from pooledu import reference as ref

QUESTIONS = quiz.questions()
# JupyterLab's sanitizer keeps these tags for untrusted outputs (checked in its
# allowedTags list); <script>, <style>, <input> handlers would be stripped.
SAFE_TAGS = {"div", "p", "b", "i", "span", "details", "summary"}


def test_at_least_12_questions_covering_every_notebook_01_to_08():
    assert len(QUESTIONS) >= 12
    assert {q.notebook for q in QUESTIONS} >= {f"{i:02d}" for i in range(1, 9)}
    assert [q.number for q in QUESTIONS] == list(range(5, 5 + len(QUESTIONS)))


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: f"Q{q.number}")
def test_one_correct_option_distinct_options_and_feedback_everywhere(q):
    assert sum(o.correct for o in q.options) == 1
    texts = [o.text for o in q.options]
    assert len(set(texts)) == len(texts) >= 3
    for o in q.options:
        assert len(o.feedback) > 20, f"Q{q.number} {o.text!r}: feedback too thin"


def test_a_question_without_exactly_one_right_answer_is_refused():
    with pytest.raises(ValueError, match="exactly one"):
        quiz.Question(1, "01", "?", (quiz.Option("a", True, "x"), quiz.Option("b", True, "y")))
    with pytest.raises(ValueError, match="feedback"):
        quiz.Question(1, "01", "?", (quiz.Option("a", True, ""), quiz.Option("b", False, "y")))


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.open = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, f"unbalanced </{tag}>"


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: f"Q{q.number}")
def test_html_is_self_contained_and_sanitizer_safe(q):
    text = q.html()
    parser = _Tags()
    parser.feed(text)
    assert parser.open == []
    assert set(parser.tags) <= SAFE_TAGS
    assert parser.tags.count("details") == parser.tags.count("summary") == len(q.options)
    assert not any(name.startswith("on") for name, _ in parser.attrs)
    assert not re.search(r"https?:|//|url\(|@import", text)
    assert text.count('data-correct="true"') == 1


def test_plain_text_gives_no_answer_away():
    text = repr(quiz.show())
    assert "Correct" not in text and "Not this one" not in text
    assert text.count("Q") >= len(QUESTIONS)


def test_show_filters_by_notebook_and_explains_unknown():
    assert {q.notebook for q in quiz.show("03", "06").questions} == {"03", "06"}
    with pytest.raises(ValueError, match="known"):
        quiz.show("42")
    assert quiz.show()._repr_html_().count("pooledu-quiz-option") == sum(
        len(q.options) for q in QUESTIONS)


def _correct(q):
    return next(o for o in q.options if o.correct).text


def _question(fragment):
    return next(q for q in QUESTIONS if fragment in q.prompt)


# ------------------------------------------------- the answers, recomputed another way
def test_output_size_by_counting_windows():
    starts = [s for s in range(0, 28, 2) if s + 3 <= 28]
    assert _correct(_question("28x28")) == f"{len(starts)}x{len(starts)}"


def test_receptive_field_by_tracing_dependencies():
    # which input indices does output cell 0 depend on? conv3 -> pool2/2 -> conv3, 1-D
    conv1 = [{i, i + 1, i + 2} for i in range(30)]
    pool = [conv1[2 * i] | conv1[2 * i + 1] for i in range(15)]
    conv2 = pool[0] | pool[1] | pool[2]
    assert _correct(_question("receptive field")) == str(len(conv2))


def test_gradient_fractions_by_counting_winners():
    x = np.random.default_rng(0).random((8, 8))

    def winners(k, s):
        cells = set()
        for i in range(0, 8 - k + 1, s):
            for j in range(0, 8 - k + 1, s):
                a, b = np.unravel_index(np.argmax(x[i:i + k, j:j + k]), (k, k))
                cells.add((i + int(a), j + int(b)))
        return cells

    z2, z3 = 1 - len(winners(2, 2)) / 64, 1 - len(winners(3, 1)) / 64
    assert _correct(_question("random 8x8")) == f"more: {z3:.3f} against {z2:.3f}"
    assert z3 > z2


def test_shift_adaptive_gem_gap_int8_answers():
    assert _correct(_question("shifted right by one")) == "[1, 1, 1, 1]"
    assert _correct(_question("[1, 2, 3, 4, 5]")) == "[1.5, 3, 4.5]"
    gem = next(o for o in _question("GeM").options if o.correct)
    assert gem.text == "average pooling" and "3.75" in gem.feedback and math.isclose(
        float(ref.gem_pool2d(np.array([[1.0, 3.0], [5.0, 6.0]]), p=1.0, pool_size=2).ravel()[0]),
        (1 + 3 + 5 + 6) / 4)
    assert _correct(_question("GlobalAveragePooling2D")) == "(2, 512)"
    with np.errstate(over="ignore"):
        assert "-128" in _correct(_question("int8"))


def test_noise_answer_matches_the_theory():
    f = quiz.facts()
    assert abs(f["noise_std_avg"] - 0.5) < 0.01 and f["noise_std_max"] > 0.6
    assert _correct(_question("Gaussian noise")).startswith("average")


def test_the_right_option_is_not_given_away_by_its_length():
    # review of issue 13: the right option was the longest in 6 of 16 questions
    longest = [q.number for q in QUESTIONS
               if sorted(len(o.text) for o in q.options)[-1] == len(_correct(q))
               and sorted(len(o.text) for o in q.options)[-2] < len(_correct(q))]
    assert len(longest) <= len(QUESTIONS) / 3, f"right option longest in {longest}"


def test_no_option_carries_a_parenthetical_explanation():
    for q in QUESTIONS:
        for o in q.options:
            assert "(measured" not in o.text and "(e.g." not in o.text and "(or " not in o.text


def test_noise_prompt_asks_for_the_std_so_one_average_option_is_right():
    q = _question("Gaussian noise")
    assert "standard deviation?" in q.prompt
    averages = sorted(o.text for o in q.options if o.text.startswith("average"))
    assert averages == ["average: std 1/2", "average: std 1/4"]
    assert _correct(q) == "average: std 1/2"


def _zero_gradient_fraction_3x3_s1(x):
    winners = set()
    for i in range(6):
        for j in range(6):
            a, b = np.unravel_index(np.argmax(x[i:i + 3, j:j + 3]), (3, 3))
            winners.add((i + int(a), j + int(b)))
    return 1 - len(winners) / 64


def test_zero_gradient_question_is_about_one_map_and_reports_many():
    f = quiz.facts()
    many = np.array([_zero_gradient_fraction_3x3_s1(np.random.default_rng(s).random((8, 8)))
                     for s in range(f["zero_grad_maps"])])
    assert f["zero_grad_maps"] >= 100
    assert math.isclose(f["zero_grad_3x3_mean"], many.mean())
    assert math.isclose(f["zero_grad_3x3_above"], np.mean(many > 0.75))
    assert many.min() <= 0.75 < many.mean() < f["zero_grad_3x3_s1"]   # not always more
    q = _question("8x8 map")
    assert "the random 8x8 map of notebook 06" in q.prompt
    feedback = next(o for o in q.options if o.correct).feedback
    assert f"{many.mean():.2f}" in feedback and "not always" in feedback


def test_unused_fact_dropped_and_stride_1_tied_to_tf_nn_pool():
    assert "window_avg" not in quiz.facts()
    q = _question("without strides")
    assert "tf.nn.pool" in next(o for o in q.options if o.text == "1").feedback
