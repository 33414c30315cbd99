"""The report form names states as the interface language does (the CLDR's Russian names)."""

import re


def test_the_report_form_names_states_in_russian(client, login):
    user = login.as_role("member")
    user.language = "ru"
    page = client.get("/reports/").get_data(as_text=True)
    assert re.search(r'<option value="HU">Венгрия \(HU\)</option>', page)
    assert re.search(r'<option value="CH">Швейцария \(CH\)</option>', page)
