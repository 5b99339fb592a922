from bot.faq import fitting_answer


def test_a_levy_question_naming_nothing_gets_the_answer_for_the_case():
    # "how much can they take" from someone whose Social Security was cut
    assert fitting_answer("faq/wage_levy", set(), {"social_security"}) == "faq/social_security_levy"
    assert fitting_answer("faq/bank_levy", set(), {"wages"}) == "faq/wage_levy"


def test_the_picker_stands_when_the_question_names_a_target_or_the_case_is_not_one_kind():
    assert fitting_answer("faq/wage_levy", {"wages"}, {"social_security"}) == "faq/wage_levy"
    assert fitting_answer("faq/wage_levy", set(), {"bank", "social_security"}) == "faq/wage_levy"
    assert fitting_answer("faq/wage_levy", set(), set()) == "faq/wage_levy"
    assert fitting_answer("faq/wage_levy", set(), {"other"}) == "faq/wage_levy"


def test_other_answers_are_never_changed():
    assert fitting_answer("faq/cdp_hearing", set(), {"social_security"}) == "faq/cdp_hearing"
