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


# -- the registry's AI-compute companies, and the composites that are not its indices ----------------
@pytest.mark.parametrize(("text", "target"), [
    ("On Monday GigaDevice Semiconductor closed 5% higher.", "603986.SS"),
    ("周一兆易創新收涨5%。", "603986.SS"),
    ("On Monday Advanced Micro-Fabrication Equipment closed 5% higher.", "688012.SS"),
    ("周一中微公司收涨5%。", "688012.SS"),
    ("On Monday Montage Technology closed 5% higher.", "688008.SS"),
    ("周一北方华创收涨5%。", "002371.SZ"),
    ("On Monday Sugon closed 5% higher.", "603019.SS"),
    ("周一浪潮信息收涨5%。", "000977.SZ"),
])
def test_every_registry_company_is_named(text: str, target: str) -> None:
    assert claims_of(text) == {("session_return", target, ">=", 0.045)}


@pytest.mark.parametrize("text", [
    "On Monday the Shenzhen Composite closed 1.8% higher.",
    "Lunedì il composito di Shenzhen ha terminato la seduta in progresso dell'1,8%.",
    "El lunes el compuesto de Shenzhen cerró con una subida del 1,8%.",
    "El lunes el índice compuesto de la Bolsa de Shenzhen cerró con un alza del 1,8%.",
])
def test_the_shenzhen_composite_is_not_the_component_index(text: str) -> None:
    found = propose(text)
    assert found.claims == []
    assert [u.stated for u in found.unknown] == ["+1.8%"]  # reported as a move of an index not held


def test_a_russian_percent_written_short() -> None:
    text = "В понедельник индекс Shenzhen Component по итогам торгов вырос на 1,35 проц."
    assert claims_of(text) == {("session_return", "399001.SZ", ">=", 0.01345)}


# -- a widening move is still under way --------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "周一午后华虹半导体的涨幅扩大至12%。",
    "On Monday Zhipu extended its gains to 12% in Hong Kong.",
    "Lunedì Zhipu allarga i guadagni al 12%.",
    "El lunes Zhipu amplía sus ganancias hasta el 12%.",
    "港股异动｜午后芯片股走高，华虹半导体涨8%。",  # 异动: a flash report of a move under way
])
def test_a_move_widening_to_a_figure_is_intraday(text: str) -> None:
    assert claims_of(text) == set()


def test_a_loss_narrowing_by_the_close_is_the_close() -> None:
    text = "On Monday Zhipu fell as much as 9% before the close, when the loss narrowed to 2.4%."
    assert claims_of(text) == {("session_return", "2513.HK", "<=", -0.0235)}


# -- one number, several names -------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "On Monday Cambricon and Hygon both closed 20% higher.",
    "Lunedì Cambricon e Hygon hanno chiuso entrambe in rialzo del 20%.",
    "周一寒武纪、海光信息均收涨20%。",
])
def test_a_number_said_to_be_each_names_is_each_names(text: str) -> None:
    assert claims_of(text) == {("session_return", "688256.SS", ">=", 0.195),
                               ("session_return", "688041.SS", ">=", 0.195)}


def test_without_a_word_saying_so_a_shared_number_is_the_nearest_names() -> None:
    got = claims_of("On Monday Cambricon and Hygon closed 20% higher.")
    assert got == {("session_return", "688041.SS", ">=", 0.195)}


def test_one_stock_of_a_kind_is_not_the_group() -> None:
    got = claims_of("寒武纪三年来股价累计上涨逾8倍,为板块中唯一一只涨幅达8倍的芯片股。")
    assert {c[1] for c in got} == {"688256.SS"}


def test_a_former_employer_is_not_the_subject() -> None:
    got = claims_of("On Monday Moore Threads, founded by a former Nvidia executive, closed 12% higher.")
    assert got == {("session_return", "688795.SS", ">=", 0.115)}


# -- a debut told in the sentence before -----------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Zhipu debuted in Hong Kong on Thursday. Its shares closed 13% higher.",
    "Zhipu ha debuttato giovedì a Hong Kong. Le azioni della società sono salite del 13%.",
])
def test_the_move_after_a_debut_sentence_is_the_debut_days(text: str) -> None:
    assert claims_of(text) == {("since_listing", "2513.HK", ">=", 0.125)}


@pytest.mark.parametrize("text", [
    "Zhipu debuted in Hong Kong on Thursday. Its shares closed 5% higher the next day.",
    "Zhipu debuted in Hong Kong on Thursday.\n\nIts shares closed 5% higher.",
    "Zhipu plans to debut in Shanghai as well. Its shares closed 5% higher in Hong Kong.",
])
def test_a_later_day_or_paragraph_is_not_the_debut(text: str) -> None:
    assert {c[0] for c in claims_of(text)} <= {"session_return"}


