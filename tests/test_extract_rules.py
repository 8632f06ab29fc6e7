"""Single extraction rules met in real news, each on sentences written for these tests (none is
taken from a published page): lists read "respectively", a time of day carried across sentences, a
move's own size after "reached", a peak word before a close, period phrases, inflected direction
words, the registry's indices by other names. The measure of the rules is the real-news
development set (tests/test_extract_news.py), read from ../shared only."""

from __future__ import annotations

import pytest

from eventstudy.news.extract import propose


def claims_of(text: str) -> set[tuple[str, str, str, float]]:
    return {(c.kind, c.target, c.op, round(c.threshold, 6)) for c in propose(text).claims}


# -- "respectively" ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "On Tuesday SMIC and Hua Hong gained 4% and 9%, respectively.",
    "Martedì SMIC e Hua Hong hanno guadagnato rispettivamente il 4% e il 9%.",
    "El martes SMIC y Hua Hong ganaron un 4% y un 9%, respectivamente.",
    "周二中芯国际和华虹分别收涨4%和9%。",
])
def test_respectively_pairs_names_and_numbers_in_order(text: str) -> None:
    got = claims_of(text)
    assert ("session_return", "0981.HK", ">=", 0.035) in got
    assert ("session_return", "1347.HK", ">=", 0.085) in got
    assert len(got) == 2  # neither number goes to the other company


def test_respectively_with_an_unknown_first_name_gives_only_the_known_one() -> None:
    # 某某科技 is nobody in the registry: its 4% is not proposed, Hua Hong keeps its 9%
    got = claims_of("周二某某科技与华虹分别收涨4%和9%。")
    assert got == {("session_return", "1347.HK", ">=", 0.085)}


def test_respectively_with_more_names_than_numbers_proposes_nothing_from_the_list() -> None:
    got = claims_of("On Tuesday Zhipu, SMIC and Hua Hong gained 4% and 9%, respectively.")
    assert got == set()


# -- the time of day -------------------------------------------------------------------------------
def test_an_opening_time_carries_to_the_next_sentence() -> None:
    text = ("At the open on Tuesday the Hang Seng Index was up 1.4%. Hang Seng Tech was up 2.3% as well. "
            "At the close of trading, Zhipu shares ended 8% higher.")
    got = claims_of(text)
    assert got == {("session_return", "2513.HK", ">=", 0.075)}


def test_a_time_of_day_in_news_without_a_move_does_not_carry() -> None:
    text = "Zhipu published its annual figures after hours. On Friday Zhipu shares lost 5.5%."
    assert claims_of(text) == {("session_return", "2513.HK", "<=", -0.0545)}


def test_a_period_sentence_is_not_read_at_the_morning_time() -> None:
    text = "寒武纪早盘走高3%。近八个交易日,寒武纪累计上涨41.2%。"
    got = claims_of(text)
    assert ("period_return", "688256.SS", ">=", 0.4115) in got


# -- size and peaks --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "op", "threshold"), [
    ("寒武纪周四收盘,涨幅达12.6%。", ">=", 0.1255),
    ("寒武纪周四收盘,跌幅达到13.35%。", "<=", -0.13345),
    ("Cambricon slid early on; at the close its slide shrank to 2.7%.", "<=", -0.0265),
])
def test_a_moves_size_after_reached_is_not_a_level(text: str, op: str, threshold: float) -> None:
    got = claims_of(text)
    assert got == {("session_return", "688256.SS", op, threshold)}


def test_a_close_after_a_peak_word_keeps_the_close() -> None:
    got = claims_of("寒武纪一度下挫16%,收盘时跌13.2%。")
    assert got == {("session_return", "688256.SS", "<=", -0.1315)}


# -- periods, directions, names ----------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Cambricon stock is 40% higher in 2025.",
    "Cambricon stock added 40% over the past nine sessions.",
    "Cambricon acumula una subida del 40% en los últimos 9 meses.",
    "Cambricon è salita del 40% nelle ultime nove sedute.",
    "С начала 2024 года Cambricon подорожал на 40%.",
    "寒武纪近9个交易日累计涨40%。",
])
def test_period_phrases(text: str) -> None:
    got = claims_of(text)
    assert {k for k, *_ in got} == {"period_return"}, got


@pytest.mark.parametrize(("text", "target", "op"), [
    ("В пятницу Хушэнь-300 закрылся, понизившись на 2,2%.", "000300.SS", "<="),
    ("El viernes el Hang Seng Tech Index ascendió un 2,2%.", "HSTECH.HK", ">="),
    ("El viernes la Bolsa de Hong Kong terminó con una baja del 2,2%.", "^HSI", "<="),
    ("周五收盘,标准普尔500跌2.2%。", "^GSPC", "<="),
])
def test_inflected_directions_and_index_names(text: str, target: str, op: str) -> None:
    got = claims_of(text)
    assert {(t, o) for _, t, o, _ in got} == {(target, op)}, got


