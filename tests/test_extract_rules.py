"""Single extraction rules met in real news, each on sentences written for these tests: lists read
"respectively", a time of day carried across sentences, a move's own size after "reached", a peak
word before a close, period phrases, inflected direction words, the registry's indices by other
names. The measure of the rules is the real-news development set (tests/test_extract_news.py)."""

from __future__ import annotations

import pytest

from eventstudy.news.extract import propose


def claims_of(text: str) -> set[tuple[str, str, str, float]]:
    return {(c.kind, c.target, c.op, round(c.threshold, 6)) for c in propose(text).claims}


# -- "respectively" ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Shares of SMIC and Hua Hong rose 4% and 9%, respectively, on Monday.",
    "Le azioni di SMIC e Hua Hong sono salite rispettivamente del 4% e del 9% lunedì.",
    "Las acciones de SMIC y Hua Hong subieron un 4% y un 9%, respectivamente, el lunes.",
    "周一,中芯国际和华虹半导体股价分别上涨4%和9%。",
])
def test_respectively_pairs_names_and_numbers_in_order(text: str) -> None:
    got = claims_of(text)
    assert ("session_return", "0981.HK", ">=", 0.035) in got
    assert ("session_return", "1347.HK", ">=", 0.085) in got
    assert len(got) == 2  # neither number goes to the other company


def test_respectively_with_an_unknown_first_name_gives_only_the_known_one() -> None:
    # "Acme Robotics" is nobody in the registry: its 4% is not proposed, Hua Hong keeps its 9%
    got = claims_of("周一,某某科技与华虹半导体股价分别上涨4%和9%。")
    assert got == {("session_return", "1347.HK", ">=", 0.085)}


def test_respectively_with_more_names_than_numbers_proposes_nothing_from_the_list() -> None:
    got = claims_of("Shares of Zhipu, SMIC and Hua Hong rose 4% and 9%, respectively, on Monday.")
    assert got == set()


# -- the time of day -------------------------------------------------------------------------------
def test_an_opening_time_carries_to_the_next_sentence() -> None:
    text = ("At the open on Monday the Hang Seng Index rose 1.2%. The Hang Seng Tech Index added 2.1%. "
            "By the close, Zhipu shares had risen 8%.")
    got = claims_of(text)
    assert got == {("session_return", "2513.HK", ">=", 0.075)}


def test_a_time_of_day_in_news_without_a_move_does_not_carry() -> None:
    text = "Zhipu announced its results after hours on Monday. Zhipu shares fell 5.5% on Tuesday."
    assert claims_of(text) == {("session_return", "2513.HK", "<=", -0.0545)}


def test_a_period_sentence_is_not_read_at_the_morning_time() -> None:
    text = "寒武纪早盘快速拉升3%。近5个交易日,寒武纪股价累计上涨34.59%。"
    got = claims_of(text)
    assert ("period_return", "688256.SS", ">=", 0.34585) in got


# -- size and peaks --------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "op", "threshold"), [
    ("当日寒武纪收盘,涨幅达11.4%。", ">=", 0.1135),
    ("寒武纪收盘下跌,跌幅高达14.45%。", "<=", -0.14445),
    ("Cambricon fell sharply in the morning; by the close the decline narrowed to 3.3%.", "<=", -0.0325),
])
def test_a_moves_size_after_reached_is_not_a_level(text: str, op: str, threshold: float) -> None:
    got = claims_of(text)
    assert got == {("session_return", "688256.SS", op, threshold)}


def test_a_close_after_a_peak_word_keeps_the_close() -> None:
    got = claims_of("寒武纪股价盘中一度跌超15%,最终收盘下跌13.2%。")
    assert got == {("session_return", "688256.SS", "<=", -0.1315)}


# -- periods, directions, names ----------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Cambricon shares have gained 40% in 2025.",
    "Cambricon shares rose 40% over the past five sessions.",
    "La acción de Cambricon acumula un alza de 40% en los últimos 12 meses.",
    "Le azioni di Cambricon sono salite del 40% negli ultimi cinque giorni.",
    "С начала 2025 года акции Cambricon выросли на 40%.",
    "寒武纪股价近5个交易日累计上涨40%。",
])
def test_period_phrases(text: str) -> None:
    got = claims_of(text)
    assert {k for k, *_ in got} == {"period_return"}, got