# -- whose number: a move's noun, a name's brackets --------------------------------------------------------
@pytest.mark.parametrize(("text", "target", "threshold"), [
    ("El lunes, el descenso del 3,5% de Nvidia arrastró al mercado.", "NVDA", -0.0345),
    ("On Monday the 5% drop in Zhipu weighed on the index.", "2513.HK", -0.045),
    ("Lunedì il calo del 3% di Nvidia ha pesato sul listino.", "NVDA", -0.025),
])
def test_a_moves_noun_then_its_number_then_whose(text: str, target: str, threshold: float) -> None:
    assert claims_of(text) == {("session_return", target, "<=", threshold)}


@pytest.mark.parametrize("text", [
    "On Monday a 5% stake in Zhipu was sold.",
    "On Monday Zhipu said revenue grew 5% in the year.",
])
def test_a_number_of_something_else_is_no_move(text: str) -> None:
    assert claims_of(text) == set()


def test_a_number_in_brackets_belongs_to_the_name_before_it() -> None:
    # Tallwood Micro is nobody in the registry: its 52% is not GigaDevice's
    got = claims_of("Year to date, shares of Tallwood Micro (52 %) and GigaDevice (+64 %) led the index.")
    assert got == {("period_return", "603986.SS", ">=", 0.635)}


def test_a_bracketed_number_after_a_common_word_is_the_subjects() -> None:
    got = claims_of("Cambricon's market value passed 80 billion dollars (+100% since the start of the year).")
    assert got == {("period_return", "688256.SS", ">=", 0.995)}


def test_day_one_is_the_debut() -> None:
    assert claims_of("Biren's shares doubled on day one, after an IPO of HK$5.6 billion.") == {
        ("since_listing", "6082.HK", ">=", 0.995)}


# -- a snapshot, a founding year, another clause's period --------------------------------------------------
@pytest.mark.parametrize("text", [
    "The Hang Seng Index was up 310 points, or 1.4 percent, at 22,480.",
    "Shenzhen's component index was 41 points, or 0.34 percent, up at 11,052.",
])
def test_an_index_up_at_a_level_with_no_close_is_a_snapshot(text: str) -> None:
    assert claims_of(text) == set()


def test_an_index_up_at_a_level_at_the_close_is_the_close() -> None:
    got = claims_of("When trading ended on Monday the Hang Seng index was up 0.64% at 21,906.11, a gain of 139 points.")
    assert got == {("session_return", "^HSI", ">=", 0.00635)}


@pytest.mark.parametrize("text", [
    "Shares of MetaX, founded in 2020 by a chip veteran, jumped 7%.",
    "MetaX, una firma fundada en 2020 por veteranos del sector, subió un 7% en su cotización.",
])
def test_a_founding_year_is_no_period(text: str) -> None:
    assert claims_of(text) == {("session_return", "688802.SS", ">=", 0.065)}


def test_a_period_in_another_clause_with_its_own_number_is_that_clauses() -> None:
    got = claims_of("On Monday MetaX closed 7% higher, while Moore Threads rose 40% in two weeks.")
    assert ("session_return", "688802.SS", ">=", 0.065) in got
    assert {c[1] for c in got if c[0] == "period_return"} == {"688795.SS"}


def test_a_span_counted_from_a_debut_just_told_is_since_the_debut() -> None:
    got = claims_of("Chinese chipmakers keep climbing after their recent debuts. "
                    "Moore Threads rose more than 400% in just two weeks.")
    assert ("since_listing", "688795.SS", ">", 4.0) in got


def test_a_rolling_window_after_a_debut_is_a_period() -> None:
    got = claims_of("Moore Threads debuted in 2025. Over the past five sessions Moore Threads rose 20%.")
    assert {c[0] for c in got} == {"period_return"}


def test_a_word_opening_a_sentence_is_no_unknown_company() -> None:
    found = propose("Over the past five sessions it rose 20%. Durante la sesión subió un 3%.")
    assert not found.unknown


# -- a group's rally ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "周一港股收市,芯片股涨幅居前,中芯国际收涨4%。",
    "On Monday Cambricon jumped amid a broad rally in the chip sector, as buyers returned.",
    "El lunes Cambricon se disparó junto a un fuerte repunte entre los fabricantes de chips.",
    "Lunedì le azioni dei produttori cinesi di chip hanno messo a segno un rally.",
])
def test_a_groups_rally(text: str) -> None:
    assert ("group_rally", "china-ai-chips", ">", 0.0) in claims_of(text)


