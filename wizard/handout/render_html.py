"""The handout as HTML: a standalone, print-friendly file, and the subset Qt lays out as PDF.

Both flavours share one markup so the PDF and the HTML say the same thing; only the style sheet
differs (Qt's rich text understands a CSS subset, browsers understand print CSS). The markup is
also well-formed XML (void elements self-closed, only XML-safe entities), which the tests use.
Every piece of text goes through ``html.escape``.
"""

from __future__ import annotations

import base64
import enum
import html
from pathlib import Path

from wizard import APP_NAME
from wizard.clients.instructions import CHECKED, Field, FieldKind, Instructions
from wizard.handout.content import CHECK_CHOICE, Handout
from wizard.provider_logo import load_logo


class Flavour(enum.Enum):
    BROWSER = "browser"
    QT = "qt"


_BROWSER_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
* { box-sizing: border-box; }
html { background: #e9edf2; }
body { font-family: "Segoe UI", "Helvetica Neue", Helvetica, Arial, "DejaVu Sans", sans-serif;
  font-size: 10.5pt; line-height: 1.4; color: #1d2433; background: #fff;
  max-width: 210mm; margin: 0 auto; padding: 14mm 15mm; }
h1 { font-size: 19pt; margin: 0; color: #163d63; }
h2 { font-size: 13.5pt; color: #163d63; margin: 16pt 0 6pt; padding-bottom: 2pt;
  border-bottom: 1.5pt solid #163d63; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 10pt 0 4pt; color: #163d63; }
p { margin: 0 0 6pt; }
table { border-collapse: collapse; width: 100%; }
td, th { vertical-align: top; text-align: left; }
.masthead { border-bottom: 2pt solid #163d63; }
.masthead td { padding: 0 0 6pt; vertical-align: middle; }
.masthead .logo { width: 1%; padding-right: 10pt; }
.masthead img { max-height: 18mm; max-width: 45mm; }
.masthead .doc { text-align: right; color: #56627a; font-size: 9.5pt; }
.subtitle { color: #56627a; font-size: 10.5pt; margin-top: 2pt; }
.account td { padding: 3pt 8pt 3pt 0; border-bottom: 0.75pt solid #dde3ea; }
.account .label { width: 28%; color: #56627a; }
.settings th { background: #163d63; color: #fff; font-weight: 600; padding: 4pt 6pt;
  font-size: 9.5pt; }
.settings td { padding: 4pt 6pt; border-bottom: 0.75pt solid #cfd6e0; font-size: 9.5pt; }
.settings tr:nth-child(even) td { background: #f3f6f9; }
.value, code { font-family: "Cascadia Mono", Consolas, Menlo, "DejaVu Sans Mono", monospace;
  font-weight: 600; overflow-wrap: anywhere; }
.muted { color: #56627a; }
.small { font-size: 9pt; }
.legend { margin: 4pt 0 0; padding-left: 14pt; }
.trouble td { padding: 3pt 8pt 3pt 0; border-bottom: 0.75pt solid #dde3ea; }
.trouble .title { width: 32%; font-weight: 600; }
.toc { columns: 2; padding-left: 14pt; margin: 0; }
.client { break-before: page; page-break-before: always; }
.intro { color: #3a4558; }
.warning { background: #fff4e5; border-left: 4pt solid #d9822b; padding: 6pt 9pt;
  margin: 6pt 0; break-inside: avoid; page-break-inside: avoid; }
.steps > tbody > tr > td { padding: 5pt 0; border-bottom: 0.75pt solid #e3e8ee; }
.steps > tbody > tr { break-inside: avoid; page-break-inside: avoid; }
.num { width: 9mm; font-weight: 700; font-size: 12pt; color: #163d63; }
.fields { margin: 4pt 0 0; background: #f6f8fa; border: 0.75pt solid #dde3ea; }
.fields td { padding: 3pt 7pt; border-bottom: 0.75pt solid #e6eaef; font-size: 9.5pt; }
.fields .label { width: 42%; color: #3a4558; }
.hint { font-family: inherit; font-weight: normal; color: #56627a; font-size: 8.5pt; }
.notes { background: #f3f6f9; padding: 6pt 10pt; margin-top: 10pt; break-inside: avoid;
  page-break-inside: avoid; }
.notes ul { margin: 0; padding-left: 14pt; }
.help { background: #f3f6f9; padding: 5pt 8pt; margin: 0 0 10pt; }
.account th { font-weight: normal; text-align: left; padding: 3pt 8pt 3pt 0;
  border-bottom: 0.75pt solid #dde3ea; }
.footer { margin-top: 18pt; padding-top: 4pt; border-top: 0.75pt solid #cfd6e0;
  color: #56627a; font-size: 8.5pt; }
@media screen {
  .client { margin-top: 28pt; padding-top: 4pt; border-top: 3pt solid #e3e8ee; }
}
@media print {
  html, body { background: #fff; }
  body { max-width: none; padding: 0; }
}
"""

# Qt's rich text: no selectors beyond type/class, no box-sizing, no nth-child; page breaks and
# cell borders are understood. Margins must be in px (Qt drops pt there); font sizes may be pt.
_QT_CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2433; }
h1 { font-size: 19pt; color: #163d63; margin-top: 0px; margin-bottom: 2px; }
h2 { font-size: 13pt; color: #163d63; margin-top: 16px; margin-bottom: 5px; }
h3 { font-size: 11pt; color: #163d63; margin-top: 4px; margin-bottom: 4px; }
p { margin-top: 0px; margin-bottom: 6px; }
table { border-collapse: collapse; margin-bottom: 6px; }
td, th { vertical-align: top; }
.doc { color: #56627a; font-size: 9pt; }
.subtitle { color: #56627a; font-size: 10.5pt; }
.masthead td { border-bottom: 2px solid #163d63; }
.account td { border-bottom: 1px solid #dde3ea; }
.label { color: #56627a; }
.settings th { background-color: #163d63; color: #ffffff; font-size: 9pt; font-weight: bold; }
.settings td { border-bottom: 1px solid #cfd6e0; font-size: 9pt; }
.even td { background-color: #f3f6f9; }
.value { font-family: "DejaVu Sans Mono", Consolas, Menlo, monospace; font-weight: bold; }
code { font-family: "DejaVu Sans Mono", Consolas, Menlo, monospace; font-weight: bold; }
.muted { color: #56627a; }
.small { font-size: 8.5pt; }
.trouble td { border-bottom: 1px solid #dde3ea; }
.title { font-weight: bold; }
.client { page-break-before: always; }
.intro { color: #3a4558; }
.warning { background-color: #fff4e5; }
.warning td { border-left: 4px solid #d9822b; }
.steps td { border-bottom: 1px solid #e3e8ee; }
.num { font-weight: bold; font-size: 12pt; color: #163d63; }
.fields { background-color: #f6f8fa; }
.fields td { border-bottom: 1px solid #e6eaef; font-size: 8.5pt; }
.hint { font-family: "DejaVu Sans", sans-serif; font-weight: normal; color: #56627a;
  font-size: 8pt; }
.notes { background-color: #f3f6f9; }
.footer { color: #56627a; font-size: 8pt; }
.toc p { margin-bottom: 2px; }
.help { background-color: #f3f6f9; margin-bottom: 10px; }
.help-heading { margin-top: 10px; }
"""

# Applied on top of _QT_CSS when the normal spacing spills a few lines onto an extra page.
# (The body's font size is not overridable in Qt's cascade, so it is set on the <body> tag.)
_QT_COMPACT_CSS = """
h2 { font-size: 12pt; margin-top: 10px; margin-bottom: 4px; }
.help-heading { margin-top: 6px; margin-bottom: 2px; }
.help { margin-bottom: 6px; }
p { margin-bottom: 4px; }
.settings td { font-size: 8.5pt; }
.fields td { font-size: 7.5pt; }
.hint { font-size: 7.5pt; }
.num { font-size: 11pt; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def logo_data_uri(path: Path) -> str | None:
    """The logo inline as a data: URI, so the HTML file stands alone; None when the file no
    longer passes the logo rule (wizard.provider_logo: read with a cap, type by its bytes)."""
    logo = load_logo(path)
    if logo is None:
        return None
    return f"data:{logo.mime};base64,{base64.b64encode(logo.data).decode('ascii')}"


def _field_value(field: Field, seen: set[str]) -> str:
    if field.kind is FieldKind.CHECKBOX:
        box = "☑" if field.value == CHECKED else "☐"
        return f'<span class="value">{box} {_e(field.value)}</span>'
    if field.kind is FieldKind.PASSWORD:
        # Said in full once per guide; after that a pointer keeps the page short.
        text = "Your password (as above)." if field.value in seen else field.value
        seen.add(field.value)
        return f'<span class="muted"><i>{_e(text)}</i></span>'
    return f'<span class="value">{_e(field.value)}</span>'


def _fields(fields: tuple[Field, ...], qt: bool, seen: set[str], pad: int = 2) -> str:
    """A label/value table; a hint already shown earlier in the same guide is not repeated."""
    attrs = f' width="100%" cellspacing="0" cellpadding="{pad}" bgcolor="#f6f8fa"' if qt else ""
    rows = []
    for field in fields:
        hint = ""
        if field.hint and field.hint not in seen:
            hint = f'<br /><span class="hint">{_e(field.hint)}</span>'
            seen.add(field.hint)
        label = _e(field.label) if field.label else "Choose"
        width = ' width="42%"' if qt else ""
        rows.append(
            f'<tr><td class="label"{width}>{label}</td>'
            f"<td>{_field_value(field, seen)}{hint}</td></tr>"
        )
    return f'<table class="fields"{attrs}>{"".join(rows)}</table>'


IT_TITLE = "For IT: every server and port"


def _client(
    instructions: Instructions, qt: bool, *, own_page: bool = True, compact: bool = False
) -> str:
    cls = "client" if own_page else "guide"
    parts = [
        f'<div class="{cls}" id="{_e(instructions.client_id)}">',
        f"<h2>{_e(instructions.title)}</h2>",
        f'<p class="intro">{_e(instructions.intro)}</p>',
    ]
    for warning in instructions.warnings:
        if qt:
            parts.append(
                '<table class="warning" width="100%" cellpadding="6" cellspacing="0" '
                'bgcolor="#fff4e5">'
                f"<tr><td><b>Important:</b> {_e(warning)}</td></tr></table>"
            )
        else:
            parts.append(f'<div class="warning"><b>Important:</b> {_e(warning)}</div>')
    attrs = f' width="100%" cellspacing="0" cellpadding="{1 if compact else 4}"' if qt else ""
    rows = []
    seen: set[str] = set()
    for number, step in enumerate(instructions.steps, start=1):
        fields = _fields(step.fields, qt, seen, 1 if compact else 2) if step.fields else ""
        width = ' width="7%"' if qt else ""
        rows.append(
            f'<tr><td class="num"{width}>{number}</td><td><p>{_e(step.text)}</p>{fields}</td></tr>'
        )
    parts.append(f'<table class="steps"{attrs}>{"".join(rows)}</table>')
    if instructions.notes:
        items = "".join(f"<li>{_e(note)}</li>" for note in instructions.notes)
        if qt:
            parts.append(
                '<table class="notes" width="100%" cellpadding="6" cellspacing="0" '
                'bgcolor="#f3f6f9"><tr><td>'
                f"<h3>Good to know</h3><ul>{items}</ul></td></tr></table>"
            )
        else:
            parts.append(f'<div class="notes"><h3>Good to know</h3><ul>{items}</ul></div>')
    parts.append("</div>")
    return "\n".join(parts)


def _masthead(handout: Handout, logo_src: str | None, qt: bool) -> str:
    logo = ""
    if logo_src:
        size = ' height="60"' if qt else ""
        logo = (
            f'<td class="logo"><img src="{_e(logo_src)}" alt="{_e(handout.organization)}"'
            f"{size} /></td>"
        )
    attrs = ' width="100%" cellspacing="0" cellpadding="4"' if qt else ""
    prepared = handout.prepared_on.strftime("%d %B %Y").lstrip("0")
    return (
        f'<table class="masthead"{attrs}><tr>{logo}'
        f"<td><h1>{_e(handout.organization)}</h1>"
        f'<p class="subtitle">Settings sheet for {_e(handout.name)}</p></td>'
        f'<td class="doc" align="right">Prepared {_e(prepared)}<br />'
        "Contains no password</td></tr></table>"
    )


def _account(handout: Handout, qt: bool, *, short: bool = False) -> str:
    attrs = ' width="100%" cellspacing="0" cellpadding="4"' if qt else ""
    width = ' width="28%"' if qt else ""
    login_note = (
        f'<br /><span class="hint">{_e(handout.login_note)}</span>' if handout.login_note else ""
    )
    rows = [
        ("Name", f"<b>{_e(handout.name)}</b>"),
        ("Email address", f'<span class="value">{_e(handout.address)}</span>'),
        ("Login", f'<span class="value">{_e(handout.login)}</span>{login_note}'),
        ("Password", f'<span class="muted"><i>{_e(handout.password_note)}</i></span>'),
    ]
    if short:
        rows = rows[1:]  # the name is in the masthead; the page must hold a whole guide
    # Row headers in the web page, so a screen reader says "Login: …"; Qt's PDF draws th bold.
    cell = "td" if qt else 'th scope="row"'
    end = "td" if qt else "th"
    body = "".join(
        f'<tr><{cell} class="label"{width}>{label}</{end}><td>{value}</td></tr>'
        for label, value in rows
    )
    heading = "" if short else "<h2>Your account</h2>"
    return f'{heading}<table class="account"{attrs}>{body}</table>'


def _settings(handout: Handout, qt: bool) -> str:
    attrs = ' width="100%" cellspacing="0" cellpadding="4"' if qt else ""
    # Fixed shares keep a port or a host name from being split mid-word in a narrow column.
    columns = (
        ("Service", 16),
        ("Server", 24),
        ("Port", 7),
        ("Security", 11),
        ("Username", 25),
        ("Authentication", 17),
    )
    head = "".join(
        f'<th scope="col" width="{share}%" align="left">{title}</th>' for title, share in columns
    )
    rows = []
    for index, row in enumerate(handout.settings):
        cls = ' class="even"' if qt and index % 2 else ""
        rows.append(
            f"<tr{cls}><td>{_e(row.service)}</td>"
            f'<td><span class="value">{_e(row.server)}</span></td>'
            f'<td><span class="value">{_e(row.port)}</span></td>'
            f'<td><span class="value">{_e(row.security)}</span></td>'
            f'<td><span class="value">{_e(row.username)}</span></td>'
            f"<td>{_e(row.authentication)}</td></tr>"
        )
    legend = "".join(f"<li>{_e(item)}</li>" for item in handout.security_legend)
    return (
        "<h2>Server settings</h2>"
        f'<table class="settings"{attrs}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<ul class="legend small muted">{legend}</ul>'
    )


def _person_settings(handout: Handout, qt: bool) -> str:
    """Where mail comes from and goes to: two rows, no protocol names, no filter server."""
    attrs = ' width="100%" cellspacing="0" cellpadding="4"' if qt else ""
    columns = (("Service", 24), ("Server", 36), ("Port", 14), ("Security", 26))
    head = "".join(
        f'<th scope="col" width="{share}%" align="left">{title}</th>' for title, share in columns
    )
    rows = "".join(
        f"<tr><td>{_e(row.service)}</td>"
        f'<td><span class="value">{_e(row.server)}</span></td>'
        f'<td><span class="value">{_e(row.port)}</span></td>'
        f'<td><span class="value">{_e(row.security)}</span></td></tr>'
        for row in handout.person_settings
    )
    return (
        "<h2>Your settings</h2>"
        f'<table class="settings"{attrs}><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _help(handout: Handout, qt: bool) -> str:
    """Who to ask, in two lines (IT's page has the full list), under a heading of its own:
    run on from the account table it read as one of its rows, and a reader could not find it."""
    contact = (
        f"email <b>{_e(handout.support_email)}</b>"
        if handout.support_email
        else "ask your IT contact"
    )
    return (
        '<h3 class="help-heading">Mail not working?</h3>'
        f'<p class="help">Open {_e(APP_NAME)} and choose '
        f"“{_e(CHECK_CHOICE)}”, or {contact}. Never send your password: nobody will ask "
        "for it.</p>"
    )


def _it_page(handout: Handout, qt: bool) -> str:
    return (
        '<div class="client" id="it">'
        f"<h2>{_e(IT_TITLE)}</h2>"
        + _settings(handout, qt).replace("<h2>Server settings</h2>", "", 1)
        + _troubleshooting(handout, qt)
        + "</div>"
    )


def _troubleshooting(handout: Handout, qt: bool) -> str:
    attrs = ' width="100%" cellspacing="0" cellpadding="4"' if qt else ""
    width = ' width="32%"' if qt else ""
    rows = "".join(
        f'<tr><td class="title"{width}>{_e(item.title)}</td><td>{_e(item.text)}</td></tr>'
        for item in handout.troubleshooting
    )
    return f'<h2>If something does not work</h2><table class="trouble"{attrs}>{rows}</table>'


def _contents(handout: Handout, qt: bool, pages: dict[str, int]) -> str:
    if not handout.clients:
        return ""
    items = []
    for client in handout.clients:
        title = _e(client.title)
        if not qt:
            title = f'<a href="#{_e(client.client_id)}">{title}</a>'
        page = pages.get(client.client_id)
        suffix = f' <span class="muted">— page {page}</span>' if page else ""
        items.append(f"{title}{suffix}")
    intro = (
        "<h2>Step-by-step guides in this pack</h2>"
        '<p class="muted small">Each guide starts on a new page. Follow the one for the app '
        "you use.</p>"
    )
    if not qt:
        return intro + '<ul class="toc">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    # Qt has no CSS columns: two table columns keep the list to half the height.
    half = (len(items) + 1) // 2
    cells = [
        "".join(f"<p>• {item}</p>" for item in column) for column in (items[:half], items[half:])
    ]
    return (
        intro
        + '<table class="toc" width="100%" cellspacing="0" cellpadding="2"><tr>'
        + "".join(f'<td width="50%">{cell}</td>' for cell in cells)
        + "</tr></table>"
    )


def render_html(
    handout: Handout,
    flavour: Flavour = Flavour.BROWSER,
    *,
    logo_src: str | None = None,
    page_numbers: dict[str, int] | None = None,
    compact: bool = False,
) -> str:
    """The whole handout as one HTML document.

    For the browser flavour the logo is inlined as a data: URI unless ``logo_src`` is given;
    the Qt flavour expects ``logo_src`` to name an image resource the caller registered.
    ``page_numbers`` (client id to page), known only once the PDF is laid out, is added to the
    list of guides. ``compact`` tightens the Qt flavour's spacing.
    """
    qt = flavour is Flavour.QT
    if logo_src is None and not qt and handout.logo is not None:
        logo_src = logo_data_uri(handout.logo)
    css = (_QT_CSS + (_QT_COMPACT_CSS if compact else "")) if qt else _BROWSER_CSS
    body_style = f' style="font-size: {8 if compact else 9.5}pt"' if qt else ""
    support = f" Questions: {_e(handout.support_email)}." if handout.support_email else ""
    footer = (
        ""
        if qt
        else f'<p class="footer">{_e(handout.title)}. This sheet never contains a '
        f"password.{support}</p>"
    )
    # Page 1 is the person's: with one mail program its steps are on it; a pack of several
    # (the CLI's default) lists them and gives each its own page. IT's page comes last.
    single = len(handout.clients) == 1
    person = [
        _masthead(handout, logo_src, qt),
        _account(handout, qt, short=single),
        _help(handout, qt),
    ]
    if single:
        # The program's own steps carry every setting, in its words: no second table.
        person.append(_client(handout.clients[0], qt, own_page=False, compact=compact))
    else:
        person.append(_person_settings(handout, qt))
    guides = [] if single else [_contents(handout, qt, page_numbers or {})]
    guides.extend(_client(c, qt) for c in handout.clients if not single)
    body = "\n".join([*person, *guides, _it_page(handout, qt) if handout.it_page else "", footer])
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en" xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
        '<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{_e(handout.title)}</title>\n<style>{css}</style>\n</head>\n"
        f"<body{body_style}>\n{body}\n</body>\n</html>\n"
    )
