"""The multiple-choice quiz of notebook 09, one question (or two) per notebook 01-08.

Each question renders as self-contained HTML: every option is a
``<details>`` element, and opening it reveals either "correct" with the reason,
or a hint written for that specific wrong answer. No JavaScript, no external
files: it works in JupyterLab (``<details>`` survives the HTML sanitizer that
JupyterLab applies to untrusted notebooks) and on the static book site,
offline.

Every number in a question is computed here with :mod:`pooledu` when the
quiz is built (:func:`facts`), never typed in; the tests check each correct
option against pooledu.

>>> q = questions()[0]
>>> q.notebook, sum(option.correct for option in q.options)
('01', 1)
>>> show("01")  # doctest: +ELLIPSIS
Q5 (notebook 01). A 28x28 feature map goes through MaxPooling2D(pool_size=3, strides=2, ...
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import numpy as np

__all__ = ["Option", "Question", "Quiz", "facts", "questions", "show"]

# Dingbats check and ballot marks: in DejaVu Sans and most system fonts, unlike the
# emoji marks, which need an emoji font (headless Chromium here shows them as boxes).
_CORRECT_MARK = "\u2713"
_WRONG_MARK = "\u2717"


@dataclass(frozen=True)
class Option:
    """One answer: its text, whether it is right, and what opening it says."""

    text: str
    correct: bool = False
    feedback: str = ""


@dataclass(frozen=True)
class Question:
    """A multiple-choice question: exactly one option is correct."""

    number: int
    notebook: str
    prompt: str
    options: tuple[Option, ...]

    def __post_init__(self):
        if sum(o.correct for o in self.options) != 1:
            raise ValueError(f"question {self.number} must have exactly one correct option")
        if any(not o.feedback for o in self.options):
            raise ValueError(f"question {self.number}: every option needs its feedback")

    def text(self) -> str:
        """Plain-text form (what a terminal or nbval sees): no answers given away."""
        lines = [f"Q{self.number} (notebook {self.notebook}). {self.prompt}"]
        lines += [f"  {chr(65 + i)}. {o.text}" for i, o in enumerate(self.options)]
        return "\n".join(lines)

    def html(self) -> str:
        """Self-contained HTML: the prompt, then one ``<details>`` per option."""
        parts = ['<div class="pooledu-quiz" style="border: 1px solid #9e9e9e; '
                 'border-radius: 6px; padding: 6px 12px; margin: 8px 0;">',
                 f'<p style="margin: 4px 0;"><b>Q{self.number}</b> '
                 f'<span style="color: #757575;">(notebook {self.notebook})</span> '
                 f'{html.escape(self.prompt)}</p>']
        for i, option in enumerate(self.options):
            mark, verdict, colour = ((_CORRECT_MARK, "Correct.", "#2e7d32") if option.correct
                                     else (_WRONG_MARK, "Not this one.", "#c62828"))
            parts.append(
                f'<details class="pooledu-quiz-option" style="margin: 3px 0;">'
                f'<summary style="cursor: pointer;">{chr(65 + i)}. '
                f'{html.escape(option.text)}</summary>'
                f'<div class="pooledu-quiz-feedback" data-correct="{str(option.correct).lower()}"'
                f' style="border-left: 4px solid {colour}; padding: 2px 8px; '
                f'margin: 4px 0 6px 16px;"><b style="color: {colour};">{mark} {verdict}</b> '
                f'{html.escape(option.feedback)}</div></details>')
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Quiz:
    """Several questions shown together."""

    questions: tuple[Question, ...]

    def _repr_html_(self) -> str:
        intro = ('<p style="margin: 4px 0;"><i>Pick an answer, then click it: it opens and '
                 'says whether it is right, or gives a hint for that answer.</i></p>')
        return intro + "".join(q.html() for q in self.questions)

    def __repr__(self) -> str:
        return "\n\n".join(q.text() for q in self.questions)


# ----------------------------------------------------------------------------- the numbers
@functools.lru_cache(maxsize=1)
def facts() -> dict:
    """Every number the quiz uses, computed with pooledu (printed by notebook 09).

    >>> f = facts()
    >>> f["size_valid"], f["size_same"], f["rf"], f["zero_grad_2x2"]
    (13, 14, 8, 0.75)
    """
    from . import measure
    from . import reference as ref
    from ._geometry import output_size
    from .receptive_field import receptive_field

    x = np.random.default_rng(0).random((8, 8))         # the input of notebook 06
    signal = np.array([[0, 0, 1, 1, 0, 0, 1, 1]], dtype=float)
    shifted = np.roll(signal, 1, axis=1)
    many = [measure.gradient_sparsity(np.random.default_rng(seed).random((8, 8)), "max", 3, 1)
            for seed in range(100)]
    return {
        "size_valid": output_size(28, 3, 2, "valid"),
        "size_same": output_size(28, 3, 2, "same"),
        "size_stride_3": output_size(28, 3, 3, "valid"),
        "size_no_plus_1": (28 - 3) // 2,
        "rf": receptive_field([(3, 1), (2, 2), (3, 1)]),
        "rf_no_jump": 1 + (3 - 1) + (2 - 1) + (3 - 1),
        "rf_convs_only": receptive_field([(3, 1), (3, 1)]),
        "zero_grad_2x2": measure.gradient_sparsity(x, "max", 2, 2),
        "zero_grad_3x3_s1": measure.gradient_sparsity(x, "max", 3, 1),
        "zero_grad_avg": measure.gradient_sparsity(x, "avg", 2, 2),
        # the map of notebook 06 is one draw: the same fraction over many random maps
        "zero_grad_maps": len(many),
        "zero_grad_3x3_mean": float(np.mean(many)),
        "zero_grad_3x3_above": float(np.mean(
            np.array(many) > measure.gradient_sparsity(x, "max", 2, 2))),
        # 3 decimals: enough for the quiz, and stable across NumPy builds
        "noise_std_avg": round(measure.pooled_noise_stats("avg", 2)["std"], 3),
        "noise_std_max": round(measure.pooled_noise_stats("max", 2)["std"], 3),
        "pooled_signal": ref.max_pool2d(signal, (1, 2)).ravel().tolist(),
        "pooled_shifted": ref.max_pool2d(shifted, (1, 2)).ravel().tolist(),
        "gem_p1": float(ref.gem_pool2d(np.array([[1.0, 3.0], [5.0, 6.0]]), p=1.0,
                                       pool_size=2).ravel()[0]),
        "gap_shape": ref.global_pool2d(np.zeros((2, 7, 7, 512)), "avg").shape,
        "adaptive": ref.adaptive_pool2d(np.arange(1.0, 6.0).reshape(1, 5), (1, 3))
                       .ravel().tolist(),
        "int8_wrap": int((-np.array([-128], dtype=np.int8))[0]),   # wraps, no warning
    }


def _fmt(values) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


# ----------------------------------------------------------------------------- the questions
def _bank(f: dict) -> list[tuple[str, str, list[Option]]]:
    c, w = (lambda t, fb: Option(t, True, fb)), (lambda t, fb: Option(t, False, fb))
    sv, ss, s3, s0 = f["size_valid"], f["size_same"], f["size_stride_3"], f["size_no_plus_1"]
    z2, z3 = f["zero_grad_2x2"], f["zero_grad_3x3_s1"]
    return [
        ("01", "A 28x28 feature map goes through MaxPooling2D(pool_size=3, strides=2, "
               "padding='valid'). How large is the output?",
         [w(f"{ss}x{ss}", f"{ss} = ceil(28 / 2) is padding='same'. With 'valid' only windows "
                          f"that fit entirely count: floor((28 - 3) / 2) + 1."),
          c(f"{sv}x{sv}", f"floor((28 - 3) / 2) + 1 = {sv}: the last window starts at row 24 "
                          f"and ends at row 26; row 27 is never pooled."),
          w(f"{s3}x{s3}", "that uses a stride of 3 (the pool size, Keras' default), but this "
                          "layer sets strides=2."),
          w(f"{s0}x{s0}", "you counted the steps between windows, not the windows: add 1 "
                          "for the first window.")]),
        ("01", "In Keras, MaxPooling2D(pool_size=2) is called without strides. What stride "
               "does it use?",
         [w("1", "a stride of 1 is Conv2D's default, not the pooling layers' (and "
                 "tf.nn.pool's, which is why the article's min pooling layer overlaps, 02): "
                 "with stride 1 the windows would overlap and the map would barely shrink."),
          c("2", "2, the pool size: strides=None means strides = pool_size, so the windows "
                 "tile the map without overlapping (the same in PyTorch)."),
          w("it depends on the input size", "the stride is fixed by the layer, whatever the "
                                            "input size; only adaptive pooling adapts.")]),
        ("02", "GlobalAveragePooling2D() receives a batch of shape (2, 7, 7, 512). What "
               "shape comes out?",
         [c(str(f["gap_shape"]), "one average per sample and channel; the spatial axes are "
                                 "gone (Keras drops them unless keepdims=True)."),
          w("(2, 1, 1, 512)", "that is what keepdims=True gives; by default the spatial axes "
                              "are dropped."),
          w("(2, 7, 7)", "pooling never mixes channels: it averages over height and width, "
                         "per channel."),
          w("(2,)", "global pooling keeps one number per CHANNEL, not one per sample.")]),
        ("02", "Min pooling is often written as -max_pool(-x). What goes wrong for an int8 "
               "map that contains -128?",
         [w("nothing: min(x) = -max(-x) always", "it holds for real numbers, but int8 stops "
                                                 "at 127: -x cannot represent 128."),
          c(f"-(-128) wraps round to {f['int8_wrap']}",
            "so that window's result is wrong: int8 covers -128..127, so negating -128 "
            "overflows. Negate in a wider type (int64) and convert back, or use a true min."),
          w("TensorFlow raises an error", "it does not: integer negation wraps silently, "
                                          "which is why the bug is easy to miss.")]),
        ("03", "GeM (generalized-mean) pooling, (mean(x^p))^(1/p), with p = 1 is the same "
               "as which pooling?",
         [c("average pooling",
            "with p = 1 the power and the root cancel: it is the plain mean (e.g. "
            f"{f['gem_p1']:g} for the window [1, 3, 5, 6]). As p grows it moves towards "
            "max pooling."),
          w("max pooling", "max pooling is the limit for large p, not p = 1."),
          w("sum pooling", "GeM uses the MEAN of x^p; the sum (an Lp norm, like PyTorch's "
                           "LPPool2d) grows with the window size."),
          w("L2 pooling", "that is p = 2 (of the sum, for LPPool2d); here p = 1.")]),
        ("03", "Stochastic pooling (Zeiler & Fergus 2013) picks one value of each window at "
               "random during training. What does it output at test time?",
         [w("a random a_i, drawn with probability p_i = a_i / sum(a)",
            "that is training; at test time the output must be deterministic: the paper "
            "uses the expectation."),
          c("sum(p_i * a_i) with p_i = a_i / sum(a)",
            "the probability-weighted average, the expected value of the training-time "
            "sample: between the average and the max."),
          w("the maximum, max(a_i)", "the max is only the most likely pick; the test-time "
                                     "output weights every value by its probability."),
          w("the plain average, sum(a_i) / n", "values are weighted by p_i = a_i / sum(a), "
                                               "so large values count more than in a plain "
                                               "average.")]),
        ("04", "The values of one 2x2 max-pooling window are all different. How many of its "
               "4 input cells receive a non-zero gradient?",
         [w("0: max pooling is not differentiable", "max is piecewise linear and "
                                                     "differentiable wherever the maximum is "
                                                     "unique: the gradient flows."),
          c("1, the cell that holds the maximum", "the winner gets the whole upstream "
                                                   "gradient; the other three get 0."),
          w("4, a quarter each", "that is average pooling's gradient, which spreads dy/4 "
                                 "over the window.")]),
        ("04", "What is the receptive field (input pixels per side) of one output cell of "
               "conv3x3 -> maxpool2x2 (stride 2) -> conv3x3?",
         [w(str(f["rf_convs_only"]), "that counts the two convolutions only; the pooling "
                                     "window widens the field too."),
          w(str(f["rf_no_jump"]), "you added (k - 1) per layer as if every layer saw input "
                                  "pixels. After the stride-2 pool, one step of the second "
                                  "conv spans 2 input pixels."),
          c(str(f["rf"]), "r = 1 + 2 (conv) + 1 (pool) + 2 * 2 (conv after a stride of 2) = "
                          f"{f['rf']}.")]),
        ("05", "Pure Gaussian noise (standard deviation 1) goes through 2x2 pooling. Which "
               "pooling leaves less noise, and what is its standard deviation?",
         [c("average: std 1/2",
            "averaging 4 independent values divides the variance by 4, the standard "
            f"deviation by 2 (measured {f['noise_std_avg']:.2f}); max pooling leaves about "
            f"{f['noise_std_max']:.2f}."),
          w(f"max: std about {f['noise_std_max']:.2f}", "max pooling keeps the largest of 4 "
                                                         "noisy values: a spread of about "
                                                         f"{f['noise_std_max']:.2f} and a "
                                                         "mean pushed upwards. Average "
                                                         "pooling halves the noise."),
          w("neither: pooling does not change noise", "it does: averaging 4 independent "
                                                      "values shrinks their spread."),
          w("average: std 1/4", "1/4 is the variance of the average; its standard deviation "
                                "is the square root, 1/2.")]),
        ("05", "A digit moves 1 pixel to the right. What does a 2x2 max-pooling layer "
               "(stride 2) guarantee about its output?",
         [w("the output is unchanged: pooling is translation invariant",
            "only approximately, and only sometimes: a 1-pixel shift regroups the windows "
            "(notebook 05 measures how similar the outputs stay; in 06 a 1-pixel shift "
            "changes every other output)."),
          w("the output moves by 1 cell", "a 1-pixel shift is half a cell of the pooled map; "
                                          "only shifts by multiples of the stride (2) move "
                                          "the output by whole cells."),
          c("nothing exact: it is often similar, but can change a lot",
            "max pooling gives some robustness to small shifts, no invariance; notebook 07 "
            "measures what is left after training.")]),
        ("06", "1-D max pooling (window 2, stride 2) turns [0, 0, 1, 1, 0, 0, 1, 1] into "
               f"{_fmt(f['pooled_signal'])}. What does it give for the signal shifted right "
               "by one, [1, 0, 0, 1, 1, 0, 0, 1]?",
         [w(_fmt(f["pooled_signal"][1:] + f["pooled_signal"][:1]), "the output is not the "
            "old output shifted: a shift of half a window regroups the values."),
          c(_fmt(f["pooled_shifted"]), "the windows are (1,0), (0,1), (1,0), (0,1): each has "
                                       "a 1. A 1-pixel shift changed every other output "
                                       "(aliasing, Zhang 2019)."),
          w(_fmt(f["pooled_signal"]), "that is the output of the unshifted signal; pool the "
                                      "shifted one.")]),
        ("06", "On the random 8x8 map of notebook 06, what fraction of the input cells gets "
               "zero gradient "
               "through overlapping 3x3 max pooling with stride 1, compared with 2x2 / "
               "stride 2?",
         [w(f"fewer than with 2x2 / stride 2 ({z2:.3f}): overlap spreads the gradient",
            f"measured, it is the opposite: {z3:.3f} against {z2:.3f}. A large value wins "
            "every window that contains it, so fewer cells ever win."),
          c(f"more: {z3:.3f} against {z2:.3f}",
            "overlapping windows share their winners: a local maximum wins up to 9 windows "
            f"and most cells win none. Over {f['zero_grad_maps']} random 8x8 maps it "
            f"averages about {f['zero_grad_3x3_mean']:.2f}, above {z2:.3f} on "
            f"{f['zero_grad_3x3_above']:.0%} of them: usually more, not always."),
          w(f"none: {f['zero_grad_avg']:g}, as with average pooling", "only average pooling "
            "reaches every cell; max pooling sends each window's gradient to one cell.")]),
        ("07", "Which downsampling layer has learnable weights?",
         [w("max pooling", "pooling layers have no parameters: a max takes no weights."),
          w("average pooling", "average pooling is a convolution with a FIXED kernel of "
                               "1/(k*k); nothing is learned."),
          c("a strided convolution", "its kernel is learned: it can learn to downsample "
                                     "(Springenberg et al. 2015), at the cost of "
                                     "parameters and multiply-adds."),
          w("global average pooling", "GAP has no parameters; the dense layer after it "
                                      "does.")]),
        ("08", "Images of different sizes must give a fixed-length vector for one dense "
               "classifier. Which layer does that?",
         [w("2x2 max pooling", "its output still grows with the input (half of each side)."),
          c("global average pooling",
            "global pooling gives one number per channel whatever the size. Adaptive "
            "pooling to a fixed grid works too: it picks its bins from the input size."),
          w("a strided convolution", "its output size still depends on the input size."),
          w("dropout", "dropout does not change shapes at all.")]),
        ("08", "Adaptive average pooling turns [1, 2, 3, 4, 5] into 3 outputs, with bins "
               "[floor(i*5/3), ceil((i+1)*5/3)). What comes out?",
         [c(_fmt(f["adaptive"]), "bins [0, 2), [1, 4), [3, 5): they overlap by one cell and "
                                 "cover every value."),
          w("[1.5, 2.5, 3.5]", "that is a window of 2 with stride 1, stopped after 3 "
                               "windows: it never reaches the last value."),
          w("[1, 2, 3]", "a window of floor(5/3) = 1 cell drops values; adaptive bins cover "
                         "all of them.")]),
        ("08", "Attention pooling weights the positions with a softmax of scores / T. What "
               "does it become as the temperature T goes to 0?",
         [w("per-channel max pooling", "it selects ONE position (the highest score) for "
                                       "every channel; per-channel max may take each "
                                       "channel's maximum from a different position."),
          c("the features at the single highest-scoring position",
            "the softmax becomes one-hot on the best-scoring position."),
          w("average pooling", "that is the other limit, T going to infinity (all weights "
                               "equal).")]),
    ]


@functools.lru_cache(maxsize=1)
def questions() -> tuple[Question, ...]:
    """The quiz, numbered from 5 on (notebook 09 asks Q1-Q4 with typed answers).

    The options of question ``n`` are rotated by ``n`` places, so that the right
    answer is not always in the same position (the bank lists them in reading
    order).
    """
    out = []
    for number, (nb, prompt, options) in enumerate(_bank(facts()), start=5):
        r = number % len(options)
        out.append(Question(number=number, notebook=nb, prompt=prompt,
                            options=tuple(options[r:] + options[:r])))
    return tuple(out)


def show(*notebooks: str) -> Quiz:
    """The questions on the given notebooks ("01" ... "08"); all of them if none given."""
    chosen = tuple(q for q in questions() if not notebooks or q.notebook in notebooks)
    if not chosen:
        known = sorted({q.notebook for q in questions()})
        raise ValueError(f"no quiz question on notebook(s) {notebooks}; known: {known}")
    return Quiz(chosen)