@pytest.mark.parametrize("text", [
    "Chinese chipmakers keep climbing after their debuts.",
    "Los fabricantes chinos de chips siguen subiendo con fuerza desde su llegada a la bolsa.",
])
def test_a_continuing_trend_with_no_day_is_no_rally_to_check(text: str) -> None:
    assert claims_of(text) == set()


def test_a_continuing_rally_on_a_day_is_that_days() -> None:
    assert claims_of("Chip stocks continued to rally on Monday.") == {("group_rally", "china-ai-chips", ">", 0.0)}


# -- a veto word is its own number's ----------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Zhipu's revenue rose 20% last year, while its shares closed 5% higher on Monday.",
    "Zhipu reported revenue up 20%; its shares closed 5% higher on Monday.",
    "Выручка Zhipu выросла на 20%, а акции в понедельник подорожали на 5%.",
])
def test_a_veto_word_does_not_reach_past_its_number_to_a_new_subject(text: str) -> None:
    assert claims_of(text) == {("session_return", "2513.HK", ">=", 0.045)}


@pytest.mark.parametrize("text", [
    "On Monday Zhipu's market share rose 20%, 30% and 40% in three regions.",
    "В понедельник прибыль Zhipu выросла на 5%.",
])
def test_a_veto_word_holds_for_its_list_of_numbers(text: str) -> None:
    assert claims_of(text) == set()


def test_a_profitable_companies_index_is_no_profit() -> None:
    text = "В понедельник индекс самых прибыльных компаний SSE 50 упал на 3%, а индекс Star Market снизился на 4%."
    assert claims_of(text) == {("session_return", "000688.SS", "<=", -0.035)}


def test_an_elided_article_before_a_common_word_is_no_unknown_company() -> None:
    assert not propose("Lunedì L'indice è sceso del 2%.").unknown


# -- moves at another moment: reported, never proposed -----------------------------------------------------
def test_a_move_at_another_moment_is_reported_as_uncheckable() -> None:
    text = ("On Monday Zhipu shares rose as much as 12% before closing 5% higher. "
            "MiniMax rose 8% in the morning session. 周一寒武纪盘中一度涨超15%。")
    found = propose(text)
    assert {(c.target, round(c.threshold, 4)) for c in found.claims} == {("2513.HK", 0.045)}
    got = {(m.target, m.stated): m.moment for m in found.uncheckable}
    assert set(got) == {("2513.HK", "+12%"), ("0100.HK", "+8%"), ("688256.SS", "more than +15%")}
    assert "peak" in got[("2513.HK", "+12%")] and "time of day" in got[("0100.HK", "+8%")]
    assert all(text[m.start:m.end] == m.quote for m in found.uncheckable)


def test_an_unknown_companys_move_at_another_moment_is_no_registry_move() -> None:
    found = propose("On Monday Acme Robotics rose as much as 12% in early trading.")
    assert not found.claims and not found.uncheckable


@pytest.mark.parametrize("text", [
    "On Monday the STAR 50 index rose by 4.1%, heading for a fourth straight day of gains.",
    "On Monday the STAR Market 50 Index rose 4.1%, aiming for a fourth day of gains.",
])
def test_a_move_aiming_for_more_is_under_way(text: str) -> None:
    assert claims_of(text) == set()


@pytest.mark.parametrize(("text", "target"), [
    ("В понедельник индекс Хан Сэн по итогам торгов вырос на 1,2%.", "^HSI"),
    ("On Monday the STAR Market 50 index closed 1.2% higher.", "000688.SS"),
    ("周一深证成份指数收涨1.2%。", "399001.SZ"),
])
def test_the_registry_indices_under_their_other_names(text: str, target: str) -> None:
    assert claims_of(text) == {("session_return", target, ">=", 0.0115)}


def test_against_the_issue_is_since_the_listing() -> None:
    assert claims_of("摩尔线程市值较发行时上涨了3倍。") == {("since_listing", "688795.SS", ">=", 2.995)}


def test_every_multiple_rule_holds_a_word_the_sentence_is_first_searched_for() -> None:
    # a rule without one would never be tried: its multiples would be silently missed
    from eventstudy.news.extract import multiples
    for pattern, _, _ in multiples._RULES:
        assert any(word in pattern.pattern for word in multiples._ANCHORS), pattern.pattern
