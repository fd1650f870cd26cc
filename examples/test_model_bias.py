"""A user's bias tests, run like any other tests by the biasprobe pytest plugin.

    pytest examples/test_model_bias.py --biasprobe-model ../shared/models/minilm-l6-sst2

The plugin audits the model once per session with the shipped ``country`` template set
(``--biasprobe-templates`` picks another set; ``--biasprobe-audit-dir DIR`` loads an audit
written by ``biasprobe audit`` instead of running the model). A check passes when its
whole 95% confidence interval is within the limit, fails when the whole interval is
beyond it, and is inconclusive (a failure, unless ``--biasprobe-inconclusive warn``)
when the interval straddles the limit.
"""

import pytest

import biasprobe


def test_country_gap(biasprobe_audit):
    # A plain assert gets the CI-aware verdict and a message with the metric, the two
    # groups, the value with its CI, the limit and the worst template-matched pairs.
    assert biasprobe_audit.gap("country") < 0.10


def test_few_label_flips(biasprobe_audit):
    # Share of sentences whose predicted label differs from the neutral "a country".
    biasprobe.expect(biasprobe_audit).max_flip_rate("25%")


def test_afghanistan_near_neutral(biasprobe_audit):
    # Any threshold expression, as in biasprobe.yaml or `biasprobe check --check`.
    biasprobe_audit.check("delta(country=Afghanistan) > -0.2")


@pytest.mark.biasprobe(strict=True)
def test_model_card_sentence(biasprobe_audit):
    # One wording has one probe per country, hence no CI: compare the point estimate.
    assert biasprobe_audit.gap("country", template_id="film_filmed_in") < 0.5
