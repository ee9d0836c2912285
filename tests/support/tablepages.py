"""Realistic pages with tables (an education-statistics profile, a legacy layout-table page), built
from parameters so that tests can change one figure, reorder rows, add a column or rename a table.
"""

from __future__ import annotations

from collections.abc import Sequence

BROADBAND_CAPTION = "Schools connected to broadband internet"
BROADBAND_YEARS = ("2020", "2021", "2022")
BROADBAND_ROWS = (("Primary", ("5,120", "6,001", "6,712")),
                  ("Lower secondary", ("2,310", "2,577", "2,804")),
                  ("Upper secondary", ("1,045", "1,118", "1,236")))
BROADBAND_TOTAL = ("8,475", "9,696", "10,752")
RATES = (("Gross enrolment ratio, primary", "98.1 %", "97.4 %", "97.7 %"),
         ("Out-of-school rate, lower secondary", "12.5 %", "10.9 %", "11.7 %"),
         ("Completion rate, upper secondary", "78.0 %", "71.2 %", "74.5 %"))
BUDGET = (("2019", "1,210.4", "13.1"), ("2020", "1,302.9", "13.8"), ("2021", "1,377.0", "14.0"),
          ("2022", "1,455.6", "14.2"))


def _broadband(caption: str, years: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]],
               total: Sequence[str]) -> str:
    head = "".join(f"<th scope='col'>{y}</th>" for y in years)
    body = "\n".join(
        f"      <tr><th scope='row'>{name}</th>" + "".join(f"<td>{v}</td>" for v in values)
        + "</tr>" for name, values in rows)
    foot = "".join(f"<td><strong>{v}</strong></td>" for v in total)
    return f"""
    <table class="table table-striped">
      <caption>
        {caption}
      </caption>
      <thead>
        <tr><th rowspan="2" scope="col">Level of education</th>
            <th colspan="{len(years)}" scope="colgroup">Number of schools</th></tr>
        <tr>{head}</tr>
      </thead>
      <tbody>
{body}
      </tbody>
      <tfoot><tr><th scope="row">Total</th>{foot}</tr></tfoot>
    </table>"""


def _rates(rows: Sequence[Sequence[str]]) -> str:
    body = "\n".join(f"      <tr><td>{r[0]}</td><td>{r[1]}</td><td>{r[2]}</td><td>{r[3]}</td></tr>"
                     for r in rows)
    return f"""
    <h2>Participation in education</h2>
    <p>Rates are for the school year ending in 2022, from the national education statistics.</p>
    <table>
      <thead><tr><th>Indicator</th><th>Total</th><th>Female</th><th>Male</th></tr></thead>
      <tbody>
{body}
      </tbody>
    </table>"""


def _budget(heading: str, rows: Sequence[Sequence[str]]) -> str:
    body = "\n".join(f"      <tr><td>{r[0]}</td><td>{r[1]}</td><td>{r[2]}</td></tr>" for r in rows)
    return f"""
    <h2>{heading}</h2>
    <table border="1" cellpadding="4">
      <tr><td><b>Year</b></td><td><b>Budget (million AZN)</b></td>
          <td><b>Share of public spending (%)</b></td></tr>
{body}
    </table>"""


def profile_page(*, caption: str = BROADBAND_CAPTION, years: Sequence[str] = BROADBAND_YEARS,
                 broadband: Sequence[tuple[str, Sequence[str]]] = BROADBAND_ROWS,
                 total: Sequence[str] = BROADBAND_TOTAL,
                 rates: Sequence[Sequence[str]] = RATES, budget_heading: str = "Education budget",
                 budget: Sequence[Sequence[str]] = BUDGET, most_read: str = "1,204",
                 footer_year: str = "2024", intro: str = "") -> str:
    """An education-statistics profile (UNESCO PEER style): navigation, a sidebar and a footer
    with tables of their own, and three data tables in the main text."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Azerbaijan: technology in education | Education Profiles</title></head>
<body>
<header class="site-header"><a href="/">Education Profiles</a>
  <nav><ul><li><a href="/regions">Regions</a></li><li><a href="/themes">Themes</a></li>
  <li><a href="/about">About</a></li></ul></nav></header>
<div class="layout">
<main id="content">
  <article>
    <h1>Azerbaijan: technology in education</h1>
    <p>This profile describes how technology is used in the education system of Azerbaijan,
    from school connectivity to the digital skills of teachers. {intro}</p>
    <h2>School connectivity</h2>
    <p>The Ministry of Science and Education connects public schools to broadband internet under
    the national programme for the digitalisation of education.</p>
    {_broadband(caption, years, broadband, total)}
    {_rates(rates)}
    {_budget(budget_heading, budget)}
    <p>Figures are provisional until the annual statistical yearbook is published.</p>
  </article>
</main>
<aside class="sidebar">
  <h3>Most read profiles</h3>
  <table><thead><tr><th>Profile</th><th>Views</th></tr></thead>
  <tbody><tr><td>Azerbaijan</td><td>{most_read}</td></tr><tr><td>Georgia</td><td>987</td></tr>
  </tbody></table>
</aside>
</div>
<footer><table><tr><th>Contact</th><th>Updated</th></tr>
<tr><td>gem_report@unesco.org</td><td>{footer_year}</td></tr></table>
<p>© UNESCO</p></footer>
</body></html>
"""


def layout_page(*, paragraph: str = "Teachers were trained in three districts, and enrolment of "
                "girls rose sharply in the second term.") -> str:
    """A legacy NGO page laid out with tables: a banner row, a menu cell, an article cell with
    ``<font>`` and ``<br>``, and a nested table for the contact box."""
    return f"""<html><head><title>Friends of Rural Schools - Annual update</title></head>
<body bgcolor="#ffffff">
<table width="100%" border="0" cellpadding="0" cellspacing="0">
<tr><td colspan="2" bgcolor="#336699">
  <font size="5" color="white"><b>Friends of Rural Schools</b></font></td></tr>
<tr><td width="160" valign="top" bgcolor="#eeeeee">
  <a href="/">Home</a><br><a href="/about.html">About us</a><br><a href="/projects.html">Projects</a><br>
  <a href="/news.html">News</a><br><a href="/donate.html">Donate</a></td>
<td valign="top"><font face="Arial" size="2"><b>Annual update 2024</b><br><br>
Our programme reached 42 rural schools this year, bringing solar power and tablets to classrooms
that had neither.<br><br>
{paragraph}<br><br>
We thank our donors for their continued support of the literacy campaign and of the new school
libraries that opened in the spring.
<table border="0" cellpadding="2"><tr><td><font size="1">Contact: info@rural-schools.example</font></td></tr>
<tr><td><font size="1">Tel. +994 12 555 0100</font></td></tr></table>
</font></td></tr>
<tr><td colspan="2" align="center"><font size="1">Friends of Rural Schools, Baku</font></td></tr>
</table>
</body></html>
"""