# -- records, large moves, one claim per move ----------------------------------------------------------
@pytest.mark.parametrize("text", [
    "On Friday Nvidia lost 13%, its biggest one-day drop since April 2019.",
    "英伟达周五大跌13%,创2019年4月以来最大跌幅。",
])
def test_a_records_since_is_not_a_period(text: str) -> None:
    assert {k for k, *_ in claims_of(text)} == {"session_return"}


def test_a_move_of_100_percent_or_more_without_a_horizon_is_a_periods() -> None:
    assert {k for k, *_ in claims_of("Cambricon shares have soared 250%, analysts said.")} == {"period_return"}
    # a debut still makes it a since-listing claim
    assert {k for k, *_ in claims_of("Zhipu shares soared 250% on their debut.")} == {"since_listing"}


def test_one_move_stated_twice_is_one_claim_the_precise_one() -> None:
    text = ("On its first trading day Moore Threads gained 402.5%. It ended the day at more than five times "
            "its IPO price.")
    got = claims_of(text)
    assert got == {("since_listing", "688795.SS", ">=", 4.0245)}


def test_an_extreme_of_the_day_is_not_the_close() -> None:
    got = claims_of("恒生科技指数最多跌逾3%,尾盘收窄,收报7000点,跌2.9%。")
    assert got == {("session_return", "HSTECH.HK", "<=", -0.0285)}


# -- which line, which company -----------------------------------------------------------------------
@pytest.mark.parametrize(("text", "target"), [
    ("On Monday SMIC's Hong Kong-listed stock gained 5.2%.", "0981.HK"),
    ("On Monday SMIC's Shanghai-listed A shares gained 5.2%.", "688981.SS"),
    ("华虹半导体A股周一收涨5.2%。", "688347.SS"),
    ("华虹半导体港股周一收涨5.2%。", "1347.HK"),
    ("Hua Hong listed on the STAR Market last year. On Monday its shares rose 5.2%.", "688347.SS"),
])
def test_a_twice_listed_company_moves_where_the_sentence_places_it(text: str, target: str) -> None:
    assert {t for _, t, _, _ in claims_of(text)} == {target}


def test_the_company_is_the_last_sentences_subject_not_its_object() -> None:
    text = "Cambricon shares hit a record, overtaking SMIC in market value. The company closed 20.5% higher on Friday."
    assert {t for _, t, _, _ in claims_of(text)} == {"688256.SS"}


@pytest.mark.parametrize(("text", "value"), [
    ("百分之二十", "20"), ("百分之一百二十", "120"), ("百分之一二○", "120"), ("百分之二十点五", "20.5"),
    ("股价涨超过 14 倍", "1400"),
])
def test_chinese_written_percentages_and_multiples(text: str, value: str) -> None:
    from eventstudy.news.extract.text import percents
    assert [str(p.value) for p in percents(text)] == [value]


def test_a_sector_takes_its_own_number_but_is_never_the_company() -> None:
    text = ("Giovedì il settore tecnologico ha ceduto lo 0,7%. "
            "Nvidia ha chiuso giovedì in calo del 5,5%; la società vale ora meno.")
    assert claims_of(text) == {("session_return", "NVDA", "<=", -0.0545)}
    text = ("El sector tecnológico sufrió el jueves por Nvidia. "
            "Las acciones de la compañía perdieron un 4,6% en una sola sesión.")
    assert claims_of(text) == {("session_return", "NVDA", "<=", -0.0455)}


def test_a_contrast_starts_a_new_subject() -> None:
    text = ("Venerdì SMIC e Hua Hong hanno ceduto rispettivamente il 5% e l'8%, mentre Cambricon, "
            "produttore di processori, ha perso il 2,4%.")
    got = claims_of(text)
    assert ("session_return", "688256.SS", "<=", -0.0235) in got
    assert ("session_return", "1347.HK", "<=", -0.0235) not in got


@pytest.mark.parametrize("text", [
    "A metà giornata l'indice Hang Seng guadagna lo 0,8% e l'S&P 500 scende dello 0,4%.",
    "El Hang Seng sube un 0,8% y el S&P 500 cae un 0,6%.",
])
def test_a_live_reports_present_tense_is_not_a_close(text: str) -> None:
    assert claims_of(text) == set()


def test_a_live_verb_with_a_close_or_a_period_is_read() -> None:
    assert claims_of("Nvidia sube un 27,45% en lo que va del año.") == {("period_return", "NVDA", ">=", 0.27445)}
    assert claims_of("El Hang Seng cerró el lunes: sube un 0,8%.") == {("session_return", "^HSI", ">=", 0.0075)}


def test_an_index_has_no_listing_and_no_session_of_20_percent() -> None:
    first_day = claims_of("科创50指数首日收跌0.4%。")
    assert first_day == {("session_return", "000688.SS", "<=", -0.0035)}
    big = claims_of("Il Hang Seng è cresciuto di oltre il 15% dopo le misure del governo.")
    assert {k for k, *_ in big} == {"period_return"}
    assert {t for _, t, _, _ in claims_of("中证半导体指数周一收涨3.2%。")} == {"H30184.CSI"}