@pytest.mark.parametrize(("text", "target", "op"), [
    ("Индекс Хушэнь-300 завершил торги, понизившись на 2,2%.", "000300.SS", "<="),
    ("El Hang Seng Tech Index ascendió un 2,2% el lunes.", "HSTECH.HK", ">="),
    ("La Bolsa de Hong Kong cerró el viernes con una baja del 2,2%.", "^HSI", "<="),
    ("美股周一收盘,标准普尔500指数跌2.2%。", "^GSPC", "<="),
])
def test_inflected_directions_and_index_names(text: str, target: str, op: str) -> None:
    got = claims_of(text)
    assert {(t, o) for _, t, o, _ in got} == {(target, op)}, got


# -- records, large moves, one claim per move ----------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Nvidia shares plunged 17% on Monday, their worst day since March 2020.",
    "英伟达股价周一暴跌17%,这是该公司自2020年3月以来最大单日跌幅。",
])
def test_a_records_since_is_not_a_period(text: str) -> None:
    assert {k for k, *_ in claims_of(text)} == {"session_return"}


def test_a_move_of_100_percent_or_more_without_a_horizon_is_a_periods() -> None:
    assert {k for k, *_ in claims_of("Cambricon shares have soared 250%, analysts said.")} == {"period_return"}
    # a debut still makes it a since-listing claim
    assert {k for k, *_ in claims_of("Zhipu shares soared 250% on their debut.")} == {"since_listing"}


def test_one_move_stated_twice_is_one_claim_the_precise_one() -> None:
    text = ("Moore Threads shares surged 402.5% on their first day of trading. The stock closed at more "
            "than five times its offering price.")
    got = claims_of(text)
    assert got == {("since_listing", "688795.SS", ">=", 4.0245)}


def test_an_extreme_of_the_day_is_not_the_close() -> None:
    got = claims_of("恒生科技指数低开后反复向下,最多曾跌超过3%,收报7176点,跌2.9%。")
    assert got == {("session_return", "HSTECH.HK", "<=", -0.0285)}


# -- which line, which company -----------------------------------------------------------------------
@pytest.mark.parametrize(("text", "target"), [
    ("SMIC's Hong Kong-listed shares rose 5.2% on Monday.", "0981.HK"),
    ("SMIC's Shanghai-listed A shares rose 5.2% on Monday.", "688981.SS"),
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
    ("涨超过 26 倍", "2600"),
])
def test_chinese_written_percentages_and_multiples(text: str, value: str) -> None:
    from eventstudy.news.extract.text import percents
    assert [str(p.value) for p in percents(text)] == [value]


def test_a_sector_takes_its_own_number_but_is_never_the_company() -> None:
    text = ("Il settore tecnologico ha guidato i cali con un ribasso dello 0,5%. "
            "Le azioni di Nvidia hanno chiuso in calo del 5,5% giovedì; la società ha perso 200 miliardi.")
    assert claims_of(text) == {("session_return", "NVDA", "<=", -0.0545)}
    text = ("Wall Street cerró con presión sobre el sector tecnológico tras la caída de Nvidia. "
            "Los papeles de la compañía retrocedieron 5,46% en una sola jornada.")
    assert claims_of(text) == {("session_return", "NVDA", "<=", -0.05455)}


def test_a_contrast_starts_a_new_subject() -> None:
    text = ("SMIC e Hua Hong hanno perso rispettivamente il 6% e il 9,9% lunedì, mentre Cambricon, "
            "attiva nei chip per l'intelligenza artificiale, ha ceduto il 3,7%.")
    got = claims_of(text)
    assert ("session_return", "688256.SS", "<=", -0.0365) in got
    assert ("session_return", "1347.HK", "<=", -0.0365) not in got


@pytest.mark.parametrize("text", [
    "A metà giornata l'indice Hang Seng guadagna lo 0,8% e l'S&P 500 cala dello 0,6%.",
    "El Hang Seng sube un 0,8% y el S&P 500 cae un 0,6%.",
])
def test_a_live_reports_present_tense_is_not_a_close(text: str) -> None:
    assert claims_of(text) == set()


def test_a_live_verb_with_a_close_or_a_period_is_read() -> None:
    assert claims_of("Nvidia sube un 31,18% en lo que va del año.") == {("period_return", "NVDA", ">=", 0.31175)}
    assert claims_of("El Hang Seng cerró el lunes: sube un 0,8%.") == {("session_return", "^HSI", ">=", 0.0075)}


def test_an_index_has_no_listing_and_no_session_of_20_percent() -> None:
    first_day = claims_of("科创50指数当日正式发布,首日录得0.21%的跌幅。")
    assert first_day == {("session_return", "000688.SS", "<=", -0.00205)}
    big = claims_of("L'indice Hang Seng è salito di oltre il 20% dopo lo stimolo.")
    assert {k for k, *_ in big} == {"period_return"}
    assert {t for _, t, _, _ in claims_of("中证半导体指数周一收涨3.2%。")} == {"H30184.CSI"}


