"""The owners' one-click buttons in the emails carry their words in English and Lao: the Lao
is the confirmation page's, for every action a link can carry."""

from __future__ import annotations

from monitor.notify.message import ACTION_WORDS_LO, action_views
from monitor.ui.links import OWNER_ACTIONS
from monitor.ui.owner_text import ACTIONS_LO


def test_every_action_has_the_same_lao_words_in_the_emails_as_on_the_page():
    assert set(ACTION_WORDS_LO) == set(OWNER_ACTIONS.values())
    for action, words in OWNER_ACTIONS.items():
        assert ACTION_WORDS_LO[words] == ACTIONS_LO[action]
        assert all("\u0e80" <= ch <= "\u0eff" or ch in " ," for ch in ACTION_WORDS_LO[words])


def test_action_views_keep_the_url_live_and_give_both_languages():
    [view] = action_views((("Not a fake", "https://monitor.example.test/monitor/act/3/false-positive?t=x.y"),))
    assert view == {"words": "Not a fake", "words_lo": "ບໍ່ແມ່ນຂອງປອມ",
                    "url": "https://monitor.example.test/monitor/act/3/false-positive?t=x.y"}
    assert action_views((("Something new", "https://m.example/x"),))[0]["words_lo"] is None