def test_a_group_move_in_a_clause_of_its_own_beside_its_members_numbers() -> None:
    got = claims_of("Chip stocks tanked on Friday, with SMIC losing 5.1% and Hua Hong 4.4%.")
    assert ("group_rally", "china-ai-chips", "<", 0.0) in got
    assert ("session_return", "0981.HK", "<=", -0.0505) in got
    got = claims_of("芯片股周五走强,中芯国际升2.3%,华虹涨4.1%。")
    assert ("group_rally", "china-ai-chips", ">", 0.0) in got
    # a group word inside a number's clause is no group claim; nor is an opening or a peak
    assert ("group_rally", "china-ai-chips", "<", 0.0) not in claims_of("Chip stocks opened lower on Monday, SMIC -3%.")
    assert not any(k == "group_rally" for k, *_ in claims_of("芯片股一度大涨,中芯国际收涨1.6%。"))
    # another market's chip sector is not the registry's Chinese chip group
    assert not any(k == "group_rally" for k, *_ in claims_of("美股芯片股周五大跌,纳斯达克指数跌2.4%。"))
    # also when its words run on into a group's name (美股半导体 + 芯片股)
    assert not any(k == "group_rally" for k, *_ in claims_of("美股半导体芯片股周五齐跌,纳指跌2.4%。"))


def test_a_time_or_peak_word_in_another_clause_is_that_clauses() -> None:
    # after a "but", the earlier peak is another moment's
    got = claims_of("芯片股一度大涨,但随后回落,中芯国际收盘只涨1.6%。")
    assert ("session_return", "0981.HK", ">=", 0.0155) in got
    # a peak in the next clause is that clause's
    got = claims_of("摩尔线程首个交易日大涨390%,次日盘中最高涨逾500%。")
    assert got == {("since_listing", "688795.SS", ">=", 3.895)}
    # a time phrase closing the sentence covers the whole list
    text = "The CSI 300 was 0.9% lower, and the STAR 50 lost 1.6% as of midday trading."
    assert claims_of(text) == set()
    # a midday close is no close
    assert claims_of("恒指午间收市升1.3%。") == set()


def test_a_period_horizon_is_market_context_and_common_capitalised_words_are_nobody() -> None:
    got = claims_of("In 2025 so far SMIC is up 64% and Hua Hong Semiconductor has climbed 131%.")
    assert ("period_return", "0981.HK", ">=", 0.635) in got and ("period_return", "1347.HK", ">=", 1.305) in got
    got = claims_of("In Cina il CSI300 è cresciuto del 14% in sei sedute.")
    assert got == {("period_return", "000300.SS", ">=", 0.135)}
    # a comparison of two debuts is no move
    debuts = claims_of("Moore Threads' first day doubled that of SMIC in 2020, when it rose 202%.")
    assert not any(abs(t - 0.995) < 1e-9 for *_, t in debuts)


def test_a_chinese_clause_opening_with_an_unknown_name_is_not_the_last_known_company() -> None:
    got = claims_of("中芯国际收涨超5%，医药股也走强，某联生物收涨超8%。")
    assert got == {("session_return", "0981.HK", ">", 0.05)}
    # the usual words of a report open clauses too: the subject carries
    got = claims_of("寒武纪早盘走高。近八个交易日里,公司累计上涨41.2%。")
    assert ("period_return", "688256.SS", ">=", 0.4115) in got


def test_clause_bounds_for_negations_horizons_and_tickers() -> None:
    # a negation in another clause negates something else
    assert claims_of("MiniMax走势不弱,收盘涨11.25%。") == {("session_return", "0100.HK", ">=", 0.11245)}
    # a horizon in a next clause with its own number is that clause's
    got = claims_of("3月以来,智谱累计上涨超过150%,上市以来则上涨410%。")
    assert ("period_return", "2513.HK", ">", 1.5) in got and ("since_listing", "2513.HK", ">=", 4.095) in got
    # an exchange inside a name's own brackets is no other name
    assert claims_of("英伟达(NASDAQ:NVDA)周五收跌6.25%。") == {("session_return", "NVDA", "<=", -0.06245)}
    # a figure in brackets after a name in brackets
    assert claims_of("Ayer Hua Hong Semiconductor (Hua Hong) (+2,75 %) cerró en alza.") == {
        ("session_return", "1347.HK", ">=", 0.02745)}


def test_an_exchange_opening_carries_its_time_to_the_index_move() -> None:
    text = "Во вторник Гонконгская биржа открылась ростом. Hang Seng прибавил 0,85%."
    assert claims_of(text) == set()


def test_a_projection_keeps_the_whole_sentence_intraday() -> None:
    assert claims_of("Hua Hong climbed 4% on Wednesday and is on track for a 12% weekly gain.") == set()
    # "一天" in 早一天 is no session of its own: the midday time carries
    text = "MiniMax早盘大涨,截至午间收盘涨36%。比它早一天挂牌的智谱涨9.7%。"
    assert claims_of(text) == set()


def test_every_multiple_rule_holds_a_word_the_sentence_is_first_searched_for() -> None:
    # a rule without one would never be tried: its multiples would be silently missed
    from eventstudy.news.extract import multiples
    for pattern, _, _ in multiples._RULES:
        assert any(word in pattern.pattern for word in multiples._ANCHORS), pattern.pattern