def test_a_group_move_in_a_clause_of_its_own_beside_its_members_numbers() -> None:
    got = claims_of("Chip stocks plummeted on Monday, with SMIC falling 6.7% and Hua Hong declining 6.4%.")
    assert ("group_rally", "china-ai-chips", "<", 0.0) in got
    assert ("session_return", "0981.HK", "<=", -0.0665) in got
    got = claims_of("半导体股逆势上涨,中芯国际升1.8%,华虹半导体涨3.5%。")
    assert ("group_rally", "china-ai-chips", ">", 0.0) in got
    # a group word inside a number's clause is no group claim; nor is an opening or a peak
    assert ("group_rally", "china-ai-chips", "<", 0.0) not in claims_of("Chip stocks opened lower on Monday, SMIC -3%.")
    assert not any(k == "group_rally" for k, *_ in claims_of("晶片族群一度大涨,中芯国际只涨1.1%。"))
    # another market's chip sector is not the registry's Chinese chip group
    assert not any(k == "group_rally" for k, *_ in claims_of("美股半导体芯片板块全线暴跌,纳斯达克指数下跌3.07%。"))


def test_a_time_or_peak_word_in_another_clause_is_that_clauses() -> None:
    # after a "but", the earlier peak is another moment's
    got = claims_of("晶片族群一度大涨,但后继无力下,中芯国际收盘只涨1.1%。")
    assert ("session_return", "0981.HK", ">=", 0.0105) in got
    # a peak in the next clause is that clause's
    got = claims_of("摩尔线程登陆科创板,首日暴涨468%,12月11日盘中最高触及878元。")
    assert got == {("since_listing", "688795.SS", ">=", 4.675)}
    # a time phrase closing the sentence covers the whole list
    text = "The STAR 100 Index was down by 1.3%, and the STAR 50 Index down by 1.8% as of midday trading."
    assert claims_of(text) == set()
    # a midday close is no close
    assert claims_of("恒生指数中午收市报22500点,升386点,升幅1.75%。") == set()


def test_a_period_horizon_is_market_context_and_common_capitalised_words_are_nobody() -> None:
    got = claims_of("Chipmakers posted gains; SMIC advanced 83% and Hua Hong Semiconductor surged 118% year-to-date.")
    assert ("period_return", "0981.HK", ">=", 0.825) in got and ("period_return", "1347.HK", ">=", 1.175) in got
    got = claims_of("L'indice blue-chip CSI300 della Cina è salito del 25% in cinque sessioni.")
    assert got == {("period_return", "000300.SS", ">=", 0.245)}
    # a comparison of two debuts is no move
    assert not any(abs(t - 0.995) < 1e-9 for *_, t in claims_of("Its debut doubled that of SMIC's 202% surge in 2020."))


def test_a_chinese_clause_opening_with_an_unknown_name_is_not_the_last_known_company() -> None:
    got = claims_of("中芯国际收涨超5%，创新药族群也表现活跃，某联生物收涨超8%。")
    assert got == {("session_return", "0981.HK", ">", 0.05)}
    # the usual words of a report open clauses too: the subject carries
    got = claims_of("寒武纪早盘快速拉升。近5个交易日,公司股价累计上涨34.59%。")
    assert ("period_return", "688256.SS", ">=", 0.34585) in got


def test_clause_bounds_for_negations_horizons_and_tickers() -> None:
    # a negation in another clause negates something else
    assert claims_of("MiniMax表现不俗,收盘上涨14.52%。") == {("session_return", "0100.HK", ">=", 0.14515)}
    # a horizon in a next clause with its own number is that clause's
    got = claims_of("2月以来,智谱股价累计涨幅超过220%,上市以来的涨幅则达到523%。")
    assert ("period_return", "2513.HK", ">", 2.2) in got and ("since_listing", "2513.HK", ">=", 5.225) in got
    # an exchange inside a name's own brackets is no other name
    assert claims_of("英伟达(NASDAQ:NVDA)周三收报108美元/股,跌9.53%。") == {("session_return", "NVDA", "<=", -0.09525)}
    # a figure in brackets after a name in brackets
    assert claims_of("Semiconductor Manufacturing International Corporation (SMIC) (+3,69 %) cerró el lunes.") == {
        ("session_return", "0981.HK", ">=", 0.03685)}


def test_an_exchange_opening_carries_its_time_to_the_index_move() -> None:
    text = "Гонконгская биржа в четверг открылась в зеленой зоне. Индекс Hang Seng вырос на 1,32%."
    assert claims_of(text) == set()
